import { applyDrawnFigures, checkEvaluationScores, evaluationScore, gradeFor, gradeLabels, subsidyFor } from '../../workflows/rules/evaluation';
import { defaultProgrammeRules, type EvaluationRules } from '../../workflows/rules/programme-rules';

const rules = defaultProgrammeRules().evaluation; // 90/80/60; 100/90/70/0; hold
const scores = { outputs: 95, outcomes: 88, satisfaction: 98.6, coverage: 80, funds: 90, professionalism: 85, sustainability: 70 };

describe('evaluationScore', () => {
  it('when every indicator is scored, it gives the weighted score to 2 decimals', () => {
    // 19 + 17.6 + 14.79 + 8 + 13.5 + 8.5 + 7
    expect(evaluationScore(rules.indicators, scores)).toBe(88.39);
  });

  it('when a score is out of range, it throws', () => {
    expect(() => evaluationScore(rules.indicators, { ...scores, funds: 120 })).toThrow(RangeError);
  });
});

describe('checkEvaluationScores', () => {
  it('when an indicator is missing or unknown, it reports each', () => {
    const { coverage: _c, ...rest } = scores;
    expect(checkEvaluationScores(rules.indicators, { ...rest, vibes: 1 }).map((x) => [x.field, x.rule])).toEqual([
      ['/scores/coverage', 'score-missing'],
      ['/scores/vibes', 'score-unknown'],
    ]);
  });
});

describe('gradeFor', () => {
  it('when a score sits on a threshold, it takes the higher grade', () => {
    expect(gradeFor(rules.thresholds, 90)).toBe('excellent');
    expect(gradeFor(rules.thresholds, 89.99)).toBe('good');
    expect(gradeFor(rules.thresholds, 80)).toBe('good');
    expect(gradeFor(rules.thresholds, 60)).toBe('pass');
    expect(gradeFor(rules.thresholds, 59.99)).toBe('fail');
  });

  it('when labelled, grades map to 优秀 / 良好 / 合格 / 不合格', () => {
    expect(gradeLabels).toEqual({ excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' });
  });
});

describe('subsidyFor', () => {
  it('when excellent, it releases the whole tranche', () => {
    expect(subsidyFor(rules, 'excellent', 5_000_000)).toEqual({ releaseFen: 5_000_000, holdFen: 0, clawbackFen: 0 });
  });

  it('when good, it releases 90% and holds the rest', () => {
    expect(subsidyFor(rules, 'good', 5_000_000)).toEqual({ releaseFen: 4_500_000, holdFen: 500_000, clawbackFen: 0 });
  });

  it('when the share leaves a fraction of a fen, it floors the release and holds the odd fen', () => {
    expect(subsidyFor(rules, 'pass', 333)).toEqual({ releaseFen: 233, holdFen: 100, clawbackFen: 0 });
  });

  it('when fail under hold, it holds the whole tranche', () => {
    expect(subsidyFor(rules, 'fail', 5_000_000)).toEqual({ releaseFen: 0, holdFen: 5_000_000, clawbackFen: 0 });
  });

  it('when fail under clawback, it releases nothing and claws the whole tranche back', () => {
    const clawback: EvaluationRules = { ...rules, failAction: 'clawback' };
    expect(subsidyFor(clawback, 'fail', 5_000_000)).toEqual({ releaseFen: 0, holdFen: 0, clawbackFen: 5_000_000 });
    expect(subsidyFor(clawback, 'pass', 5_000_000)).toEqual({ releaseFen: 3_500_000, holdFen: 1_500_000, clawbackFen: 0 });
  });

  it('when the tranche is not whole non-negative fen, it throws', () => {
    expect(() => subsidyFor(rules, 'good', 10.5)).toThrow(RangeError);
    expect(() => subsidyFor(rules, 'good', -1)).toThrow(RangeError);
  });
});

describe('applyDrawnFigures', () => {
  const indicators = [
    { key: 'outputs', name: 'Outputs', weight: 60 },
    { key: 'satisfaction', name: 'Satisfaction', weight: 25, drawnFrom: 'satisfaction' as const },
    { key: 'coverage', name: 'Coverage', weight: 15, drawnFrom: 'coverage' as const },
  ];

  test('an indicator left out takes its drawn score (share × 100, at most 100), with nothing to explain', () => {
    const r = applyDrawnFigures(indicators, { satisfaction: 0.8333, coverage: 1.4 }, { outputs: 70 }, {});
    expect(r.violations).toEqual([]);
    expect(r.scores).toEqual({ outputs: 70, satisfaction: 83, coverage: 100 });
    expect(r.drawn.coverage).toEqual({ figure: 'coverage', drawn: 100, given: 100, reason: null });
  });

  test('without a drawn figure (no completed order) the indicator is the evaluator\'s to score, and leaving it out is the usual missing score', () => {
    const r = applyDrawnFigures(indicators, {}, { outputs: 70 }, {});
    expect(r.drawn).toEqual({});
    expect(r.scores).toEqual({ outputs: 70 });
    expect(checkEvaluationScores(indicators, r.scores).map((v) => v.field)).toEqual(expect.arrayContaining(['/scores/satisfaction']));
  });

  test('a blank reason is no reason', () => {
    const r = applyDrawnFigures(indicators, { satisfaction: 0.5 }, { outputs: 70, satisfaction: 60, coverage: 50 }, { satisfaction: '  ' });
    expect(r.violations.map((v) => v.rule)).toEqual(['drawn-figure-override']);
  });
});
