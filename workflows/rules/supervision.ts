/** The supervision index (社工督导指数) an expert supervisor records on each visit. */
import type { Dimension } from './programme-rules';
import { checkKeyedScores } from './review';
import { roundTo, type RuleViolation } from './violations';

/** Every dimension scored 0..100, no unknown key. */
export function checkSupervisionScores(dimensions: Dimension[], scores: Record<string, number>): RuleViolation[] {
  return checkKeyedScores(dimensions.map((d) => ({ ...d, minScore: 0, maxScore: 100 })), scores, 'supervision-dimension');
}

/** Weighted mean of the 0..100 dimension scores (weights sum to 100), 1 decimal. Throws on invalid scores. */
export function supervisionIndex(dimensions: Dimension[], scores: Record<string, number>): number {
  const problems = checkSupervisionScores(dimensions, scores);
  if (problems.length) throw new RangeError(problems.map((p) => p.message).join('; '));
  return roundTo(dimensions.reduce((sum, d) => sum + (scores[d.key] * d.weight) / 100, 0), 1);
}
