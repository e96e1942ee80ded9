import * as wf from '@temporalio/workflow';
import * as m from '../messages';
import { businessRule } from '../refusals';
import { addDuration } from '../rules/duration';
import { move, nowIso, type AnyMove, type ProjectRun } from './state';

// Closure (结项): after the final evaluation the officer closes the project or sends it to rectification
// (整改); before delivery the applicant may withdraw it.

export const withdrawProject = move({
  def: m.withdrawProject,
  move: 'withdrawProject',
  apply: (p, a, key) => p.withdraw(key, a.actorId, a.reason),
});

function requireFinalEvaluation(p: ProjectRun): void {
  if (!p.state.evaluations.final?.submitted) throw businessRule([{ field: '/body', rule: 'final-evaluation', message: 'the final evaluation is not submitted yet' }]);
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

export const closureMoves: AnyMove[] = [withdrawProject, closeProject, orderRectification];
