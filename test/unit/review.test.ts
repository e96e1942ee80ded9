import { defaultProgrammeRules, type Criterion } from '../../workflows/rules/programme-rules';
import { checkKeyedScores, checkScores, scoreSheet, weightedTotal } from '../../workflows/rules/review';

const criteria = defaultProgrammeRules().review.criteria; // 25/25/20/15/15, each scored 0..10
const full = { needFit: 10, design: 10, team: 10, budget: 10, sustainability: 10 };

describe('checkScores', () => {
  it('when every criterion is scored within range, it passes', () => {
    expect(checkScores(criteria, full)).toEqual([]);
  });

  it('when a criterion is missing, one is out of range and an unknown key appears, it reports each at /scores/<key>', () => {
    const { team: _team, ...rest } = full;
    const v = checkScores(criteria, { ...rest, budget: 11, innovation: 5 });
    expect(v.map((x) => [x.field, x.rule])).toEqual([
      ['/scores/team', 'score-missing'],
      ['/scores/budget', 'score-range'],
      ['/scores/innovation', 'score-unknown'],
    ]);
    expect(v[1].message).toBe('criterion "预算合理性" is scored 11; scores run from 0 to 10');
  });

  it('when a score is NaN or below the minimum, it reports score-range', () => {
    expect(checkScores(criteria, { ...full, design: NaN, team: -1 }).map((x) => x.rule)).toEqual(['score-range', 'score-range']);
  });

  it('when used for another noun, it names that noun', () => {
    const v = checkKeyedScores([{ key: 'a', name: 'A', minScore: 0, maxScore: 100 }], {}, 'indicator');
    expect(v[0].message).toBe('indicator "A" has no score');
  });
});

describe('weightedTotal', () => {
  it('when every criterion gets its maximum, it gives 100; its minimum, 0', () => {
    expect(weightedTotal(criteria, full)).toBe(100);
    expect(weightedTotal(criteria, { needFit: 0, design: 0, team: 0, budget: 0, sustainability: 0 })).toBe(0);
  });

  it('when scores are mixed, it scales each to its range and weights it', () => {
    // 0.8*25 + 0.7*25 + 0.9*20 + 0.6*15 + 0.5*15 = 20 + 17.5 + 18 + 9 + 7.5
    expect(weightedTotal(criteria, { needFit: 8, design: 7, team: 9, budget: 6, sustainability: 5 })).toBe(72);
  });

  it('when criteria have different ranges, it normalises each to 0..100 before weighting', () => {
    const mixed: Criterion[] = [
      { key: 'a', name: 'A', weight: 50, minScore: 1, maxScore: 5 },
      { key: 'b', name: 'B', weight: 50, minScore: 0, maxScore: 3 },
    ];
    // (4-1)/4*50 + 1/3*50 = 37.5 + 16.666...
    expect(weightedTotal(mixed, { a: 4, b: 1 })).toBe(54.17);
  });

  it('when a score is invalid, it throws rather than computing a misleading total', () => {
    expect(() => weightedTotal(criteria, { ...full, team: 12 })).toThrow(RangeError);
  });
});

describe('scoreSheet', () => {
  it('when three reviewers score, it gives each total, the mean, the spread and the population standard deviation', () => {
    const s = scoreSheet(criteria, [
      { reviewerId: 'r1', scores: full },
      { reviewerId: 'r2', scores: { needFit: 8, design: 7, team: 9, budget: 6, sustainability: 5 } },
      { reviewerId: 'r3', scores: { needFit: 8, design: 8, team: 8, budget: 8, sustainability: 8 } },
    ]);
    expect(s.totals).toEqual([{ reviewerId: 'r1', total: 100 }, { reviewerId: 'r2', total: 72 }, { reviewerId: 'r3', total: 80 }]);
    expect(s.mean).toBe(84);
    expect(s.spread).toBe(28);
    // sqrt(((16)^2 + (12)^2 + (4)^2) / 3) = sqrt(138.67)
    expect(s.stdDev).toBe(11.78);
  });

  it('when one reviewer scores, spread and deviation are 0', () => {
    expect(scoreSheet(criteria, [{ reviewerId: 'r1', scores: full }])).toEqual({ totals: [{ reviewerId: 'r1', total: 100 }], mean: 100, spread: 0, stdDev: 0 });
  });

  it('when there are no sheets, it throws', () => {
    expect(() => scoreSheet(criteria, [])).toThrow(/no score sheets/);
  });
});
