import { formatYuan, isNonNegativeInteger, jsonPointer, roundTo, violation } from '../../workflows/rules/violations';

describe('violations helpers', () => {
  it('when a segment holds "/" or "~", the pointer escapes it per RFC 6901', () => {
    expect(jsonPointer('scores', 'a/b~c', 2)).toBe('/scores/a~1b~0c/2');
  });

  it('when building a violation, it keeps field and rule, its catalogue key and params, and the English text as message', () => {
    expect(violation('/x', 'budget-lines-sum', 'rule.proposal.budget-lines-sum', { lines: 150, total: 20_000_000 })).toEqual({
      field: '/x', rule: 'budget-lines-sum', key: 'rule.proposal.budget-lines-sum', params: { lines: 150, total: 20_000_000 },
      message: 'budget lines add up to 1.50 yuan; they must equal the total project budget of 200,000.00 yuan (amount asked plus co-funding)',
    });
    expect(violation('/s/a', 'score-missing', 'rule.score-missing', { noun: 'criterion', name: 'A' }).message).toBe('criterion "A" has no score');
  });

  it('when rounding 1.005 to 2 decimals, it gives 1.01 despite float error', () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(2.345, 1)).toBe(2.3);
    expect(roundTo(-1.005, 2)).toBe(-1.01);
    expect(roundTo(1e-9, 2)).toBe(0);
    expect(roundTo(0, 2)).toBe(0);
  });

  it('when formatting fen, it gives yuan with 2 decimals and thousands separators', () => {
    expect(formatYuan(20_000_000)).toBe('200,000.00 yuan');
    expect(formatYuan(5)).toBe('0.05 yuan');
    expect(formatYuan(123_456_789)).toBe('1,234,567.89 yuan');
    expect(formatYuan(-150)).toBe('-1.50 yuan');
  });

  it('when a count is fractional, negative or NaN, it is not a non-negative integer', () => {
    expect(isNonNegativeInteger(0)).toBe(true);
    expect(isNonNegativeInteger(1.5)).toBe(false);
    expect(isNonNegativeInteger(-1)).toBe(false);
    expect(isNonNegativeInteger(NaN)).toBe(false);
  });
});
