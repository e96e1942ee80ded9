import * as wf from '@temporalio/workflow';
import * as m from '../messages';
import { conflict, businessRule } from '../refusals';
import { addDuration, isDuration } from '../rules/duration';
import { checkRescopedBudget, DEFAULT_RESCOPING_DEADLINE } from '../rules/rescoping';
import { agreementRules, startDelivery } from './delivery';
import { violation } from '../rules/violations';
import { move, nowIso, PARTIAL_AWARD_RESCOPING, type AnyMove, type ProjectRun } from './state';
import { msg } from '../../i18n/message';

// The venture-funding contest (公益创投) as the project sees it: it enters, leaves, or is awarded and signs. An award
// below the amount asked waits for the applicant (rescoping): a budget re-scoped to the award, or the award declined.

export const enterContest = move({
  def: m.enterContest,
  move: 'enterContest',
  async apply(p, a, key) {
    p.state.stage = 'in_contest';
    p.state.contestId = a.contestId;
    // With the entry, its row is written in the event's transaction: the move and the entry happen together or not at all.
    const write = a.entry ? { write: { op: 'contestEntry' as const, contestId: a.contestId, ...a.entry } } : {};
    await p.record({ key, kind: 'enteredContest', actorId: a.actorId, data: { contestId: a.contestId }, ...write });
  },
});

export const leaveContest = move({
  def: m.leaveContest,
  move: 'leaveContest',
  check(p, a) {
    if (p.state.contestId !== a.contestId) throw conflict(msg('problem.conflict.other-contest', { contestId: String(p.state.contestId), requested: a.contestId }));
  },
  async apply(p, a, key) {
    p.state.stage = 'approved';
    p.state.contestId = null;
    await p.record({ key, kind: 'leftContest', actorId: a.actorId, data: { contestId: a.contestId, reason: a.reason } });
  },
});

const isPartial = (a: { agreement: m.AgreementTerms; amountAskedFen?: number }) => a.amountAskedFen !== undefined && a.agreement.amountFen < a.amountAskedFen;

export const awardContest = move({
  def: m.awardContest,
  move: 'awardContest',
  check(p, a) {
    if (p.state.contestId !== a.contestId) throw conflict(msg('problem.conflict.other-contest', { contestId: String(p.state.contestId), requested: a.contestId }));
    const errors = agreementRules(a.agreement);
    if (a.rescopingDeadline !== undefined && !isDuration(a.rescopingDeadline)) errors.push(violation('/rescopingDeadline', 'iso-duration', 'schema.format.iso-duration'));
    if (errors.length) throw businessRule(errors);
  },
  async apply(p, a, key) {
    // Awards carry the amount asked since partial awards wait; the marker keeps older histories going straight to delivery.
    if (isPartial(a) && wf.patched(PARTIAL_AWARD_RESCOPING)) return openRescoping(p, a, key);
    return startDelivery(p, key, a.actorId, a.agreement, 'awarded');
  },
});

/** A partial award: the project waits for the applicant, with the award's agreement, until the deadline. */
async function openRescoping(p: ProjectRun, a: m.Actor & { contestId: string; agreement: m.AgreementTerms; amountAskedFen?: number; rescopingDeadline?: string }, key: string): Promise<void> {
  const s = p.state;
  const amountAskedFen = a.amountAskedFen!;
  const awardedFen = a.agreement.amountFen;
  const dueAt = addDuration(nowIso(), a.rescopingDeadline ?? DEFAULT_RESCOPING_DEADLINE);
  s.stage = 'rescoping';
  s.rescoping = { contestId: a.contestId, amountAskedFen, awardedFen, dueAt, agreement: a.agreement };
  await p.record({
    key, kind: 'rescopingOpened', actorId: a.actorId, data: { contestId: a.contestId, amountAskedFen, awardedFen, dueAt, fundingSources: a.agreement.fundingSources },
    write: { op: 'rescopingOpen', contestId: a.contestId, amountAskedFen, awardedFen, dueAt },
  });
}

export const acceptRescoping = move({
  def: m.acceptRescoping,
  move: 'acceptRescoping',
  check(p, a) {
    const errors = checkRescopedBudget(a.budgetLines, p.state.rescoping?.awardedFen ?? 0);
    if (errors.length) throw businessRule(errors);
  },
  async apply(p, a, key) {
    const s = p.state;
    const r = s.rescoping!;
    // The re-scoped budget is a new version of the proposal: the history keeps the one asked for and the one funded.
    s.version += 1;
    s.rescoping = null;
    await startDelivery(p, key, a.actorId, r.agreement, 'rescopingAccepted', {
      write: { op: 'rescopingAccept', contestId: r.contestId, version: s.version, awardedFen: r.awardedFen, budgetLines: a.budgetLines, terms: r.agreement },
      data: { amountAskedFen: r.amountAskedFen, version: s.version, budgetLines: a.budgetLines, ...(a.note ? { note: a.note } : {}) },
    });
  },
});

/** The award declined (by the applicant, or by the deadline passing): back to the library, the money back to the pool. */
export async function declineAward(p: ProjectRun, key: string, actorId: string | null, reason: string, expired: boolean): Promise<void> {
  const s = p.state;
  const r = s.rescoping!;
  s.stage = 'approved';
  s.contestId = null;
  s.rescoping = null;
  await p.record({
    key, kind: 'rescopingDeclined', actorId, data: { contestId: r.contestId, reason, awardedFen: r.awardedFen, returnedFen: r.awardedFen, expired },
    write: { op: 'rescopingDecline', contestId: r.contestId, awardedFen: r.awardedFen, reason, expired },
  });
}

export const declineRescoping = move({
  def: m.declineRescoping,
  move: 'declineRescoping',
  apply: (p, a, key) => declineAward(p, key, a.actorId, a.reason, false),
});

export const contestMoves: AnyMove[] = [enterContest, leaveContest, awardContest, acceptRescoping, declineRescoping];
