import * as m from '../messages';
import type { Stage } from '../stages';
import { businessRule, conflict } from '../refusals';
import { addDuration } from '../rules/duration';
import { weightedTotal } from '../rules/review';
import { move, nowIso, type AnyMove } from './state';
import { msg } from '../../i18n/message';
import { violation } from '../rules/violations';

// Review (项目论证): an expert panel scores the proposal on the programme's rubric; the officer decides.

export const assignPanel = move({
  def: m.assignPanel,
  move: 'assignPanel',
  check(p, a) {
    if (p.state.panel.length > 0) throw conflict(msg('problem.conflict.panel-assigned'));
    const size = p.rules.review.panelSize;
    if (a.reviewerIds.length !== size) {
      throw businessRule([violation('/body/reviewerIds', 'panel-size', 'rule.review.panel-size', { size, given: a.reviewerIds.length })]);
    }
  },
  async apply(p, a, key) {
    const s = p.state;
    const now = nowIso();
    const dueAt = addDuration(now, p.rules.review.reviewerDeadline);
    const remindAt = addDuration(now, p.rules.review.reviewerReminder);
    s.panel = a.reviewerIds.map((reviewerId) => ({ reviewerId, dueAt, remindAt: remindAt < dueAt ? remindAt : null, reminded: false, lateNotified: false, scored: false, total: null }));
    await p.record({
      key, kind: 'panelAssigned', actorId: a.actorId, data: { reviewerIds: a.reviewerIds, dueAt },
      write: { op: 'panel', round: s.version, reviewerIds: a.reviewerIds, dueAt },
    });
  },
});

export const reassignReviewer = move({
  def: m.reassignReviewer,
  move: 'reassignReviewer',
  check(p, a) {
    const seat = p.state.panel.find((x) => x.reviewerId === a.fromReviewerId);
    if (!seat) throw businessRule([violation('/body/fromReviewerId', 'on-panel', 'rule.review.on-panel')]);
    if (seat.scored) throw conflict(msg('problem.conflict.reviewer-scored'));
    if (p.state.panel.some((x) => x.reviewerId === a.toReviewerId)) throw businessRule([violation('/body/toReviewerId', 'not-on-panel', 'rule.review.not-on-panel')]);
  },
  async apply(p, a, key) {
    const s = p.state;
    const now = nowIso();
    const dueAt = addDuration(now, p.rules.review.reviewerDeadline);
    const remindAt = addDuration(now, p.rules.review.reviewerReminder);
    s.panel = s.panel.map((x) =>
      x.reviewerId === a.fromReviewerId ? { reviewerId: a.toReviewerId, dueAt, remindAt: remindAt < dueAt ? remindAt : null, reminded: false, lateNotified: false, scored: false, total: null } : x,
    );
    await p.record({
      key, kind: 'reviewerReassigned', actorId: a.actorId, data: { from: a.fromReviewerId, to: a.toReviewerId, dueAt },
      write: { op: 'reassign', round: s.version, from: a.fromReviewerId, to: a.toReviewerId, dueAt },
    });
  },
});

export const submitReviewScore = move({
  def: m.submitReviewScore,
  move: 'submitReviewScore',
  check(p, a) {
    if (!p.state.panel.some((x) => x.reviewerId === a.actorId)) throw businessRule([violation('/actor', 'on-panel', 'rule.review.actor-on-panel')]);
  },
  async apply(p, a, key) {
    const s = p.state;
    const total = weightedTotal(p.rules.review.criteria, a.scores);
    s.panel = s.panel.map((x) => (x.reviewerId === a.actorId ? { ...x, scored: true, total } : x));
    await p.record({
      key, kind: 'reviewScored', actorId: a.actorId, data: { total },
      write: { op: 'reviewScore', round: s.version, reviewerId: a.actorId, scores: a.scores, comments: a.comments, total },
    });
  },
});

export const decideReview = move({
  def: m.decideReview,
  move: 'decideReview',
  check(p) {
    const panel = p.state.panel;
    const missing = panel.filter((x) => !x.scored).map((x) => x.reviewerId);
    if (panel.length === 0 || missing.length > 0) {
      throw businessRule([panel.length === 0 ? violation('/body/decision', 'scores-complete', 'rule.review.no-panel') : violation('/body/decision', 'scores-complete', 'rule.review.scores-missing', { count: missing.length, reviewers: missing.join(', ') })]);
    }
  },
  async apply(p, a, key) {
    const s = p.state;
    const totals = s.panel.map((x) => x.total ?? 0);
    const mean = Math.round((totals.reduce((sum, t) => sum + t, 0) / totals.length) * 100) / 100;
    const sheet = { totals: s.panel.map((x) => ({ reviewerId: x.reviewerId, total: x.total })), mean, spread: Math.round((Math.max(...totals) - Math.min(...totals)) * 100) / 100 };
    const next: Record<typeof a.decision, Stage> = { approve: 'approved', revise: 'revision', reject: 'rejected' };
    s.stage = next[a.decision];
    s.revisionDueAt = a.decision === 'revise' ? addDuration(nowIso(), p.rules.review.revisionDeadline) : null;
    await p.record({
      key, kind: 'reviewDecided', actorId: a.actorId, data: { decision: a.decision, comment: a.comment, scoreSheet: sheet },
      write: { op: 'reviewDecision', round: s.version, decision: a.decision, comment: a.comment, scoreSheet: sheet, revisionDueAt: s.revisionDueAt },
    });
  },
});

export const reviewMoves: AnyMove[] = [assignPanel, reassignReviewer, submitReviewScore, decideReview];
