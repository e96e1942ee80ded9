import { formatYuan, isNonNegativeInteger, jsonPointer, roundTo, violation } from '../../workflows/rules/violations';

describe('violations helpers', () => {
  it('when a segment holds "/" or "~", the pointer escapes it per RFC 6901', () => {
    expect(jsonPointer('scores', 'a/b~c', 2)).toBe('/scores/a~1b~0c/2');
  });

  it('when building a violation, it keeps field, rule and message', () => {
    expect(violation('/x', 'some-rule', 'msg')).toEqual({ field: '/x', rule: 'some-rule', message: 'msg' });
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
