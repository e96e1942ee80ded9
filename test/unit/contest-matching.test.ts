import { allocateMatching, type MatchingCandidate } from '../../workflows/contest-rules/matching';

const c = (entryId: string, rank: number, amountAskedFen: number, subscribedFen: number): MatchingCandidate => ({
  entryId,
  rank,
  amountAskedFen,
  subscribedFen,
});
const total = (xs: { matchingFen: number }[]) => xs.reduce((s, x) => s + x.matchingFen, 0);

describe('allocateMatching', () => {
  test('subscribed entries are topped up first in rank order, capped and limited to what they still need', () => {
    const result = allocateMatching(
      [
        c('a', 1, 1_000_000, 0), // unsubscribed: waits for the second pass
        c('b', 2, 1_000_000, 200_000), // needs 800,000, capped at 500,000
        c('c', 3, 1_000_000, 900_000), // needs 100,000
      ],
      2_000_000,
      500_000,
    );
    // Pass 1: b 500,000, c 100,000 (pool 1,400,000 left). Pass 2: a 500,000 (cap).
    expect(result).toEqual([
      { entryId: 'a', matchingFen: 500_000 },
      { entryId: 'b', matchingFen: 500_000 },
      { entryId: 'c', matchingFen: 100_000 },
    ]);
  });

  test('a small pool is spent on subscribed entries and nothing is left for the others', () => {
    const result = allocateMatching([c('a', 1, 1_000_000, 0), c('b', 2, 1_000_000, 1), c('c', 3, 1_000_000, 1)], 700_000, 500_000);
    // b 500,000; c gets the remaining 200,000; a gets nothing.
    expect(result).toEqual([
      { entryId: 'a', matchingFen: 0 },
      { entryId: 'b', matchingFen: 500_000 },
      { entryId: 'c', matchingFen: 200_000 },
    ]);
  });

  test('an oversubscribed entry gets nothing; an empty pool or zero cap gives nothing', () => {
    expect(allocateMatching([c('a', 1, 100, 150)], 1000, 1000)).toEqual([{ entryId: 'a', matchingFen: 0 }]);
    expect(total(allocateMatching([c('a', 1, 100, 10)], 0, 1000))).toBe(0);
    expect(total(allocateMatching([c('a', 1, 100, 10)], 1000, 0))).toBe(0);
  });

  test('rows come back in rank order whatever the input order; equal ranks fall back to entryId', () => {
    const result = allocateMatching([c('z', 2, 10, 0), c('b', 1, 10, 0), c('a', 2, 10, 0)], 15, 10);
    expect(result).toEqual([
      { entryId: 'b', matchingFen: 10 },
      { entryId: 'a', matchingFen: 5 },
      { entryId: 'z', matchingFen: 0 },
    ]);
  });

  test('Weihai-sized contest: total never exceeds the pool and no entry exceeds its amount asked', () => {
    const entries = Array.from({ length: 100 }, (_, i) =>
      c(`p${i}`, i + 1, 3_000_000 + ((i * 7919) % 5_000_000), i < 32 ? (i * 104_729) % 4_000_000 : 0),
    );
    const result = allocateMatching(entries, 154_000_000, 2_000_000);
    expect(total(result)).toBeLessThanOrEqual(154_000_000);
    for (const r of result) {
      const e = entries.find((x) => x.entryId === r.entryId)!;
      expect(Number.isInteger(r.matchingFen)).toBe(true);
      expect(r.matchingFen).toBeLessThanOrEqual(2_000_000);
      expect(r.matchingFen + Math.min(e.subscribedFen, e.amountAskedFen)).toBeLessThanOrEqual(e.amountAskedFen);
    }
  });

  test('fractional or negative fen and duplicate entries throw RangeError', () => {
    expect(() => allocateMatching([], 1.5, 1)).toThrow(RangeError);
    expect(() => allocateMatching([], 1, -1)).toThrow(RangeError);
    expect(() => allocateMatching([c('a', 1, 10.5, 0)], 1, 1)).toThrow(RangeError);
    expect(() => allocateMatching([c('a', 1, 10, 0), c('a', 2, 10, 0)], 1, 1)).toThrow(RangeError);
  });
});
