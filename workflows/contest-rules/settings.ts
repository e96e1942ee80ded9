import { jsonPointer, type RuleViolation } from './violations';
import { isZeroDuration, parseDuration } from '../rules/duration';

export type NormalisationMethod = 'raw_mean' | 'trimmed_mean' | 'z_score';

export interface Criterion {
  key: string;
  name: string;
  /** Percentage; the weights of one round sum to 100. */
  weight: number;
  minScore: number;
  maxScore: number;
}

export interface Round {
  key: string;
  name: string;
  kind: 'online' | 'roadshow';
  criteria: Criterion[];
  judgesPerEntry: number;
  /** How many entries of each track advance from the previous round into this one (required for a roadshow). */
  topNPerTrack?: number;
  /** ISO 8601 duration after the round opens, e.g. `P14D`. */
  judgingDeadline: string;
  /** ISO 8601 duration before the deadline at which judges are reminded, e.g. `P2D`. */
  reminderBefore?: string;
}

export interface Track {
  key: string;
  name: string;
}

export interface ContestSettings {
  tracks: Track[];
  rounds: Round[];
  normalisation: NormalisationMethod;
  blind: boolean;
  matchingPoolFen: number;
  matchingCapPerEntryFen: number;
  /** ISO 8601 duration a partly funded applicant has to accept a re-scoped budget or decline (default P14D). */
  rescopingDeadline?: string;
}

export const NORMALISATION_METHODS: readonly NormalisationMethod[] = ['raw_mean', 'trimmed_mean', 'z_score'];

export interface ParsedDuration {
  /** True when any component is non-zero. */
  positive: boolean;
  /** Length in seconds, or null when years or months make it calendar-dependent. */
  seconds: number | null;
}

