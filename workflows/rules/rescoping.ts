import { jsonPointer, violation, type RuleViolation } from './violations';

// Re-scoping a partial award (调整预算): the applicant's new budget lines must add up exactly to the award.

/** How long the applicant has to accept or decline a partial award, when the contest does not say. */
export const DEFAULT_RESCOPING_DEADLINE = 'P14D';

export interface BudgetLineInput {
  item: string;
  amountFen: number;
}

/** Checks a re-scoped budget against the award; fields are under `/body` (the request the lines came in). */
export function checkRescopedBudget(lines: BudgetLineInput[], awardedFen: number): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (lines.length === 0) return [violation('/body/budgetLines', 'budget-lines-required', 'rule.rescoping.budget-lines-required')];
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    if (!Number.isSafeInteger(l.amountFen) || l.amountFen < 0) out.push(violation(jsonPointer('body', 'budgetLines', i, 'amountFen'), 'money-non-negative-integer', 'rule.money-non-negative-integer', { value: l.amountFen }));
    const item = l.item.trim();
    if (seen.has(item)) out.push(violation(jsonPointer('body', 'budgetLines', i, 'item'), 'budget-line-unique', 'rule.rescoping.budget-line-unique', { item }));
    seen.add(item);
  });
  if (out.length) return out;
  const total = lines.reduce((s, l) => s + l.amountFen, 0);
  if (total !== awardedFen) {
    out.push(violation('/body/budgetLines', 'rescoped-budget-sum', 'rule.rescoping.rescoped-budget-sum', { total, awarded: awardedFen }));
  }
  return out;
}

