/** Monthly report (月报) schedule of an agreement. */
import { addDuration, isZeroDuration, parseDuration, parseInstant } from './duration';

export interface ReportPeriod {
  /** 1-based index as a string: '1', '2', ... */
  period: string;
  periodStart: string;
  periodEnd: string;
  /** periodEnd + grace */
  dueAt: string;
}

/** Guards against e.g. PT1S over a year-long agreement. */
export const MAX_REPORT_PERIODS = 1000;

/**
 * Consecutive periods of `interval` from the agreement start; the last one is cut short at the end
 * when the agreement is not a whole number of intervals, so the final stretch is still reported on.
 * Period k starts at start + (k-1) x interval (no month-end drift). Times come back as `...Z` ISO strings.
 */
export function reportSchedule(startIso: string, endIso: string, interval: string, grace: string): ReportPeriod[] {
  const step = parseDuration(interval);
  if (!step || isZeroDuration(step)) throw new RangeError(`report interval "${interval}" must be a non-zero ISO 8601 duration`);
  if (!parseDuration(grace)) throw new RangeError(`report grace "${grace}" must be an ISO 8601 duration`);
  const start = new Date(parseInstant(startIso)).toISOString();
  const endMs = parseInstant(endIso);
  const end = new Date(endMs).toISOString();
  if (endMs <= parseInstant(start)) throw new RangeError(`the agreement ends (${endIso}) before or when it starts (${startIso})`);
  const out: ReportPeriod[] = [];
  for (let k = 1, periodStart = start; parseInstant(periodStart) < endMs; k++) {
    if (k > MAX_REPORT_PERIODS) throw new RangeError(`more than ${MAX_REPORT_PERIODS} report periods of ${interval} between ${startIso} and ${endIso}`);
    const next = addDuration(start, interval, k);
    const periodEnd = parseInstant(next) < endMs ? next : end;
    out.push({ period: String(k), periodStart, periodEnd, dueAt: addDuration(periodEnd, grace) });
    periodStart = periodEnd;
  }
  return out;
}
