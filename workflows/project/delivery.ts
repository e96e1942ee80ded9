import type { ProjectWrite } from '../../activities/project-event-types';
import * as m from '../messages';
import { businessRule } from '../refusals';
import { violation, type RuleViolation } from '../rules/violations';
import * as wf from '@temporalio/workflow';
import { timeZoneOf } from '../rules/programme-rules';
import { startOfZoneDay } from '../rules/zone';
import { move, nowIso, REPORT_MONTH_IN_ZONE, type AnyMove, type ProjectRun } from './state';

// Delivery (项目实施): the agreement is signed (directly or by a contest's award), then service records,
// spending and milestones come in until the final evaluation.

export function agreementRules(terms: m.AgreementTerms): RuleViolation[] {
  const errors: RuleViolation[] = [];
  if (terms.endDate <= terms.startDate) errors.push(violation('/body/endDate', 'after-start', 'rule.after-start'));
  const tranches = terms.tranches.reduce((s, t) => s + t.amountFen, 0);
  if (tranches !== terms.amountFen) errors.push(violation('/body/tranches', 'tranches-sum', 'rule.delivery.tranches-sum', { tranches, amount: terms.amountFen }));
  if (!terms.fundingSources?.length) errors.push(violation('/body/fundingSources', 'funding-sources', 'rule.delivery.funding-sources'));
  return errors;
}

/**
 * Signs the agreement: delivery starts, and the first monthly report period with it. `write`: a write that signs the
 * agreement along with another document (a re-scoped budget); the agreement on its own by default.
 */
export async function startDelivery(p: ProjectRun, key: string, actorId: string, terms: m.AgreementTerms, kind: string, extra: { write?: ProjectWrite; data?: Record<string, unknown> } = {}): Promise<void> {
  const s = p.state;
  const now = nowIso();
  // Agreements signed since report months follow the programme's zone start at the start of its day.
  const zone = wf.patched(REPORT_MONTH_IN_ZONE) ? timeZoneOf(p.rules) : undefined;
  const startAt = zone ? startOfZoneDay(zone, terms.startDate) : `${terms.startDate}T00:00:00.000Z`;
  s.stage = 'delivery';
  s.agreement = {
    startDate: terms.startDate,
    endDate: terms.endDate,
    amountFen: terms.amountFen,
    finalTrancheFen: terms.tranches[terms.tranches.length - 1]?.amountFen ?? 0,
    // Reports cover the time from signing: an agreement signed after its start date owes nothing for the days before.
    reportsFrom: startAt > now ? startAt : now,
    ...(zone ? { reportZone: zone } : {}),
  };
  s.reports = [];
  p.scheduleNextReport();
  await p.record({
    key, kind, actorId, data: { contestId: s.contestId, amountFen: terms.amountFen, startDate: terms.startDate, endDate: terms.endDate, fundingSources: terms.fundingSources, ...extra.data },
    write: extra.write ?? { op: 'agreement', terms },
  });
}

export const fundDirectly = move({
  def: m.fundDirectly,
  move: 'fundDirectly',
  check(_p, a) {
    const errors = agreementRules(a.agreement);
    if (errors.length) throw businessRule(errors);
  },
  apply: (p, a, key) => startDelivery(p, key, a.actorId, a.agreement, 'fundedDirectly'),
});

function withinAgreement(p: ProjectRun, date: string, field: string): RuleViolation[] {
  const ag = p.state.agreement;
  if (ag && (date < ag.startDate || date > ag.endDate)) return [violation(field, 'within-agreement', 'rule.delivery.within-agreement', { date, start: ag.startDate, end: ag.endDate })];
  return [];
}

export const recordServiceRecord = move({
  def: m.recordServiceRecord,
  move: 'recordServiceRecord',
  check(p, a) {
    const errors = withinAgreement(p, a.record.heldOn, '/body/heldOn');
    if (errors.length) throw businessRule(errors);
  },
  async apply(p, a, key) {
    const hours = a.record.volunteers.reduce((s, v) => s + v.hours, 0);
    await p.record({ key, kind: 'serviceRecorded', actorId: a.actorId, data: { id: a.record.id, activity: a.record.activity, peopleServed: a.record.peopleServed, volunteerHours: hours }, write: { op: 'serviceRecord', record: a.record } });
  },
});

export const recordSpending = move({
  def: m.recordSpending,
  move: 'recordSpending',
  check(p, a) {
    const errors = withinAgreement(p, a.entry.spentOn, '/body/spentOn');
    if (errors.length) throw businessRule(errors);
  },
  async apply(p, a, key) {
    await p.recordAndRecolour({ key, kind: 'spendingRecorded', actorId: a.actorId, data: { id: a.entry.id, budgetItem: a.entry.budgetItem, amountFen: a.entry.amountFen }, write: { op: 'spending', entry: a.entry } });
  },
});

export const completeMilestone = move({
  def: m.completeMilestone,
  move: 'completeMilestone',
  async apply(p, a, key) {
    await p.record({ key, kind: 'milestoneCompleted', actorId: a.actorId, data: { seq: a.seq, note: a.note }, write: { op: 'milestoneDone', seq: a.seq, note: a.note } });
  },
});

export const deliveryMoves: AnyMove[] = [fundDirectly, recordServiceRecord, recordSpending, completeMilestone];
