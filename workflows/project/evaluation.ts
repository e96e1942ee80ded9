import * as m from '../messages';
import { businessRule, conflict, illegal } from '../refusals';
import { evaluationScore, gradeFor, subsidyFor } from '../rules/evaluation';
import { move, type AnyMove } from './state';
import { msg } from '../../i18n/message';
import { violation } from '../rules/violations';

// Performance evaluation (绩效评估): an evaluator scores the weighted indicators, mid-term during delivery
// and final at its end; the final grade decides the subsidy.

export const assignEvaluator = move({
  def: m.assignEvaluator,
  move: 'assignEvaluator',
  check(p, a) {
    const s = p.state;
    if (a.kind === 'final' && s.stage !== 'delivery') throw illegal(s.stage, 'assignEvaluator', msg('problem.illegal-move.final-from-delivery', { current: s.stage }));
    if (s.evaluations[a.kind]?.submitted) throw conflict(msg('problem.conflict.evaluation-submitted', { kind: a.kind }));
  },
  async apply(p, a, key) {
    const s = p.state;
    const round = s.evaluations[a.kind]?.round;
    s.evaluations[a.kind] = { evaluatorId: a.evaluatorId, submitted: false, grade: null, ...(round ? { round } : {}) };
    if (a.kind === 'final') s.stage = 'evaluation';
    await p.record({
      key, kind: 'evaluatorAssigned', actorId: a.actorId, data: { kind: a.kind, evaluatorId: a.evaluatorId },
      write: { op: 'evaluationAssign', kind: a.kind, evaluatorId: a.evaluatorId },
    });
  },
});

export const submitEvaluation = move({
  def: m.submitEvaluation,
  move: 'submitEvaluation',
  check(p, a) {
    const s = p.state;
    const seat = s.evaluations[a.kind];
    if (!seat || seat.evaluatorId !== a.actorId) throw businessRule([violation('/actor', 'assigned-evaluator', 'rule.evaluation.assigned-evaluator', { kind: a.kind })]);
    if (seat.submitted) throw conflict(msg('problem.conflict.evaluation-submitted', { kind: a.kind }));
    if (a.kind === 'final' && s.stage !== 'evaluation') throw illegal(s.stage, 'submitEvaluation');
  },
  async apply(p, a, key) {
    const s = p.state;
    const rules = p.rules.evaluation;
    const score = evaluationScore(rules.indicators, a.scores);
    const grade = gradeFor(rules.thresholds, score);
    const subsidy = a.kind === 'final' ? subsidyFor(rules, grade, s.agreement?.finalTrancheFen ?? 0) : null;
    s.evaluations[a.kind] = { ...s.evaluations[a.kind]!, submitted: true, grade };
    await p.record({
      key, kind: 'evaluationSubmitted', actorId: a.actorId, data: { kind: a.kind, score, grade, subsidy, ...(a.drawnFigures ? { drawnFigures: a.drawnFigures } : {}) },
      write: { op: 'evaluationSubmit', kind: a.kind, scores: a.scores, comments: a.comments, score, grade, subsidy },
    });
  },
});

export const evaluationMoves: AnyMove[] = [assignEvaluator, submitEvaluation];
