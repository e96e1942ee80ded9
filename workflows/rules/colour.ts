/** Four-colour grading (四色分级) of a project under monitoring: the worst colour any fact triggers. */
import type { ColourRules, ColourThresholds } from './programme-rules';
import type { Message, MessageKey } from '../../i18n/message';
import { englishText, roundTo } from './violations';

export type Colour = 'green' | 'blue' | 'yellow' | 'red';

export interface ColourFacts {
  overdueReports: number;
  spendingDeviationPct: number;
  indicatorLagPct: number;
  complaints: number;
  /** null until the first supervision visit: no index, no colour from it. */
  supervisionIndex: number | null;
}

/**
 * `messages`: each reason as a catalogue key and params, rendered in the reader's language at the API (absent in
 * results recorded before reasons had keys); `reasons`: the same in English, for logs and the audit text.
 */
export interface ColourResult { colour: Colour; reasons: string[]; messages?: Message[] }

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

export function computeColour(rules: ColourRules, facts: ColourFacts): ColourResult {
  let colour: Colour = 'green';
  const messages: Message[] = [];
  const note = (c: AlertColour | null, key: MessageKey, thresholds: ColourThresholds, params: Record<string, number>) => {
    if (!c) return;
    colour = worseColour(colour, c);
    messages.push({ key, params: { ...params, colour: c, threshold: thresholds[c] } });
  };
  const { overdueReports, complaints } = facts;
  note(atOrAbove(rules.overdueReports, overdueReports), overdueReports === 1 ? 'colour.reason.overdue-report' : 'colour.reason.overdue-reports', rules.overdueReports, { count: overdueReports });
  note(atOrAbove(rules.spendingDeviationPct, facts.spendingDeviationPct), 'colour.reason.spending', rules.spendingDeviationPct, { pct: facts.spendingDeviationPct });
  note(atOrAbove(rules.indicatorLagPct, facts.indicatorLagPct), 'colour.reason.indicators', rules.indicatorLagPct, { pct: facts.indicatorLagPct });
  note(atOrAbove(rules.complaints, complaints), complaints === 1 ? 'colour.reason.complaint' : 'colour.reason.complaints', rules.complaints, { count: complaints });
  if (facts.supervisionIndex !== null) {
    note(below(rules.supervisionIndexBelow, facts.supervisionIndex), 'colour.reason.supervision', rules.supervisionIndexBelow, { index: facts.supervisionIndex });
  }
  return { colour, reasons: reasonTexts(messages), messages };
}

/** Reasons in English: what a result without `messages` carries, and what logs and the audit text read. */
export function reasonTexts(messages: Message[]): string[] {
  return messages.map((m) => englishText(m.key, m.params));
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

type Dimension = 'overdueReports' | 'spendingDeviationPct' | 'indicatorLagPct' | 'complaints' | 'supervisionIndex';

/** The colour each fact alone gives, and whether a higher value is worse. */
function dimensionColours(rules: ColourRules, f: ColourFacts): { key: Dimension; colour: AlertColour | null; value: number | null; higherIsWorse: boolean }[] {
  return [
    { key: 'overdueReports', colour: atOrAbove(rules.overdueReports, f.overdueReports), value: f.overdueReports, higherIsWorse: true },
    { key: 'spendingDeviationPct', colour: atOrAbove(rules.spendingDeviationPct, f.spendingDeviationPct), value: f.spendingDeviationPct, higherIsWorse: true },
    { key: 'indicatorLagPct', colour: atOrAbove(rules.indicatorLagPct, f.indicatorLagPct), value: f.indicatorLagPct, higherIsWorse: true },
    { key: 'complaints', colour: atOrAbove(rules.complaints, f.complaints), value: f.complaints, higherIsWorse: true },
    { key: 'supervisionIndex', colour: f.supervisionIndex === null ? null : below(rules.supervisionIndexBelow, f.supervisionIndex), value: f.supervisionIndex, higherIsWorse: false },
  ];
}

/**
 * Whether a red grade rests on a fact no completed rectification has answered: a fact red now that was not red when
 * the last rectification was accepted, or is worse than it was then. A red grade on answered facts alone opens no
 * new rectification (the project would otherwise be sent straight back for what was just accepted).
 */
export function redIsNew(rules: ColourRules, facts: ColourFacts, answered: ColourFacts | null): boolean {
  if (!answered) return true;
  const then = new Map(dimensionColours(rules, answered).map((d) => [d.key, d]));
  return dimensionColours(rules, facts).some((now) => {
    if (now.colour !== 'red') return false;
    const before = then.get(now.key)!;
    if (before.colour !== 'red' || before.value === null || now.value === null) return true;
    return now.higherIsWorse ? now.value > before.value : now.value < before.value;
  });
}

/** A point of a spending plan: by the start of `on`, `cumulativeFen` is planned to have been spent. */
export interface SpendingPlanPoint { on: string; cumulativeFen: number }

const DAY_MS = 86_400_000;
const dayStart = (d: string) => Date.parse(`${d}T00:00:00.000Z`);

/**
 * The spending planned by `at`: straight from nothing at the agreement's start to the whole amount at its end, or,
 * when a rectification re-planned it, through the plan's points (linear between them, the whole amount at the end).
 */
export function plannedToDate(agreement: { startDate: string; endDate: string; amountFen: number }, at: number, plan: SpendingPlanPoint[] = []): number {
  const points: [number, number][] = [[dayStart(agreement.startDate), 0], ...plan.map((p): [number, number] => [dayStart(p.on), p.cumulativeFen]), [dayStart(agreement.endDate) + DAY_MS, agreement.amountFen]];
  if (at <= points[0][0]) return 0;
  for (let i = points.length - 1; i >= 0; i--) {
    const [t, c] = points[i];
    if (at < t) continue;
    const next = points[i + 1];
    if (!next) return c;
    return Math.round(c + ((next[1] - c) * (at - t)) / Math.max(1, next[0] - t));
  }
  return 0;
}
