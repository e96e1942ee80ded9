import * as wf from '@temporalio/workflow';
import * as m from '../messages';
import { businessRule } from '../refusals';
import { addDuration } from '../rules/duration';
import { violation } from '../rules/violations';
import { move, nowIso, type AnyMove, type ProjectRun } from './state';

// Closure (结项): after the final evaluation the officer closes the project or sends it to rectification
// (整改); before delivery the applicant may withdraw it.

export const withdrawProject = move({
  def: m.withdrawProject,
  move: 'withdrawProject',
  apply: (p, a, key) => p.withdraw(key, a.actorId, a.reason),
});

function requireFinalEvaluation(p: ProjectRun): void {
  if (!p.state.evaluations.final?.submitted) throw businessRule([violation('/body', 'final-evaluation', 'rule.closure.final-evaluation')]);
}

export const closeProject = move({
  def: m.closeProject,
  move: 'closeProject',
  check: requireFinalEvaluation,
  async apply(p, a, key) {
    p.state.stage = 'closed';
    await p.record({ key, kind: 'closed', actorId: a.actorId, data: { grade: p.state.evaluations.final?.grade }, write: { op: 'closure', finalReport: a.finalReport } });
  },
});

export const orderRectification = move({
  def: m.orderRectification,
  move: 'orderRectification',
  check: requireFinalEvaluation,
  async apply(p, a, key) {
    const s = p.state;
    const dueAt = addDuration(nowIso(), p.rules.monitoring.colour.rectificationDeadline);
    const { evaluatorId, round } = s.evaluations.final!;
    s.stage = 'rectification';
    s.rectification = { id: wf.uuid4(), cause: 'failed_evaluation', dueAt, planned: false, overdueNotified: false };
    // After rectification the same evaluator scores the final evaluation again.
    s.evaluations.final = { evaluatorId, submitted: false, grade: null, round: (round ?? 1) + 1 };
    await p.record({
      key, kind: 'rectificationOpened', actorId: a.actorId, data: { cause: 'failed_evaluation', reason: a.reason, dueAt },
      write: { op: 'rectificationOpen', id: s.rectification.id, cause: 'failed_evaluation', reason: a.reason, dueAt, reopenFinalEvaluation: true },
    });
  },
});

/**
 * Ends the project for good (终止), from any stage that has not ended: the workflow finishes, an open rectification
 * ends with it, a partial award waiting in rescoping is declined (the money back to the pool), every open task of the
 * project closes, and the tranches not yet released are held. The event and the
 * audit entry keep who, why and what was held.
 */
export const terminateProject = move({
  def: m.terminateProject,
  move: 'terminateProject',
  async apply(p, a, key) {
    const s = p.state;
    const from = s.stage;
    const rectificationId = s.rectification?.id ?? null;
    // A partial award waiting for its answer is settled as declined: the money goes back to the pool.
    const r = s.rescoping;
    const rescoping = r ? { contestId: r.contestId, awardedFen: r.awardedFen } : undefined;
    s.stage = 'terminated';
    s.rectification = null;
    s.revisionDueAt = null;
    s.rescoping = null;
    await p.record({
      key, kind: 'terminated', actorId: a.actorId, data: { from, reason: a.reason, ...(rescoping ? { contestId: rescoping.contestId, returnedFen: rescoping.awardedFen } : {}) },
      write: { op: 'termination', from, reason: a.reason, rectificationId, ...(rescoping ? { rescoping } : {}) },
      closeTasks: [`${p.projectId}:`],
    });
  },
});

export const closureMoves: AnyMove[] = [withdrawProject, closeProject, orderRectification, terminateProject];
