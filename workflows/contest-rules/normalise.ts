import type { Criterion, NormalisationMethod } from './settings';
import { jsonPointer, violation, type RuleViolation } from './violations';

export interface ScoreSheet {
  entryId: string;
  judgeId: string;
  /** Criterion key -> score within that criterion's [minScore, maxScore]. */
  scores: Record<string, number>;
}

export interface EntryScore {
  entryId: string;
  /** On 0..100, rounded to 4 decimals. */
  score: number;
  sheetCount: number;
}

/** Thrown by normaliseScores when sheets break the rules, carrying every violation found. */
export class ScoreSheetError extends Error {
  constructor(readonly violations: RuleViolation[]) {
    super(`Invalid score sheets: ${violations.map((v) => `${v.field} ${v.rule}`).join(', ')}`);
    this.name = 'ScoreSheetError';
  }
}

// Code-unit order, not localeCompare, so the order never depends on the runtime's locale data.
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Checks sheets against the round's criteria; fields point into the `sheets` array as given. */
export function checkScoreSheets(criteria: Criterion[], sheets: ScoreSheet[]): RuleViolation[] {
  const out: RuleViolation[] = [];
  const byKey = new Map(criteria.map((c) => [c.key, c]));
  const seen = new Set<string>();
  sheets.forEach((sheet, i) => {
    const pair = JSON.stringify([sheet.entryId, sheet.judgeId]);
    if (seen.has(pair)) {
      out.push(violation(jsonPointer(i), 'sheet-unique', 'rule.contest.sheet-unique', { judgeId: sheet.judgeId, entryId: sheet.entryId }));
    }
    seen.add(pair);
    for (const c of criteria) {
      const v = sheet.scores[c.key];
      const field = jsonPointer(i, 'scores', c.key);
      if (v === undefined) out.push(violation(field, 'score-required', 'rule.contest.score-required', { key: c.key }));
      else if (!Number.isFinite(v) || v < c.minScore || v > c.maxScore) {
        out.push(violation(field, 'score-in-range', 'rule.contest.score-in-range', { value: String(v), key: c.key, min: c.minScore, max: c.maxScore }));
      }
    }
    for (const key of Object.keys(sheet.scores)) {
      if (!byKey.has(key)) {
        out.push(violation(jsonPointer(i, 'scores', key), 'score-known-criterion', 'rule.contest.score-known-criterion', { key }));
      }
    }
  });
  return out;
}

/** A sheet's weighted total on 0..100: each criterion mapped onto 0..100, weighted by weight/100. */
export function sheetTotal(criteria: Criterion[], scores: Record<string, number>): number {
  let total = 0;
  // (score - min) * 100 * (weight / 100) / (max - min), multiplied before dividing to stay exact for integer inputs.
  for (const c of criteria) total += ((scores[c.key] - c.minScore) * c.weight) / (c.maxScore - c.minScore);
  return total;
}

/** Sheets within this of each other are treated as equal, so float noise is never blown up into a z-score. */
const SD_EPSILON = 1e-9;

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * Per-entry scores of one round. Throws ScoreSheetError on invalid sheets and RangeError on unusable criteria.
 * Inputs are sorted (entryId, judgeId, criterion key) before any arithmetic, so input order cannot change a result;
 * the map iterates in entryId order.
 */
export function normaliseScores(
  method: NormalisationMethod,
  criteria: Criterion[],
  sheets: ScoreSheet[],
): Map<string, EntryScore> {
  if (criteria.length === 0) throw new RangeError('A round needs at least one criterion.');
  for (const c of criteria) {
    if (!(c.minScore < c.maxScore)) throw new RangeError(`Criterion "${c.key}" has an empty score range.`);
  }
  const violations = checkScoreSheets(criteria, sheets);
  if (violations.length > 0) throw new ScoreSheetError(violations);

  const crit = [...criteria].sort((a, b) => cmp(a.key, b.key));
  const rows = [...sheets]
    .sort((a, b) => cmp(a.entryId, b.entryId) || cmp(a.judgeId, b.judgeId))
    .map((s) => ({ entryId: s.entryId, judgeId: s.judgeId, total: sheetTotal(crit, s.scores) }));

  // z-scores compare each judge with themself: a harsh judge's 60 may mean what a lenient judge's 80 does.
  const judgeStats = new Map<string, { mean: number; sd: number; count: number }>();
  if (method === 'z_score') {
    const byJudge = groupBy(rows, (r) => r.judgeId);
    for (const [judgeId, own] of byJudge) {
      const totals = own.map((r) => r.total);
      const m = mean(totals);
      const sd = Math.sqrt(mean(totals.map((t) => (t - m) ** 2))); // population sd: the judge's sheets are all there is
      judgeStats.set(judgeId, { mean: m, sd, count: totals.length });
    }
  }

  const result = new Map<string, EntryScore>();
  for (const [entryId, own] of groupBy(rows, (r) => r.entryId)) {
    const totals = own.map((r) => r.total);
    let score: number;
    if (method === 'raw_mean') {
      score = mean(totals);
    } else if (method === 'trimmed_mean') {
      // One highest and one lowest dropped; with fewer than 3 sheets nothing would remain, so plain mean.
      const sorted = [...totals].sort((a, b) => a - b);
      score = mean(sorted.length >= 3 ? sorted.slice(1, -1) : sorted);
    } else if (method === 'z_score') {
      const zs = own.map((r) => {
        const j = judgeStats.get(r.judgeId)!;
        return j.count < 2 || j.sd < SD_EPSILON ? 0 : (r.total - j.mean) / j.sd;
      });
      // Rescaled as a T-score (50 + 10z), clamped, so it stays on the criteria's 0..100 range like the other methods.
      score = Math.min(100, Math.max(0, 50 + 10 * mean(zs)));
    } else {
      throw new RangeError(`Unknown normalisation method "${String(method)}".`);
    }
    result.set(entryId, { entryId, score: round4(score), sheetCount: own.length });
  }
  return result;
}

/** Groups rows keeping their (already sorted) order, with keys in sorted order. */
function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const g = groups.get(k);
    if (g) g.push(row);
    else groups.set(k, [row]);
  }
  return new Map([...groups].sort(([a], [b]) => cmp(a, b)));
}
