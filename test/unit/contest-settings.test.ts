import { checkContestSettings, parseIsoDuration, type ContestSettings, type Round } from '../../workflows/contest-rules/settings';

const round = (over: Partial<Round> = {}): Round => ({
  key: 'online',
  name: 'Online review',
  kind: 'online',
  criteria: [
    { key: 'need', name: 'Answers a listed demand', weight: 40, minScore: 0, maxScore: 10 },
    { key: 'plan', name: 'Activity plan', weight: 35, minScore: 0, maxScore: 10 },
    { key: 'team', name: 'Team', weight: 25, minScore: 0, maxScore: 10 },
  ],
  judgesPerEntry: 3,
  judgingDeadline: 'P14D',
  reminderBefore: 'P2D',
  ...over,
});

const settings = (over: Partial<ContestSettings> = {}): ContestSettings => ({
  tracks: [
    { key: 'elderly', name: '为老服务' },
    { key: 'youth', name: '青少年服务' },
  ],
  rounds: [round(), round({ key: 'roadshow', name: 'Roadshow', kind: 'roadshow', topNPerTrack: 10, judgingDeadline: 'P1D', reminderBefore: 'PT2H' })],
  normalisation: 'trimmed_mean',
  blind: true,
  matchingPoolFen: 154_000_000,
  matchingCapPerEntryFen: 5_000_000,
  ...over,
});

const rules = (s: ContestSettings) => checkContestSettings(s).map((v) => `${v.field} ${v.rule}`);

describe('checkContestSettings', () => {
  test('valid two-round contest with online then roadshow has no violations', () => {
    expect(checkContestSettings(settings())).toEqual([]);
  });

  test('no tracks and no rounds reports has-tracks and has-rounds', () => {
    expect(rules(settings({ tracks: [], rounds: [] }))).toEqual(['/tracks has-tracks', '/rounds has-rounds']);
  });

  test('round without criteria reports round-has-criteria only (no weight-sum noise)', () => {
    expect(rules(settings({ rounds: [round({ criteria: [] })] }))).toEqual(['/rounds/0/criteria round-has-criteria']);
  });

  test('weights summing to 90 report weights-sum-100', () => {
    const r = round();
    r.criteria[2].weight = 15;
    const v = checkContestSettings(settings({ rounds: [r] }));
    expect(v).toEqual([expect.objectContaining({ field: '/rounds/0/criteria', rule: 'weights-sum-100' })]);
    expect(v[0].message).toContain('90');
  });

  test('fractional weights 33.3 + 33.3 + 33.4 are accepted despite float rounding', () => {
    const r = round();
    [33.3, 33.3, 33.4].forEach((w, i) => (r.criteria[i].weight = w));
    expect(checkContestSettings(settings({ rounds: [r] }))).toEqual([]);
  });

  test('minScore equal to maxScore and zero weight are reported per criterion', () => {
    const r = round();
    r.criteria[0] = { ...r.criteria[0], minScore: 5, maxScore: 5 };
    r.criteria[1] = { ...r.criteria[1], weight: 0 };
    r.criteria[2] = { ...r.criteria[2], weight: 60 };
    expect(rules(settings({ rounds: [r] }))).toEqual(['/rounds/0/criteria/0/maxScore min-below-max', '/rounds/0/criteria/1/weight weight-positive']);
  });

  test('duplicate track, round and criterion keys report key-unique at the second occurrence', () => {
    const r = round();
    r.criteria[1].key = 'need';
    const s = settings({ tracks: [{ key: 'a', name: 'A' }, { key: 'a', name: 'B' }], rounds: [r, round()] });
    expect(rules(s)).toEqual(['/tracks/1/key key-unique', '/rounds/1/key key-unique', '/rounds/0/criteria/1/key key-unique']);
  });

  test('blank key reports key-required', () => {
    expect(rules(settings({ tracks: [{ key: ' ', name: 'x' }] }))).toEqual(['/tracks/0/key key-required']);
  });

  test('zero judges per entry reports judges-per-entry-min', () => {
    expect(rules(settings({ normalisation: 'raw_mean', rounds: [round({ judgesPerEntry: 0 })] }))).toEqual([
      '/rounds/0/judgesPerEntry judges-per-entry-min',
    ]);
  });

  test('two judges per entry is fine for raw_mean but not for trimmed_mean', () => {
    expect(rules(settings({ normalisation: 'raw_mean', rounds: [round({ judgesPerEntry: 2 })] }))).toEqual([]);
    expect(rules(settings({ normalisation: 'trimmed_mean', rounds: [round({ judgesPerEntry: 2 })] }))).toEqual([
      '/rounds/0/judgesPerEntry judges-per-entry-trimmed',
    ]);
  });

  test('roadshow as the first round without topNPerTrack reports both rules', () => {
    expect(rules(settings({ rounds: [round({ kind: 'roadshow' })] }))).toEqual([
      '/rounds/0/kind roadshow-not-first',
      '/rounds/0/topNPerTrack roadshow-has-top-n',
    ]);
  });

  test('topNPerTrack of 0 or on the first round is reported', () => {
    const s = settings();
    s.rounds[1].topNPerTrack = 0;
    expect(rules(s)).toEqual(['/rounds/1/topNPerTrack top-n-positive']);
    expect(rules(settings({ rounds: [round({ topNPerTrack: 5 })] }))).toEqual(['/rounds/0/topNPerTrack top-n-not-first']);
  });

  test('malformed or zero judging deadline reports iso-duration', () => {
    expect(rules(settings({ rounds: [round({ judgingDeadline: '14 days' })] }))).toEqual(['/rounds/0/judgingDeadline iso-duration']);
    expect(rules(settings({ rounds: [round({ judgingDeadline: 'P0D' })] }))).toEqual(['/rounds/0/judgingDeadline iso-duration']);
  });

  test('reminder not shorter than the deadline reports reminder-before-deadline; month durations are not compared', () => {
    expect(rules(settings({ rounds: [round({ judgingDeadline: 'P2D', reminderBefore: 'PT48H' })] }))).toEqual([
      '/rounds/0/reminderBefore reminder-before-deadline',
    ]);
    expect(rules(settings({ rounds: [round({ judgingDeadline: 'P1M', reminderBefore: 'P40D' })] }))).toEqual([]);
  });

  test('negative pool and fractional cap report fen-non-negative', () => {
    expect(rules(settings({ matchingPoolFen: -1, matchingCapPerEntryFen: 1.5 }))).toEqual([
      '/matchingPoolFen fen-non-negative',
      '/matchingCapPerEntryFen fen-non-negative',
    ]);
  });

  test('unknown normalisation method is reported', () => {
    expect(rules(settings({ normalisation: 'median' as never }))).toEqual(['/normalisation normalisation-known']);
  });
});

describe('parseIsoDuration', () => {
  test('weeks, days and time parts convert to seconds; years or months give null seconds', () => {
    expect(parseIsoDuration('P1W1DT1H1M1.5S')).toEqual({ positive: true, seconds: 8 * 86400 + 3661.5 });
    expect(parseIsoDuration('P1Y')).toEqual({ positive: true, seconds: null });
  });

  test('empty designators are malformed', () => {
    expect(parseIsoDuration('P')).toBeNull();
    expect(parseIsoDuration('PT')).toBeNull();
    expect(parseIsoDuration('P1DT')).toBeNull();
  });
});
