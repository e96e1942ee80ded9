import { computeColour, indicatorLagPct, spendingDeviationPct, worseColour, type ColourFacts } from '../../workflows/rules/colour';
import { defaultProgrammeRules } from '../../workflows/rules/programme-rules';
import { render } from '../../i18n';

// overdue 1/2/3, spending 10/20/30, lag 10/20/30, complaints 1/2/3, supervision below 80/70/60
const rules = defaultProgrammeRules().monitoring.colour;
const calm: ColourFacts = { overdueReports: 0, spendingDeviationPct: 0, indicatorLagPct: 0, complaints: 0, supervisionIndex: 90 };

describe('computeColour', () => {
  it('when spending is 56.2% off plan, its reason is a catalogue message read in Chinese by default and in English on request', () => {
    const r = computeColour(rules, { ...calm, spendingDeviationPct: 56.2, complaints: 1 });
    expect(r.messages).toEqual([
      { key: 'colour.reason.spending', params: { pct: 56.2, colour: 'red', threshold: 30 } },
      { key: 'colour.reason.complaint', params: { count: 1, colour: 'blue', threshold: 1 } },
    ]);
    expect(r.messages!.map((m) => render('zh-CN', m))).toEqual(['支出偏离计划 56.2%（30% 起为红色）', '投诉 1 起（1 起即为蓝色）']);
    expect(r.messages!.map((m) => render('en', m))).toEqual(r.reasons);
    expect(r.reasons).toEqual(['spending 56.2% off plan (red at 30%)', '1 complaint (blue at 1)']);
  });

  it('when nothing reaches a threshold, it is green with no reasons', () => {
    expect(computeColour(rules, calm)).toMatchObject({ colour: 'green', reasons: [] });
  });

  it('when 2 reports are overdue, it is yellow and says so with the threshold', () => {
    expect(computeColour(rules, { ...calm, overdueReports: 2 })).toMatchObject({ colour: 'yellow', reasons: ['2 overdue monthly reports (yellow at 2)'] });
  });

  it('when a fact sits exactly on the blue threshold, it triggers blue', () => {
    expect(computeColour(rules, { ...calm, complaints: 1 })).toMatchObject({ colour: 'blue', reasons: ['1 complaint (blue at 1)'] });
    expect(computeColour(rules, { ...calm, overdueReports: 1 }).reasons).toEqual(['1 overdue monthly report (blue at 1)']);
  });

  it('when a fact is just below the blue threshold, it stays green', () => {
    expect(computeColour(rules, { ...calm, spendingDeviationPct: 9.9 }).colour).toBe('green');
  });

  it('when several facts trigger, it takes the worst colour and lists every reason', () => {
    const r = computeColour(rules, { overdueReports: 1, spendingDeviationPct: 35, indicatorLagPct: 12.5, complaints: 0, supervisionIndex: 75 });
    expect(r.colour).toBe('red');
    expect(r.reasons).toEqual([
      '1 overdue monthly report (blue at 1)',
      'spending 35% off plan (red at 30%)',
      'indicators 12.5% behind schedule (blue at 10%)',
      'supervision index 75 (blue below 80)',
    ]);
  });

  it('when the supervision index equals a threshold, it does not trigger that colour (strictly below)', () => {
    expect(computeColour(rules, { ...calm, supervisionIndex: 70 })).toMatchObject({ colour: 'blue', reasons: ['supervision index 70 (blue below 80)'] });
    expect(computeColour(rules, { ...calm, supervisionIndex: 59.9 })).toMatchObject({ colour: 'red', reasons: ['supervision index 59.9 (red below 60)'] });
  });

  it('when there has been no supervision visit yet, the index plays no part', () => {
    expect(computeColour(rules, { ...calm, supervisionIndex: null })).toMatchObject({ colour: 'green', reasons: [] });
  });
});

describe('worseColour', () => {
  it('when comparing, red beats yellow beats blue beats green', () => {
    expect(worseColour('blue', 'yellow')).toBe('yellow');
    expect(worseColour('red', 'green')).toBe('red');
  });
});

describe('spendingDeviationPct', () => {
  it('when spending is above or below the plan to date, it gives the deviation as a percent of the budget to 1 decimal', () => {
    expect(spendingDeviationPct(120_000, 100_000, 100_000)).toBe(20);
    expect(spendingDeviationPct(70_000, 100_000, 200_000)).toBe(15);
    expect(spendingDeviationPct(100_000, 300_000, 600_000)).toBe(33.3);
  });

  it('when early spending meets an empty plan to date, it counts against the whole budget, not as 100%', () => {
    expect(spendingDeviationPct(100_000, 0, 5_000_000)).toBe(2);
  });

  it('when the budget is zero, nothing spent is 0 and anything spent is 100', () => {
    expect(spendingDeviationPct(0, 0, 0)).toBe(0);
    expect(spendingDeviationPct(1, 0, 0)).toBe(100);
  });
});

describe('indicatorLagPct', () => {
  it('when achievement trails time, it gives the gap in points to 1 decimal', () => {
    expect(indicatorLagPct(0.5, 0.3)).toBe(20);
    expect(indicatorLagPct(2 / 3, 0.5)).toBe(16.7);
  });

  it('when achievement is ahead of time, the lag is 0', () => {
    expect(indicatorLagPct(0.4, 0.6)).toBe(0);
  });

  it('when shares fall outside 0..1, it clamps them', () => {
    expect(indicatorLagPct(1.2, 0.9)).toBe(10);
    expect(indicatorLagPct(0.5, -0.1)).toBe(50);
  });
});
