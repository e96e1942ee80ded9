/** Four-colour grading (四色分级) of a project under monitoring: the worst colour any fact triggers. */
import type { ColourRules, ColourThresholds } from './programme-rules';
import { roundTo } from './violations';

export type Colour = 'green' | 'blue' | 'yellow' | 'red';

export interface ColourFacts {
  overdueReports: number;
  spendingDeviationPct: number;
  indicatorLagPct: number;
  complaints: number;
  /** null until the first supervision visit: no index, no colour from it. */
  supervisionIndex: number | null;
}

export interface ColourResult { colour: Colour; reasons: string[] }

const SEVERITY: Colour[] = ['green', 'blue', 'yellow', 'red'];
/** The colours a threshold can trigger. */
export type AlertColour = Exclude<Colour, 'green'>;
const WORST_FIRST: AlertColour[] = ['red', 'yellow', 'blue'];

export function worseColour(a: Colour, b: Colour): Colour {
  return SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b;
}

/** Worst colour whose threshold the value reaches (higher is worse). */
function atOrAbove(t: ColourThresholds, value: number): AlertColour | null {
  return WORST_FIRST.find((c) => value >= t[c]) ?? null;
}

/** Worst colour whose threshold the value falls strictly below (lower is worse). */
function below(t: ColourThresholds, value: number): AlertColour | null {
  return WORST_FIRST.find((c) => value < t[c]) ?? null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function computeColour(rules: ColourRules, facts: ColourFacts): ColourResult {
  let colour: Colour = 'green';
  const reasons: string[] = [];
  const note = (c: AlertColour | null, text: (c: AlertColour) => string) => {
    if (!c) return;
    colour = worseColour(colour, c);
    reasons.push(text(c));
  };
  note(atOrAbove(rules.overdueReports, facts.overdueReports),
    (c) => `${plural(facts.overdueReports, 'overdue monthly report', 'overdue monthly reports')} (${c} at ${rules.overdueReports[c]})`);
  note(atOrAbove(rules.spendingDeviationPct, facts.spendingDeviationPct),
    (c) => `spending ${facts.spendingDeviationPct}% off plan (${c} at ${rules.spendingDeviationPct[c]}%)`);
  note(atOrAbove(rules.indicatorLagPct, facts.indicatorLagPct),
    (c) => `indicators ${facts.indicatorLagPct}% behind schedule (${c} at ${rules.indicatorLagPct[c]}%)`);
  note(atOrAbove(rules.complaints, facts.complaints),
    (c) => `${plural(facts.complaints, 'complaint', 'complaints')} (${c} at ${rules.complaints[c]})`);
  if (facts.supervisionIndex !== null) {
    const index = facts.supervisionIndex;
    note(below(rules.supervisionIndexBelow, index),
      (c) => `supervision index ${index} (${c} below ${rules.supervisionIndexBelow[c]})`);
  }
  return { colour, reasons };
}

/**
 * How far spending is off the plan to date, as a percent of the whole budget, 1 decimal. Measured
 * against the whole budget, not the plan to date, so buying materials in the first week is not "100%
 * off plan"; a zero budget with anything spent counts as 100.
 */
export function spendingDeviationPct(spentFen: number, plannedToDateFen: number, budgetFen: number): number {
  if (budgetFen <= 0) return spentFen === 0 ? 0 : 100;
  return roundTo((Math.abs(spentFen - plannedToDateFen) / budgetFen) * 100, 1);
}

/** How far achievement trails elapsed time, in percentage points (0 when ahead), 1 decimal. Shares clamp to 0..1. */
export function indicatorLagPct(elapsedShare: number, achievedShare: number): number {
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return roundTo(Math.max(0, clamp(elapsedShare) - clamp(achievedShare)) * 100, 1);
}
