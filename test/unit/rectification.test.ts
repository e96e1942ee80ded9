import { plannedToDate, redIsNew, type ColourFacts } from '../../workflows/rules/colour';
import { defaultProgrammeRules } from '../../workflows/rules/programme-rules';
import { checkRevisedPlan } from '../../workflows/rules/rectification';

const rules = defaultProgrammeRules().monitoring.colour;
const facts = (f: Partial<ColourFacts> = {}): ColourFacts => ({ overdueReports: 0, spendingDeviationPct: 0, indicatorLagPct: 0, complaints: 0, supervisionIndex: null, ...f });
const at = (d: string) => Date.parse(`${d}T00:00:00.000Z`);
const agreement = { startDate: '2027-01-01', endDate: '2027-12-31', amountFen: 3_650_000 };

describe('redIsNew', () => {
  test('with nothing answered, every red is new', () => {
    expect(redIsNew(rules, facts({ spendingDeviationPct: 56.2 }), null)).toBe(true);
  });
  test('the answered red fact, no worse, is not new; worse, it is', () => {
    const answered = facts({ spendingDeviationPct: 56.2 });
    expect(redIsNew(rules, facts({ spendingDeviationPct: 56.2 }), answered)).toBe(false);
    expect(redIsNew(rules, facts({ spendingDeviationPct: 40 }), answered)).toBe(false);
    expect(redIsNew(rules, facts({ spendingDeviationPct: 60 }), answered)).toBe(true);
  });
  test('another fact turning red is new, though the answered one is unchanged', () => {
    expect(redIsNew(rules, facts({ spendingDeviationPct: 56.2, complaints: 3 }), facts({ spendingDeviationPct: 56.2 }))).toBe(true);
  });
  test('a lower supervision index is worse', () => {
    const answered = facts({ supervisionIndex: 55 });
    expect(redIsNew(rules, facts({ supervisionIndex: 58 }), answered)).toBe(false);
    expect(redIsNew(rules, facts({ supervisionIndex: 50 }), answered)).toBe(true);
  });
});

describe('plannedToDate', () => {
  test('without a revised plan, the budget spreads evenly over the term', () => {
    expect(plannedToDate(agreement, at('2027-01-01'))).toBe(0);
    expect(plannedToDate(agreement, at('2027-01-11'))).toBe(100_000);
    expect(plannedToDate(agreement, at('2028-02-01'))).toBe(3_650_000);
  });
  test("a revised plan's points hold from their date, linear between them, the whole amount at the end", () => {
    const plan = [{ on: '2027-01-11', cumulativeFen: 2_000_000 }];
    expect(plannedToDate(agreement, at('2027-01-06'), plan)).toBe(1_000_000);
    expect(plannedToDate(agreement, at('2027-01-11'), plan)).toBe(2_000_000);
    expect(plannedToDate(agreement, at('2028-01-01'), plan)).toBe(3_650_000);
  });
});

test('checkRevisedPlan names each field a revised plan gets wrong', () => {
  const errors = checkRevisedPlan(
    { spendingPlan: [{ on: '2026-12-01', cumulativeFen: 10 }, { on: '2026-11-01', cumulativeFen: 5 }], indicatorTargets: [{ name: 'visits', target: 1 }, { name: 'visits', target: 2 }, { name: 'x', target: 1 }] },
    agreement,
    ['visits'],
  );
  expect(errors.map((e) => [e.field, e.rule])).toEqual([
    ['/body/spendingPlan/0/on', 'within-agreement'],
    ['/body/spendingPlan/1/on', 'within-agreement'],
    ['/body/spendingPlan/1/on', 'dates-rise'],
    ['/body/spendingPlan/1/cumulativeFen', 'cumulative'],
    ['/body/indicatorTargets/1/name', 'unique'],
    ['/body/indicatorTargets/2/name', 'indicator'],
  ]);
  expect(checkRevisedPlan({ spendingPlan: [{ on: '2027-06-01', cumulativeFen: 1 }] }, null, [])).toEqual([expect.objectContaining({ rule: 'agreement' })]);
});
