import {
  checkScoreSheets,
  normaliseScores,
  ScoreSheetError,
  sheetTotal,
  type ScoreSheet,
} from '../../workflows/contest-rules/normalise';
import type { Criterion, NormalisationMethod } from '../../workflows/contest-rules/settings';

// Total of a sheet = 60 * a/10 + 40 * (b-1)/4 = 6a + 10(b-1).
const criteria: Criterion[] = [
  { key: 'a', name: 'Impact', weight: 60, minScore: 0, maxScore: 10 },
  { key: 'b', name: 'Feasibility', weight: 40, minScore: 1, maxScore: 5 },
];
const sheet = (entryId: string, judgeId: string, a: number, b: number): ScoreSheet => ({ entryId, judgeId, scores: { a, b } });
const scores = (m: Map<string, { score: number }>) => Object.fromEntries([...m].map(([k, v]) => [k, v.score]));

describe('sheetTotal', () => {
  test('maps each criterion onto its range and weights it: a=8, b=4 gives 48 + 30 = 78', () => {
    expect(sheetTotal(criteria, { a: 8, b: 4 })).toBe(78);
    expect(sheetTotal(criteria, { a: 0, b: 1 })).toBe(0);
    expect(sheetTotal(criteria, { a: 10, b: 5 })).toBe(100);
  });
});

