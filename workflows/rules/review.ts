/** Expert-panel scoring of a proposal on the programme's weighted rubric (项目论证). */
import type { Criterion } from './programme-rules';
import { jsonPointer, roundTo, violation, type RuleViolation, type ScoredNoun } from './violations';

export interface ReviewerSheet { reviewerId: string; scores: Record<string, number> }
export interface ReviewerTotal { reviewerId: string; total: number }
export interface ScoreSheetSummary {
  totals: ReviewerTotal[];
  mean: number;
  /** max - min of the totals: a wide spread tells the officer the panel disagrees. */
  spread: number;
  /** Population standard deviation of the totals (the panel is the whole population, not a sample). */
  stdDev: number;
}

/** A scored item: a criterion, a supervision dimension or an evaluation indicator. */
export interface ScoredItem { key: string; name: string; minScore: number; maxScore: number }

/** Every item scored, no unknown key, each score within [minScore, maxScore]; `noun` names the item in messages. */
export function checkKeyedScores(items: ScoredItem[], scores: Record<string, number>, noun: ScoredNoun): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const c of items) {
    const s = scores[c.key];
    if (s === undefined) out.push(violation(jsonPointer('scores', c.key), 'score-missing', 'rule.score-missing', { noun, name: c.name }));
    else if (!Number.isFinite(s) || s < c.minScore || s > c.maxScore) {
      out.push(violation(jsonPointer('scores', c.key), 'score-range', 'rule.score-range', { noun, name: c.name, score: s, min: c.minScore, max: c.maxScore }));
    }
  }
  for (const key of Object.keys(scores)) {
    if (!items.some((c) => c.key === key)) out.push(violation(jsonPointer('scores', key), 'score-unknown', 'rule.score-unknown', { key, noun }));
  }
  return out;
}

/** Every criterion scored, no unknown key, each score within [minScore, maxScore]. */
export function checkScores(criteria: Criterion[], scores: Record<string, number>): RuleViolation[] {
  return checkKeyedScores(criteria, scores, 'criterion');
}

/** 0..100: each score scaled to its criterion's range, weighted by weight/100; 2 decimals. Throws on invalid scores. */
export function weightedTotal(criteria: Criterion[], scores: Record<string, number>): number {
  const problems = checkScores(criteria, scores);
  if (problems.length) throw new RangeError(problems.map((p) => p.message).join('; '));
  const total = criteria.reduce((sum, c) => sum + ((scores[c.key] - c.minScore) / (c.maxScore - c.minScore)) * c.weight, 0);
  return roundTo(total, 2);
}

/** Totals per reviewer and how far the panel agrees. Throws for an empty panel, whose mean is undefined. */
export function scoreSheet(criteria: Criterion[], sheets: ReviewerSheet[]): ScoreSheetSummary {
  if (sheets.length === 0) throw new RangeError('no score sheets to summarise');
  const totals = sheets.map((s) => ({ reviewerId: s.reviewerId, total: weightedTotal(criteria, s.scores) }));
  const values = totals.map((t) => t.total);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return {
    totals,
    mean: roundTo(mean, 2),
    spread: roundTo(Math.max(...values) - Math.min(...values), 2),
    stdDev: roundTo(Math.sqrt(variance), 2),
  };
}