/** An ISO 8601 duration (`PnYnMnWnDTnHnMnS`) by the same parser as the programme rules; null when malformed. */
export function parseIsoDuration(text: string): ParsedDuration | null {
  const d = parseDuration(text);
  if (!d) return null;
  const seconds = d.years > 0 || d.months > 0 ? null : (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
  return { positive: !isZeroDuration(d), seconds };
}

/** Checks contest settings; an empty list means they are usable. */
export function checkContestSettings(s: ContestSettings): RuleViolation[] {
  const out: RuleViolation[] = [];
  const add = (field: string, rule: string, message: string) => out.push({ field, rule, message });

  if (s.tracks.length === 0) add('/tracks', 'has-tracks', 'A contest needs at least one track.');
  checkKeys(s.tracks, ['tracks'], 'track', add);

  if (s.rounds.length === 0) add('/rounds', 'has-rounds', 'A contest needs at least one round.');
  checkKeys(s.rounds, ['rounds'], 'round', add);

  if (!NORMALISATION_METHODS.includes(s.normalisation)) {
    add('/normalisation', 'normalisation-known', `Unknown normalisation method "${s.normalisation}".`);
  }

  s.rounds.forEach((r, i) => {
    const at = (...p: (string | number)[]) => jsonPointer('rounds', i, ...p);

    if (r.criteria.length === 0) add(at('criteria'), 'round-has-criteria', `Round "${r.key}" has no criteria.`);
    checkKeys(r.criteria, ['rounds', i, 'criteria'], 'criterion', add);
    r.criteria.forEach((c, j) => {
      if (!Number.isFinite(c.weight) || c.weight <= 0) {
        add(at('criteria', j, 'weight'), 'weight-positive', `Criterion "${c.key}" needs a positive weight.`);
      }
      if (!Number.isFinite(c.minScore) || !Number.isFinite(c.maxScore) || !(c.minScore < c.maxScore)) {
        add(at('criteria', j, 'maxScore'), 'min-below-max', `Criterion "${c.key}": minScore must be below maxScore.`);
      }
    });
    // Tolerance because fractional weights (e.g. 33.3 + 33.3 + 33.4) do not add up exactly in floating point.
    const weightSum = r.criteria.reduce((sum, c) => sum + c.weight, 0);
    if (r.criteria.length > 0 && Math.abs(weightSum - 100) > 1e-9) {
      add(at('criteria'), 'weights-sum-100', `Weights of round "${r.key}" sum to ${weightSum}, not 100.`);
    }

    if (!Number.isInteger(r.judgesPerEntry) || r.judgesPerEntry < 1) {
      add(at('judgesPerEntry'), 'judges-per-entry-min', 'Each entry needs at least one judge.');
    } else if (s.normalisation === 'trimmed_mean' && r.judgesPerEntry < 3) {
      // The trimmed mean drops the highest and the lowest sheet, so fewer than 3 leaves nothing to trim.
      add(at('judgesPerEntry'), 'judges-per-entry-trimmed', 'A trimmed mean needs at least 3 judges per entry.');
    }

    if (r.kind === 'roadshow') {
      // A roadshow takes the best of an earlier round, so something must come before it.
      if (i === 0) add(at('kind'), 'roadshow-not-first', 'A roadshow round cannot be the first round.');
      if (r.topNPerTrack === undefined) {
        add(at('topNPerTrack'), 'roadshow-has-top-n', 'A roadshow round must say how many entries per track advance.');
      }
    }
    if (r.topNPerTrack !== undefined) {
      if (!Number.isInteger(r.topNPerTrack) || r.topNPerTrack < 1) {
        add(at('topNPerTrack'), 'top-n-positive', 'topNPerTrack must be a whole number of at least 1.');
      } else if (i === 0) {
        add(at('topNPerTrack'), 'top-n-not-first', 'The first round has no earlier round to advance from.');
      }
    }

    const deadline = parseIsoDuration(r.judgingDeadline);
    if (!deadline || !deadline.positive) {
      add(at('judgingDeadline'), 'iso-duration', `judgingDeadline "${r.judgingDeadline}" is not a positive ISO 8601 duration.`);
    }
    if (r.reminderBefore !== undefined) {
      const reminder = parseIsoDuration(r.reminderBefore);
      if (!reminder || !reminder.positive) {
        add(at('reminderBefore'), 'iso-duration', `reminderBefore "${r.reminderBefore}" is not a positive ISO 8601 duration.`);
      } else if (deadline?.positive && deadline.seconds !== null && reminder.seconds !== null && reminder.seconds >= deadline.seconds) {
        // Only comparable without years/months, whose length depends on the calendar.
        add(at('reminderBefore'), 'reminder-before-deadline', 'reminderBefore must be shorter than judgingDeadline, or the reminder would precede the round.');
      }
    }
  });

  if (!Number.isSafeInteger(s.matchingPoolFen) || s.matchingPoolFen < 0) {
    add('/matchingPoolFen', 'fen-non-negative', 'The matching pool must be a non-negative whole number of fen.');
  }
  if (!Number.isSafeInteger(s.matchingCapPerEntryFen) || s.matchingCapPerEntryFen < 0) {
    add('/matchingCapPerEntryFen', 'fen-non-negative', 'The per-entry cap must be a non-negative whole number of fen.');
  }
  if (s.rescopingDeadline !== undefined) {
    const d = parseIsoDuration(s.rescopingDeadline);
    if (!d || !d.positive) add('/rescopingDeadline', 'iso-duration', `rescopingDeadline "${s.rescopingDeadline}" is not a positive ISO 8601 duration.`);
  }
  return out;
}

/** Keys must be present and unique within their list, since they name things in scores and URLs. */
function checkKeys(
  items: { key: string }[],
  path: (string | number)[],
  what: string,
  add: (field: string, rule: string, message: string) => void,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const field = jsonPointer(...path, i, 'key');
    if (typeof item.key !== 'string' || item.key.trim() === '') add(field, 'key-required', `Each ${what} needs a key.`);
    else if (seen.has(item.key)) add(field, 'key-unique', `Duplicate ${what} key "${item.key}".`);
    seen.add(item.key);
  });
}
