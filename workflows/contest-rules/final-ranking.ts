import type { RankedEntry } from './ranking';

export interface FinalRankedEntry extends RankedEntry {
  /** Index of the round whose scores placed the entry (the last round it was judged in). */
  roundIndex: number;
}

export interface FinalRanking {
  overall: FinalRankedEntry[];
  byTrack: Record<string, FinalRankedEntry[]>;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The contest's final order from each round's ranking (given in round order). Entries that reached a later round
 * stand above every entry eliminated before it, whatever their earlier scores: the roadshow finalists first, in
 * their roadshow order, then the entries that stopped in the previous round, in that round's order, and so on.
 * An entry counts once, at the last round it was ranked in. Ranks and track ranks are renumbered 1..n, so the
 * order stays total and deterministic (each round's ranking already applies the documented tie-break).
 */
export function composeFinalRanking(roundRankings: RankedEntry[][]): FinalRanking {
  const placed = new Set<string>();
  const ordered: { entry: RankedEntry; roundIndex: number }[] = [];
  for (let r = roundRankings.length - 1; r >= 0; r--) {
    const round = [...roundRankings[r]].sort((a, b) => a.rank - b.rank || cmp(a.entryId, b.entryId));
    for (const entry of round) {
      if (placed.has(entry.entryId)) continue;
      placed.add(entry.entryId);
      ordered.push({ entry, roundIndex: r });
    }
  }
  const trackCounts = new Map<string, number>();
  const overall = ordered.map(({ entry, roundIndex }, i): FinalRankedEntry => {
    const trackRank = (trackCounts.get(entry.trackKey) ?? 0) + 1;
    trackCounts.set(entry.trackKey, trackRank);
    return { entryId: entry.entryId, trackKey: entry.trackKey, score: entry.score, rank: i + 1, trackRank, roundIndex };
  });
  const byTrack: Record<string, FinalRankedEntry[]> = {};
  for (const key of [...trackCounts.keys()].sort(cmp)) byTrack[key] = overall.filter((e) => e.trackKey === key);
  return { overall, byTrack };
}
