import * as m from '../messages';
import { conflict, businessRule } from '../refusals';
import { agreementRules, startDelivery } from './delivery';
import { move, type AnyMove } from './state';
import { msg } from '../../i18n/message';

// The venture-funding contest (公益创投) as the project sees it: it enters, leaves, or is awarded and signs.

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

export const awardContest = move({
  def: m.awardContest,
  move: 'awardContest',
  check(p, a) {
    if (p.state.contestId !== a.contestId) throw conflict(msg('problem.conflict.other-contest', { contestId: String(p.state.contestId), requested: a.contestId }));
    const errors = agreementRules(a.agreement);
    if (errors.length) throw businessRule(errors);
  },
  apply: (p, a, key) => startDelivery(p, key, a.actorId, a.agreement, 'awarded'),
});

export const contestMoves: AnyMove[] = [enterContest, leaveContest, awardContest];
