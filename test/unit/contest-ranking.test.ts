import { parseIsoTimestamp, rankEntries, topNPerTrack, type RankableEntry } from '../../workflows/contest-rules/ranking';

const entry = (entryId: string, trackKey: string, score: number, amountAskedFen = 10_000_000, submittedAt = '2024-05-01T09:00:00Z'): RankableEntry => ({
  entryId,
  trackKey,
  score,
  amountAskedFen,
  submittedAt,
});

describe('rankEntries', () => {
  test('higher score ranks first, with overall and per-track ranks', () => {
    const { overall, byTrack } = rankEntries([entry('a', 'elderly', 70), entry('b', 'youth', 90), entry('c', 'elderly', 80)]);
    expect(overall).toEqual([
      { entryId: 'b', trackKey: 'youth', score: 90, rank: 1, trackRank: 1 },
      { entryId: 'c', trackKey: 'elderly', score: 80, rank: 2, trackRank: 1 },
      { entryId: 'a', trackKey: 'elderly', score: 70, rank: 3, trackRank: 2 },
    ]);
    expect(Object.keys(byTrack)).toEqual(['elderly', 'youth']);
    expect(byTrack.elderly.map((r) => r.entryId)).toEqual(['c', 'a']);
  });

  test('equal scores: the smaller amount asked ranks first', () => {
    const { overall } = rankEntries([entry('a', 't', 80, 300_000), entry('b', 't', 80, 200_000)]);
    expect(overall.map((r) => [r.entryId, r.rank])).toEqual([['b', 1], ['a', 2]]);
  });

  test('equal score and amount: the earlier submission ranks first, comparing instants across time zones', () => {
    // 09:30+08:00 is 01:30Z, earlier than 02:00Z, although it sorts later as a string.
    const { overall } = rankEntries([entry('a', 't', 80, 1, '2024-05-01T02:00:00Z'), entry('b', 't', 80, 1, '2024-05-01T09:30:00+08:00')]);
    expect(overall.map((r) => r.entryId)).toEqual(['b', 'a']);
  });

  test('fully tied entries are ordered by entryId and still get distinct ranks', () => {
    const { overall } = rankEntries([entry('z', 't', 80), entry('m', 't', 80), entry('a', 't', 80)]);
    expect(overall.map((r) => [r.entryId, r.rank, r.trackRank])).toEqual([['a', 1, 1], ['m', 2, 2], ['z', 3, 3]]);
  });

  test('input order does not change the ranking', () => {
    const entries = [entry('a', 'x', 80), entry('b', 'y', 80, 5), entry('c', 'x', 60), entry('d', 'y', 95), entry('e', 'x', 80, 10_000_000, '2024-04-30')];
    const expected = rankEntries(entries);
    expect(rankEntries([...entries].reverse())).toEqual(expected);
    expect(rankEntries([entries[2], entries[4], entries[0], entries[3], entries[1]])).toEqual(expected);
  });

  test('duplicate entryId or malformed submittedAt throws RangeError', () => {
    expect(() => rankEntries([entry('a', 't', 1), entry('a', 't', 2)])).toThrow(RangeError);
    expect(() => rankEntries([entry('a', 't', 1, 1, 'yesterday')])).toThrow(RangeError);
  });

  test('no entries give an empty ranking', () => {
    expect(rankEntries([])).toEqual({ overall: [], byTrack: {} });
  });
});

describe('parseIsoTimestamp', () => {
  test('offsets, fractions and date-only forms are read as instants; no offset means UTC', () => {
    expect(parseIsoTimestamp('2024-05-01T09:30:00+08:00')).toBe(Date.UTC(2024, 4, 1, 1, 30));
    expect(parseIsoTimestamp('2024-05-01T01:30:00.25-0000')).toBe(Date.UTC(2024, 4, 1, 1, 30, 0, 250));
    expect(parseIsoTimestamp('2024-05-01T01:30:00')).toBe(Date.UTC(2024, 4, 1, 1, 30));
    expect(parseIsoTimestamp('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
  });

  test('impossible dates throw RangeError', () => {
    expect(() => parseIsoTimestamp('2023-02-29T00:00:00Z')).toThrow(RangeError);
    expect(() => parseIsoTimestamp('2024-13-01')).toThrow(RangeError);
    expect(parseIsoTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });
});

describe('topNPerTrack', () => {
  const ranking = rankEntries([
    entry('e1', 'elderly', 91),
    entry('e2', 'elderly', 85),
    entry('e3', 'elderly', 70),
    entry('y1', 'youth', 88),
    entry('y2', 'youth', 60),
    entry('s1', 'disability', 50),
  ]);

  test('top 2 of each track advance, listed in overall rank order; a smaller track sends all it has', () => {
    expect(topNPerTrack(ranking, 2)).toEqual(['e1', 'y1', 'e2', 'y2', 's1']);
  });

  test('n = 0 advances nobody; a negative or fractional n throws RangeError', () => {
    expect(topNPerTrack(ranking, 0)).toEqual([]);
    expect(() => topNPerTrack(ranking, -1)).toThrow(RangeError);
    expect(() => topNPerTrack(ranking, 1.5)).toThrow(RangeError);
  });
});
