/** Performance evaluation (绩效评估): weighted indicators give a score, the score a grade, the grade the final subsidy. */
import type { EvaluationRules, GradeThresholds, Indicator } from './programme-rules';
import { checkKeyedScores } from './review';
import { roundTo, type RuleViolation } from './violations';

export type EvaluationGrade = 'excellent' | 'good' | 'pass' | 'fail';

export const gradeLabels: Record<EvaluationGrade, string> = { excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' };

export interface SubsidyOutcome { releaseFen: number; holdFen: number; clawbackFen: number }

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
