import { defaultProgrammeRules } from '../../workflows/rules/programme-rules';
import { checkSupervisionScores, supervisionIndex } from '../../workflows/rules/supervision';

const dimensions = defaultProgrammeRules().monitoring.supervisionDimensions; // 25/20/15/20/20
const scores = { serviceQuality: 90, professionalMethod: 80, records: 70, volunteerEngagement: 85, teamDevelopment: 75 };

describe('supervisionIndex', () => {
  it('when every dimension is scored, it gives the weighted index to 1 decimal', () => {
    // 22.5 + 16 + 10.5 + 17 + 15
    expect(supervisionIndex(dimensions, scores)).toBe(81);
    expect(supervisionIndex(dimensions, { ...scores, records: 73 })).toBe(81.5); // +0.45 rounds up
  });

  it('when a score is missing, it throws', () => {
    const { records: _r, ...rest } = scores;
    expect(() => supervisionIndex(dimensions, rest)).toThrow(/has no score/);
  });
});

describe('checkSupervisionScores', () => {
  it('when scores are within 0..100, it passes', () => {
    expect(checkSupervisionScores(dimensions, scores)).toEqual([]);
  });

  it('when a score is above 100, missing, or for an unknown dimension, it reports each', () => {
    const { teamDevelopment: _t, ...rest } = scores;
    const v = checkSupervisionScores(dimensions, { ...rest, records: 101, mood: 50 });
    expect(v.map((x) => [x.field, x.rule])).toEqual([
      ['/scores/records', 'score-range'],
      ['/scores/teamDevelopment', 'score-missing'],
      ['/scores/mood', 'score-unknown'],
    ]);
    expect(v[0].message).toBe('supervision dimension "档案记录" is scored 101; scores run from 0 to 100');
  });
});
