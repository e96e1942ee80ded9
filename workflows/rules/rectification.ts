/** What a rectification plan (整改方案) may re-plan, and the checks it must pass. */
import type { RevisedPlan } from '../messages';
import { violation, type RuleViolation } from './violations';

/**
 * A revised spending plan runs within the agreement, its dates rising and its cumulative amounts never falling nor
 * passing the agreed amount; revised targets name indicators of the proposal.
 */
export function checkRevisedPlan(plan: RevisedPlan, agreement: { startDate: string; endDate: string; amountFen: number } | null, indicatorNames: string[]): RuleViolation[] {
  const errors: RuleViolation[] = [];
  const points = plan.spendingPlan ?? [];
  if (points.length && !agreement) errors.push(violation('/body/spendingPlan', 'agreement', 'rule.rectification.agreement'));
  points.forEach((p, i) => {
    const at = `/body/spendingPlan/${i}`;
    if (agreement && (p.on < agreement.startDate || p.on > agreement.endDate)) errors.push(violation(`${at}/on`, 'within-agreement', 'rule.rectification.within-agreement', { on: p.on, start: agreement.startDate, end: agreement.endDate }));
    if (agreement && p.cumulativeFen > agreement.amountFen) errors.push(violation(`${at}/cumulativeFen`, 'within-amount', 'rule.rectification.within-amount', { fen: p.cumulativeFen, amount: agreement.amountFen }));
    const prev = points[i - 1];
    if (prev && p.on <= prev.on) errors.push(violation(`${at}/on`, 'dates-rise', 'rule.rectification.dates-rise', { prev: prev.on }));
    if (prev && p.cumulativeFen < prev.cumulativeFen) errors.push(violation(`${at}/cumulativeFen`, 'cumulative', 'rule.rectification.cumulative', { prev: prev.cumulativeFen }));
  });
  const known = new Set(indicatorNames);
  const seen = new Set<string>();
  (plan.indicatorTargets ?? []).forEach((t, i) => {
    if (!known.has(t.name)) errors.push(violation(`/body/indicatorTargets/${i}/name`, 'indicator', 'rule.rectification.indicator', { names: indicatorNames.join(', ') }));
    if (seen.has(t.name)) errors.push(violation(`/body/indicatorTargets/${i}/name`, 'unique', 'rule.rectification.unique'));
    seen.add(t.name);
  });
  return errors;
}
