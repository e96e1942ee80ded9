/** Performance evaluation (绩效评估): weighted indicators give a score, the score a grade, the grade the final subsidy. */
import type { DrawnFigure, EvaluationRules, GradeThresholds, Indicator } from './programme-rules';
import { checkKeyedScores } from './review';
import { roundTo, violation, type RuleViolation } from './violations';

export type EvaluationGrade = 'excellent' | 'good' | 'pass' | 'fail';

export const gradeLabels: Record<EvaluationGrade, string> = { excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' };

export interface SubsidyOutcome { releaseFen: number; holdFen: number; clawbackFen: number }

/** The service loop's figures for one project, as far as it has any (no completed order: no figure). */
export type DrawnShares = Partial<Record<DrawnFigure, number>>;

/** An indicator scored from a drawn figure: the figure's score, what the evaluator gave, and why, if they differ. */
export interface DrawnScore { figure: DrawnFigure; drawn: number; given: number; reason: string | null }

/**
 * Scores indicators from the drawn figures (share × 100, rounded): an indicator left out takes its drawn score, and
 * one scored otherwise must say why (overrides[key]); the reason is kept with the evaluation on the timeline.
 */
export function applyDrawnFigures(
  indicators: Indicator[],
  shares: DrawnShares,
  scores: Record<string, number>,
  overrides: Record<string, string>,
): { scores: Record<string, number>; drawn: Record<string, DrawnScore>; violations: RuleViolation[] } {
  const out = { ...scores };
  const drawn: Record<string, DrawnScore> = {};
  const violations: RuleViolation[] = [];
  for (const i of indicators) {
    const share = i.drawnFrom ? shares[i.drawnFrom] : undefined;
    if (!i.drawnFrom || share === undefined) {
      if (overrides[i.key] !== undefined) violations.push(violation(`/overrides/${i.key}`, 'no-drawn-figure', 'rule.evaluation.no-drawn-figure', { key: i.key }));
      continue;
    }
    const figure = Math.min(100, Math.round(share * 100));
    const given = out[i.key] ?? figure;
    out[i.key] = given;
    const reason = overrides[i.key]?.trim() || null;
    if (given !== figure && !reason) {
      violations.push(violation(`/scores/${i.key}`, 'drawn-figure-override', 'rule.evaluation.drawn-figure-override', { key: i.key, figure: i.drawnFrom, drawn: figure, given }));
    }
    drawn[i.key] = { figure: i.drawnFrom, drawn: figure, given, reason: given !== figure ? reason : null };
  }
  for (const key of Object.keys(overrides)) {
    if (!indicators.some((i) => i.key === key)) violations.push(violation(`/overrides/${key}`, 'unknown-indicator', 'rule.evaluation.unknown-indicator', { key }));
  }
  return { scores: out, drawn, violations };
}

/** Every indicator scored 0..100, no unknown key. */
export function checkEvaluationScores(indicators: Indicator[], scores: Record<string, number>): RuleViolation[] {
  return checkKeyedScores(indicators.map((i) => ({ ...i, minScore: 0, maxScore: 100 })), scores, 'indicator');
}

/** Weighted score 0..100 (weights sum to 100), 2 decimals. Throws on invalid scores. */
export function evaluationScore(indicators: Indicator[], scores: Record<string, number>): number {
  const problems = checkEvaluationScores(indicators, scores);
  if (problems.length) throw new RangeError(problems.map((p) => p.message).join('; '));
  return roundTo(indicators.reduce((sum, i) => sum + (scores[i.key] * i.weight) / 100, 0), 2);
}

/** 优秀 >= excellent > 良好 >= good > 合格 >= pass > 不合格 */
export function gradeFor(thresholds: GradeThresholds, score: number): EvaluationGrade {
  if (score >= thresholds.excellent) return 'excellent';
  if (score >= thresholds.good) return 'good';
  if (score >= thresholds.pass) return 'pass';
  return 'fail';
}

/**
 * Splits the final tranche: release = floor(tranche x share / 100) and the rest is held,
 * except that a fail under failAction 'clawback' releases nothing and claws the whole tranche back.
 */
export function subsidyFor(rules: EvaluationRules, grade: EvaluationGrade, finalTrancheFen: number): SubsidyOutcome {
  if (!Number.isSafeInteger(finalTrancheFen) || finalTrancheFen < 0) {
    throw new RangeError(`the final tranche must be a whole number of fen, 0 or more; got ${finalTrancheFen}`);
  }
  if (grade === 'fail' && rules.failAction === 'clawback') return { releaseFen: 0, holdFen: 0, clawbackFen: finalTrancheFen };
  const releaseFen = Math.floor((finalTrancheFen * rules.subsidy[grade]) / 100);
  return { releaseFen, holdFen: finalTrancheFen - releaseFen, clawbackFen: 0 };
}
