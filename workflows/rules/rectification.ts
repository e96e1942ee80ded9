/** What a rectification plan (整改方案) may re-plan, and the checks it must pass. */
import type { RevisedPlan } from '../messages';
import type { RuleViolation } from './violations';

/**
 * A revised spending plan runs within the agreement, its dates rising and its cumulative amounts never falling nor
 * passing the agreed amount; revised targets name indicators of the proposal.
 */
export function checkRevisedPlan(plan: RevisedPlan, agreement: { startDate: string; endDate: string; amountFen: number } | null, indicatorNames: string[]): RuleViolation[] {
  const errors: RuleViolation[] = [];
  const points = plan.spendingPlan ?? [];
  if (points.length && !agreement) errors.push({ field: '/body/spendingPlan', rule: 'agreement', message: 'there is no agreement to plan spending against' });
  points.forEach((p, i) => {
    const at = `/body/spendingPlan/${i}`;
    if (agreement && (p.on < agreement.startDate || p.on > agreement.endDate)) errors.push({ field: `${at}/on`, rule: 'within-agreement', message: `${p.on} is outside the agreement (${agreement.startDate} to ${agreement.endDate})` });
    if (agreement && p.cumulativeFen > agreement.amountFen) errors.push({ field: `${at}/cumulativeFen`, rule: 'within-amount', message: `${p.cumulativeFen} fen is more than the agreement's ${agreement.amountFen} fen` });
    const prev = points[i - 1];
    if (prev && p.on <= prev.on) errors.push({ field: `${at}/on`, rule: 'dates-rise', message: `must come after ${prev.on}` });
    if (prev && p.cumulativeFen < prev.cumulativeFen) errors.push({ field: `${at}/cumulativeFen`, rule: 'cumulative', message: `is cumulative: it cannot fall below ${prev.cumulativeFen}` });
  });
  const known = new Set(indicatorNames);
  const seen = new Set<string>();
  (plan.indicatorTargets ?? []).forEach((t, i) => {
    if (!known.has(t.name)) errors.push({ field: `/body/indicatorTargets/${i}/name`, rule: 'indicator', message: `is not an indicator of the proposal (${indicatorNames.join(', ')})` });
    if (seen.has(t.name)) errors.push({ field: `/body/indicatorTargets/${i}/name`, rule: 'unique', message: 'names an indicator twice' });
    seen.add(t.name);
  });
  return errors;
}
