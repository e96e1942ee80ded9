export interface RankableEntry {
  entryId: string;
  trackKey: string;
  score: number;
  amountAskedFen: number;
  /** ISO 8601 timestamp; without an offset it is read as UTC (never local time, which would vary by machine). */
  submittedAt: string;
}

export interface RankedEntry {
  entryId: string;
  trackKey: string;
  score: number;
  /** 1-based position overall. */
  rank: number;
  /** 1-based position within the entry's track. */
  trackRank: number;
}

export interface Ranking {
  overall: RankedEntry[];
  /** Track key -> that track's entries in rank order; keys in sorted order. */
  byTrack: Record<string, RankedEntry[]>;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Milliseconds since the epoch for an ISO 8601 date or date-time; throws RangeError when malformed. */
export function parseIsoTimestamp(text: string): number {
  const m = ISO.exec(text);
  if (!m) throw new RangeError(`"${text}" is not an ISO 8601 timestamp.`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const monthDays = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > monthDays[month - 1] || hour > 23 || minute > 59 || second > 59) {
    throw new RangeError(`"${text}" is not a valid date-time.`);
  }
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

/**
 * Ranks entries: score desc, then smaller amountAskedFen (more value for the money), then earlier submittedAt,
 * then entryId ascending. The last tie-break always decides, so equal scores still get distinct ranks: places
 * decide who advances and who is matched first, and a shared rank would leave that undecided.
 */
export function rankEntries(entries: RankableEntry[]): Ranking {
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.entryId)) throw new RangeError(`Entry "${e.entryId}" appears twice.`);
    ids.add(e.entryId);
  }
  const keyed = entries.map((e) => ({ e, at: parseIsoTimestamp(e.submittedAt) }));
  keyed.sort(
    (a, b) =>
      b.e.score - a.e.score ||
      a.e.amountAskedFen - b.e.amountAskedFen ||
      a.at - b.at ||
      cmp(a.e.entryId, b.e.entryId),
  );

  const trackCounts = new Map<string, number>();
  const overall = keyed.map(({ e }, i): RankedEntry => {
    const trackRank = (trackCounts.get(e.trackKey) ?? 0) + 1;
    trackCounts.set(e.trackKey, trackRank);
    return { entryId: e.entryId, trackKey: e.trackKey, score: e.score, rank: i + 1, trackRank };
  });

  const byTrack: Record<string, RankedEntry[]> = {};
  for (const key of [...trackCounts.keys()].sort(cmp)) byTrack[key] = overall.filter((r) => r.trackKey === key);
  return { overall, byTrack };
}

/**
 * Entry ids advancing to a roadshow round: the first n of each track, listed in overall rank order.
 * Ranks are distinct, so exactly min(n, track size) advance per track; no tie at the cut-off.
 */
export function topNPerTrack(ranking: Ranking, n: number): string[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative whole number, got ${n}.`);
  return ranking.overall.filter((r) => r.trackRank <= n).map((r) => r.entryId);
}
