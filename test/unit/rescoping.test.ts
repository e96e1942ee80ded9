import { checkRescopedBudget } from '../../workflows/rules/rescoping';

describe('a budget re-scoped to a partial award', () => {
  test('lines adding up exactly to the award pass', () => {
    expect(checkRescopedBudget([{ item: 'Activities', amountFen: 350_000 }, { item: 'Training', amountFen: 150_000 }], 500_000)).toEqual([]);
  });

  test('lines adding up to more or less than the award are refused by the rescoped-budget-sum rule, naming both amounts', () => {
    for (const amountFen of [499_999, 500_001]) {
      const v = checkRescopedBudget([{ item: 'Activities', amountFen }], 500_000);
      expect(v).toEqual([expect.objectContaining({ field: '/body/budgetLines', rule: 'rescoped-budget-sum' })]);
      expect(v[0].message).toContain('5,000.00');
    }
  });

  test('a line twice, or an amount that is not whole fen, is named by its pointer', () => {
    expect(checkRescopedBudget([{ item: 'A', amountFen: 1 }, { item: 'A', amountFen: 1 }], 2).map((e) => `${e.field} ${e.rule}`)).toEqual(['/body/budgetLines/1/item budget-line-unique']);
    expect(checkRescopedBudget([{ item: 'A', amountFen: 1.5 }, { item: 'B', amountFen: 0.5 }], 2).map((e) => `${e.field} ${e.rule}`)).toEqual([
      '/body/budgetLines/0/amountFen money-non-negative-integer', '/body/budgetLines/1/amountFen money-non-negative-integer',
    ]);
    expect(checkRescopedBudget([], 2).map((e) => e.rule)).toEqual(['budget-lines-required']);
  });
});
