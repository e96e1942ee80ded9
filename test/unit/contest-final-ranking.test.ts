import { composeFinalRanking } from '../../workflows/contest-rules/final-ranking';
import type { RankedEntry } from '../../workflows/contest-rules/ranking';

const r = (entryId: string, trackKey: string, score: number, rank: number, trackRank: number): RankedEntry => ({ entryId, trackKey, score, rank, trackRank });

describe('composeFinalRanking', () => {
  test('with one round the final ranking is that round ranking', () => {
    const round = [r('a', 'x', 90, 1, 1), r('b', 'y', 80, 2, 1), r('c', 'x', 70, 3, 2)];
    const final = composeFinalRanking([round]);
    expect(final.overall.map((e) => [e.entryId, e.rank, e.trackRank, e.roundIndex])).toEqual([
      ['a', 1, 1, 0],
      ['b', 2, 1, 0],
      ['c', 3, 2, 0],
    ]);
    expect(Object.keys(final.byTrack)).toEqual(['x', 'y']);
  });

  test('roadshow finalists stand above entries eliminated in the preliminary round, even with lower scores', () => {
    const preliminary = [r('a', 'x', 95, 1, 1), r('b', 'x', 90, 2, 2), r('c', 'y', 85, 3, 1), r('d', 'x', 99.9, 4, 3)];
    // Only b and c advanced; the roadshow put c first.
    const roadshow = [r('c', 'y', 70, 1, 1), r('b', 'x', 60, 2, 1)];
    const final = composeFinalRanking([preliminary, roadshow]);
    expect(final.overall.map((e) => [e.entryId, e.rank, e.trackRank, e.score, e.roundIndex])).toEqual([
      ['c', 1, 1, 70, 1],
      ['b', 2, 1, 60, 1],
      ['a', 3, 2, 95, 0],
      ['d', 4, 3, 99.9, 0],
    ]);
    expect(final.byTrack.x.map((e) => e.entryId)).toEqual(['b', 'a', 'd']);
    expect(final.byTrack.y.map((e) => e.entryId)).toEqual(['c']);
  });

  test('no rounds give an empty ranking', () => {
    expect(composeFinalRanking([])).toEqual({ overall: [], byTrack: {} });
  });
});
