/**
 * Calendar arithmetic in a programme's time zone (IANA name), for workflows: pure functions of the instants they are
 * given. Intl.DateTimeFormat is part of the JavaScript engine (the workflow sandbox has it) and answers the same for
 * the same instant, so a replay computes the same boundaries; no offset table, so zones with summer time are right.
 */
import { parseDuration, parseInstant } from './duration';

/** The zone a programme without one runs in. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, f);
  }
  return f;
}

/** True for a time zone name the engine knows (`Asia/Shanghai`, `Pacific/Auckland`, `UTC`). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return false;
  try {
    formatOf(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `ms` in `zone`, as if it were UTC (epoch ms of the same year..second read as UTC). */
function wallMs(zone: string, ms: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatOf(zone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (ms % 1000 + 1000) % 1000;
}

/** The zone's offset from UTC at `ms`, in milliseconds (Shanghai: +8 h). */
export function zoneOffsetMs(zone: string, ms: number): number {
  return wallMs(zone, ms) - ms;
}

/**
 * The instant the zone's clock reads the wall time `wall` (given as UTC epoch ms of those fields). A wall time skipped by
 * a change to summer time is read with the offset from before the change (so it lands just after the gap).
 */
export function instantOfWall(zone: string, wall: number): number {
  const before = wall - zoneOffsetMs(zone, wall - 86_400_000);
  const guess = wall - zoneOffsetMs(zone, wall);
  // Either candidate that reads back as the wall time is the answer; the earlier one for a repeated hour.
  const hits = [before, guess].filter((ms) => wallMs(zone, ms) === wall).sort((a, b) => a - b);
  return hits[0] ?? before;
}

/** The zone's calendar date (`YYYY-MM-DD`) at an instant. */
export function zoneDate(zone: string, iso: string): string {
  return new Date(wallMs(zone, parseInstant(iso))).toISOString().slice(0, 10);
}

/** The instant a calendar date (`YYYY-MM-DD`) starts in the zone, as `...Z`. */
export function startOfZoneDay(zone: string, date: string): string {
  return new Date(instantOfWall(zone, parseInstant(date))).toISOString();
}

/** The instant the zone's calendar month holding `iso` starts (Shanghai's December: 30 November 16:00 UTC). */
export function startOfZoneMonth(zone: string, iso: string): string {
  const w = new Date(wallMs(zone, parseInstant(iso)));
  return new Date(instantOfWall(zone, Date.UTC(w.getUTCFullYear(), w.getUTCMonth(), 1))).toISOString();
}

const daysIn = (year: number, month0: number) => new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

/**
 * Adds `times` x `duration` on the zone's calendar: years, months, weeks and days move the zone's wall clock (P1M from
 * 31 January is the last day of February, P1D across a summer-time change is 23 or 25 hours), hours, minutes and
 * seconds are exact. Multiplied before adding, as addDuration, so a schedule's k-th step does not drift.
 */
export function addZoneDuration(zone: string, iso: string, duration: string, times = 1): string {
  const d = parseDuration(duration);
  if (!d) throw new RangeError(`"${duration}" is not an ISO 8601 duration`);
  if (!Number.isSafeInteger(times) || times < 0) throw new RangeError(`times must be a non-negative integer, got ${times}`);
  const ms = parseInstant(iso);
  const w = new Date(wallMs(zone, ms));
  const monthIndex = w.getUTCFullYear() * 12 + w.getUTCMonth() + (d.years * 12 + d.months) * times;
  const year = Math.floor(monthIndex / 12);
  const month0 = monthIndex - year * 12;
  const timeOfDay = w.getTime() - Date.UTC(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate());
  const wall = Date.UTC(year, month0, Math.min(w.getUTCDate(), daysIn(year, month0)) + (d.weeks * 7 + d.days) * times) + timeOfDay;
  const exact = Math.round(((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000) * times;
  // With no calendar part the instant moves exactly (an hour stays an hour across a change of offset).
  const calendar = d.years || d.months || d.weeks || d.days ? instantOfWall(zone, wall) : ms;
  return new Date(calendar + exact).toISOString();
}

/** An interval of whole months or years: its periods are the zone's calendar months. */
export function isCalendarMonths(interval: string): boolean {
  const d = parseDuration(interval);
  return !!d && (d.years > 0 || d.months > 0) && !d.weeks && !d.days && !d.hours && !d.minutes && !d.seconds;
}

export interface ZonedPeriod {
  start: string;
  end: string;
  dueAt: string;
}

/**
 * Report period `k` (1-based) of an agreement whose reports run from `from`, in `zone`. A monthly interval follows the
 * zone's calendar: the first period runs from `from` to the end of that calendar month, each next one is a whole
 * month. Any other interval steps from `from`. The report is due `grace` after the period ends.
 */
export function zonedReportPeriod(zone: string, from: string, interval: string, grace: string, k: number): ZonedPeriod {
  const anchor = isCalendarMonths(interval) ? startOfZoneMonth(zone, from) : new Date(parseInstant(from)).toISOString();
  const start = k === 1 ? new Date(parseInstant(from)).toISOString() : addZoneDuration(zone, anchor, interval, k - 1);
  const end = addZoneDuration(zone, anchor, interval, k);
  return { start, end, dueAt: addZoneDuration(zone, end, grace) };
}