describe('normaliseScores', () => {
  test('raw_mean: hand-computed means, rounded to 4 decimals', () => {
    const sheets = [
      sheet('e1', 'j1', 8, 4), // 48 + 30 = 78
      sheet('e1', 'j2', 6, 5), // 36 + 40 = 76
      sheet('e1', 'j3', 7, 3), // 42 + 20 = 62   -> e1 = (78 + 76 + 62) / 3 = 216 / 3 = 72
      sheet('e2', 'j1', 7, 3), // 62
      sheet('e2', 'j2', 7, 4), // 42 + 30 = 72
      sheet('e2', 'j3', 8, 3), // 48 + 20 = 68   -> e2 = (62 + 72 + 68) / 3 = 202 / 3 = 67.3333...
    ];
    const result = normaliseScores('raw_mean', criteria, sheets);
    expect([...result.values()]).toEqual([
      { entryId: 'e1', score: 72, sheetCount: 3 },
      { entryId: 'e2', score: 67.3333, sheetCount: 3 },
    ]);
  });

  test('trimmed_mean: drops one highest and one lowest sheet; fewer than 3 sheets use the plain mean', () => {
    const sheets = [
      sheet('e1', 'j1', 8, 4), // 78
      sheet('e1', 'j2', 6, 5), // 76
      sheet('e1', 'j3', 5, 3), // 30 + 20 = 50 (lowest, dropped)
      sheet('e1', 'j4', 10, 5), // 100 (highest, dropped)  -> e1 = (76 + 78) / 2 = 77
      sheet('e2', 'j1', 7, 3), // 62 (dropped)
      sheet('e2', 'j2', 7, 4), // 72 (dropped)
      sheet('e2', 'j3', 8, 3), // 68                        -> e2 = 68
      sheet('e3', 'j1', 0, 5), // 40
      sheet('e3', 'j2', 10, 1), // 60                       -> e3 = 2 sheets, plain mean (40 + 60) / 2 = 50
      sheet('e4', 'j1', 10, 3), // 80
      sheet('e4', 'j2', 10, 3), // 80 (only one of the two highest is dropped)
      sheet('e4', 'j3', 10, 1), // 60 (dropped)             -> e4 = 80
    ];
    const result = normaliseScores('trimmed_mean', criteria, sheets);
    expect(scores(result)).toEqual({ e1: 77, e2: 68, e3: 50, e4: 80 });
    expect(result.get('e1')?.sheetCount).toBe(4);
  });

  test('z_score: each sheet against its judge, entry mean z rescaled to 50 + 10z', () => {
    const sheets = [
      // j1 scored e1 80, e2 60: mean 70, population sd sqrt((100 + 100) / 2) = 10 -> z: e1 +1, e2 -1
      sheet('e1', 'j1', 10, 3),
      sheet('e2', 'j1', 10, 1),
      // j2 scored e1 90, e2 50, e3 50, e4 90: mean 70, sd sqrt(4 * 400 / 4) = 20 -> z: e1 +1, e2 -1, e3 -1, e4 +1
      sheet('e1', 'j2', 10, 4),
      sheet('e2', 'j2', 5, 3),
      sheet('e3', 'j2', 5, 3),
      sheet('e4', 'j2', 10, 4),
      // j3 scored only e3 (70): z = 0
      sheet('e3', 'j3', 5, 5),
      // j4 gave e2 and e4 both 40: sd 0 -> z = 0
      sheet('e2', 'j4', 0, 5),
      sheet('e4', 'j4', 0, 5),
    ];
    // e1: mean z (1 + 1) / 2 = 1         -> 50 + 10 = 60
    // e2: mean z (-1 - 1 + 0) / 3 = -2/3 -> 50 - 6.6667 = 43.3333
    // e3: mean z (-1 + 0) / 2 = -0.5     -> 45
    // e4: mean z (1 + 0) / 2 = 0.5       -> 55
    const result = normaliseScores('z_score', criteria, sheets);
    expect(scores(result)).toEqual({ e1: 60, e2: 43.3333, e3: 45, e4: 55 });
    expect(result.get('e2')?.sheetCount).toBe(3);
  });

  test('z_score: an extreme outlier is clamped to 100', () => {
    // One judge, 27 entries: e00 gets 100, the other 26 get 0. Mean 100/27, sd 100 * sqrt(26) / 27.
    // z(e00) = (100 - 100/27) / (100 * sqrt(26) / 27) = 26 / sqrt(26) = sqrt(26) = 5.099 -> 100.99, clamped to 100.
    // z(others) = -(100/27) / (100 * sqrt(26) / 27) = -1 / sqrt(26) = -0.19612 -> 48.0388.
    const sheets = Array.from({ length: 27 }, (_, i) =>
      i === 0 ? sheet('e00', 'j', 10, 5) : sheet(`e${String(i).padStart(2, '0')}`, 'j', 0, 1),
    );
    const result = normaliseScores('z_score', criteria, sheets);
    expect(result.get('e00')?.score).toBe(100);
    expect(result.get('e01')?.score).toBe(48.0388);
  });

  test('z_score: a judge giving identical non-round totals gets z = 0, not float noise', () => {
    const odd: Criterion[] = [
      { key: 'x', name: 'X', weight: 33.3, minScore: 0, maxScore: 7 },
      { key: 'y', name: 'Y', weight: 33.3, minScore: 0, maxScore: 3 },
      { key: 'z', name: 'Z', weight: 33.4, minScore: 0, maxScore: 9 },
    ];
    const sheets = ['e1', 'e2', 'e3'].map((entryId) => ({ entryId, judgeId: 'j', scores: { x: 0, y: 1, z: 5 } }));
    // Each total is 29.6555...; summing three and dividing by 3 lands one ulp off, so sd is ~1e-15, not 0.
    expect(scores(normaliseScores('z_score', odd, sheets))).toEqual({ e1: 50, e2: 50, e3: 50 });
  });

  test('no sheets give an empty map', () => {
    expect(normaliseScores('z_score', criteria, []).size).toBe(0);
  });

  test('shuffling sheets, criteria and score keys changes nothing, for every method', () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n); // deterministic LCG
    const shuffle = <T>(xs: T[]): T[] => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = rand(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    };
    const crit: Criterion[] = [
      { key: 'need', name: 'Need', weight: 33.3, minScore: 0, maxScore: 10 },
      { key: 'plan', name: 'Plan', weight: 33.3, minScore: 1, maxScore: 7 },
      { key: 'team', name: 'Team', weight: 33.4, minScore: 0, maxScore: 9 },
    ];
    const sheets: ScoreSheet[] = [];
    for (let e = 0; e < 15; e++) {
      for (let j = 0; j < 9; j++) {
        if (rand(3) === 0) continue;
        sheets.push({ entryId: `e${e}`, judgeId: `j${j}`, scores: { need: rand(21) / 2, plan: 1 + rand(7) * 0.9, team: rand(10) } });
      }
    }
    for (const method of ['raw_mean', 'trimmed_mean', 'z_score'] as NormalisationMethod[]) {
      const expected = [...normaliseScores(method, crit, sheets)];
      for (let k = 0; k < 5; k++) {
        const shuffled = shuffle(sheets).map((s) => ({ ...s, scores: Object.fromEntries(shuffle(Object.entries(s.scores))) }));
        expect([...normaliseScores(method, shuffle(crit), shuffled)]).toEqual(expected);
      }
    }
  });

  test('invalid sheets throw ScoreSheetError listing every violation', () => {
    const bad = [sheet('e1', 'j1', 8, 4), sheet('e1', 'j1', 11, 0), { entryId: 'e2', judgeId: 'j1', scores: { a: 5, 'x/y': 1 } }];
    expect(() => normaliseScores('raw_mean', criteria, bad)).toThrow(ScoreSheetError);
    expect(checkScoreSheets(criteria, bad).map((v) => `${v.field} ${v.rule}`)).toEqual([
      '/1 sheet-unique',
      '/1/scores/a score-in-range',
      '/1/scores/b score-in-range',
      '/2/scores/b score-required',
      '/2/scores/x~1y score-known-criterion',
    ]);
  });

  test('a criterion with an empty range throws RangeError', () => {
    expect(() => normaliseScores('raw_mean', [{ key: 'a', name: 'A', weight: 100, minScore: 5, maxScore: 5 }], [])).toThrow(RangeError);
  });
});
