/** ISO 8601 durations and UTC instants, computed without the clock so workflows stay deterministic. */

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  /** May carry a fraction, e.g. 6.5. */
  seconds: number;
}

const DAY_MS = 86_400_000;
// Only seconds may carry a fraction; weeks may be mixed with other parts (ISO 8601-2 allows it).
const DURATION_RE = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Parses e.g. `P1Y2M3DT4H5M6.5S` or `P2W`; null for anything else, including negative durations. */
export function parseDuration(s: string): Duration | null {
  const m = DURATION_RE.exec(s);
  // `P` and `P1DT` match the pattern but name no part.
  if (!m || s === 'P' || s.endsWith('T')) return null;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i].replace(',', '.')));
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

export function isDuration(s: string): boolean {
  return parseDuration(s) !== null;
}

export function isZeroDuration(d: Duration): boolean {
  return Object.values(d).every((v) => v === 0);
}

function parseOrThrow(duration: string): Duration {
  const d = parseDuration(duration);
  if (!d) throw new RangeError(`"${duration}" is not an ISO 8601 duration`);
  return d;
}

function timeMs(d: Duration): number {
  return Math.round(((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000);
}

/** Length in milliseconds of a duration with no years or months (those vary with the calendar). */
export function durationMs(duration: string): number {
  const d = parseOrThrow(duration);
  if (d.years || d.months) throw new RangeError(`"${duration}" has years or months, which have no fixed length`);
  return (d.weeks * 7 + d.days) * DAY_MS + timeMs(d);
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2023-02-29). */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return !!m && validDate(+m[1], +m[2], +m[3]);
}

function validDate(y: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(y, month - 1);
}

/**
 * Epoch milliseconds of an ISO 8601 instant: a date (`2025-01-31`, taken as UTC midnight) or a date-time
 * with `Z` or an offset. Local times without a zone are refused: their meaning would depend on the host.
 */
export function parseInstant(iso: string): number {
  const m = INSTANT_RE.exec(iso);
  const bad = () => new RangeError(`"${iso}" is not an ISO 8601 instant with a time zone`);
  if (!m) throw bad();
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) throw bad();
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  const tz = m[8];
  const offsetMin = !tz || tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

/**
 * Adds `times` x `duration` to an instant and returns the ISO string (UTC, `...Z`).
 * Years/months/weeks/days move the UTC calendar (P1M from Jan 31 gives the last day of February);
 * hours/minutes/seconds are exact. The duration is multiplied before adding, so the k-th step of a
 * schedule does not drift: Jan 31 + P1M x 2 is Mar 31, not Mar 28.
 */
export function addDuration(isoInstant: string, duration: string, times = 1): string {
  if (!Number.isSafeInteger(times) || times < 0) throw new RangeError(`times must be a non-negative integer, got ${times}`);
  const d = parseOrThrow(duration);
  const t = new Date(parseInstant(isoInstant));
  const timeOfDay = t.getTime() - Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const monthIndex = t.getUTCFullYear() * 12 + t.getUTCMonth() + (d.years * 12 + d.months) * times;
  const year = Math.floor(monthIndex / 12);
  const month0 = monthIndex - year * 12;
  const day = Math.min(t.getUTCDate(), daysInMonth(year, month0));
  const ms = Date.UTC(year, month0, day) + timeOfDay + (d.weeks * 7 + d.days) * times * DAY_MS + timeMs(d) * times;
  return new Date(ms).toISOString();
}
