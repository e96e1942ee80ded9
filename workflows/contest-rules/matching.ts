/**
 * Government matching pool (配套资金). The pool rewards entries that funders already backed, then helps the rest:
 *  1. entries with a subscription of at least 1 fen, in rank order (rank ascending, ties by entryId), each get
 *     min(cap per entry, what the entry still needs = amountAsked - subscribed, what is left in the pool);
 *  2. if the pool is not spent, entries with no subscription, in rank order, get the same;
 *  3. allocation stops when the pool is spent.
 * All amounts are integer fen, so no rounding happens: the total never exceeds the pool and subscribed plus
 * matching never exceeds the amount asked (an oversubscribed entry gets nothing).
 */

export interface MatchingCandidate {
  entryId: string;
  rank: number;
  amountAskedFen: number;
  /** What funders have subscribed (认购) to this entry. */
  subscribedFen: number;
}

export interface MatchingAllocation {
  entryId: string;
  matchingFen: number;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function assertFen(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative whole number of fen, got ${value}.`);
}

/** One row per entry, in rank order, including entries that get 0. */
export function allocateMatching(
  rankedEntries: MatchingCandidate[],
  poolFen: number,
  capPerEntryFen: number,
): MatchingAllocation[] {
  assertFen(poolFen, 'poolFen');
  assertFen(capPerEntryFen, 'capPerEntryFen');
  const ids = new Set<string>();
  for (const e of rankedEntries) {
    if (ids.has(e.entryId)) throw new RangeError(`Entry "${e.entryId}" appears twice.`);
    ids.add(e.entryId);
    assertFen(e.amountAskedFen, `amountAskedFen of "${e.entryId}"`);
    assertFen(e.subscribedFen, `subscribedFen of "${e.entryId}"`);
  }

  const ordered = [...rankedEntries].sort((a, b) => a.rank - b.rank || cmp(a.entryId, b.entryId));
  const granted = new Map<string, number>(ordered.map((e) => [e.entryId, 0]));
  let left = poolFen;
  for (const subscribed of [true, false]) {
    for (const e of ordered) {
      if (left === 0) break;
      if ((e.subscribedFen > 0) !== subscribed) continue;
      const grant = Math.min(capPerEntryFen, Math.max(0, e.amountAskedFen - e.subscribedFen), left);
      granted.set(e.entryId, grant);
      left -= grant;
    }
  }
  return ordered.map((e) => ({ entryId: e.entryId, matchingFen: granted.get(e.entryId) ?? 0 }));
}
