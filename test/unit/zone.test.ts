import { addZoneDuration, isTimeZone, startOfZoneDay, startOfZoneMonth, zoneDate, zonedReportPeriod } from '../../workflows/rules/zone';
import { checkProgrammeRules, defaultProgrammeRules, timeZoneOf } from '../../workflows/rules/programme-rules';
import { quarterPeriod } from '../../workflows/project/pending';

describe('calendar months in a programme zone', () => {
  test('the default Asia/Shanghai month starts at 16:00 UTC of the day before', () => {
    expect(startOfZoneMonth('Asia/Shanghai', '2026-12-15T03:00:00Z')).toBe('2026-11-30T16:00:00.000Z');
    // 17:00 UTC on 30 November is already 1 December in Shanghai.
    expect(startOfZoneMonth('Asia/Shanghai', '2026-11-30T17:00:00Z')).toBe('2026-11-30T16:00:00.000Z');
    expect(zoneDate('Asia/Shanghai', '2026-11-30T17:00:00Z')).toBe('2026-12-01');
  });

  test('a monthly report signed mid-month in Shanghai covers the rest of that month and is due five Shanghai days after it', () => {
    const p1 = zonedReportPeriod('Asia/Shanghai', '2026-12-02T20:00:00.000Z', 'P1M', 'P5D', 1);
    expect(p1).toEqual({ start: '2026-12-02T20:00:00.000Z', end: '2026-12-31T16:00:00.000Z', dueAt: '2027-01-05T16:00:00.000Z' });
    const p2 = zonedReportPeriod('Asia/Shanghai', '2026-12-02T20:00:00.000Z', 'P1M', 'P5D', 2);
    expect(p2).toEqual({ start: '2026-12-31T16:00:00.000Z', end: '2027-01-31T16:00:00.000Z', dueAt: '2027-02-05T16:00:00.000Z' });
  });

  test('in Pacific/Auckland the month boundary falls on a different UTC day and moves with summer time', () => {
    // 1 January 2027 00:00 in Auckland (NZDT, +13) is 31 December 11:00 UTC; 1 May (NZST, +12) is 30 April 12:00 UTC.
    expect(startOfZoneMonth('Pacific/Auckland', '2027-01-10T00:00:00Z')).toBe('2026-12-31T11:00:00.000Z');
    expect(startOfZoneMonth('Pacific/Auckland', '2027-05-10T00:00:00Z')).toBe('2027-04-30T12:00:00.000Z');
    const from = '2027-03-15T00:00:00.000Z';
    expect(zonedReportPeriod('Pacific/Auckland', from, 'P1M', 'P5D', 1)).toEqual({ start: from, end: '2027-03-31T11:00:00.000Z', dueAt: '2027-04-05T12:00:00.000Z' });
    // Due on 6 April at midnight, after summer time ended on the 4th: +12 again.
    // April's first Sunday ends summer time: April is a month of 30 days and one hour.
    expect(zonedReportPeriod('Pacific/Auckland', from, 'P1M', 'P5D', 2)).toEqual({ start: '2027-03-31T11:00:00.000Z', end: '2027-04-30T12:00:00.000Z', dueAt: '2027-05-05T12:00:00.000Z' });
  });

  test('in America/Los_Angeles the month starts at 08:00 UTC on the 1st (07:00 in summer)', () => {
    expect(startOfZoneMonth('America/Los_Angeles', '2027-01-20T00:00:00Z')).toBe('2027-01-01T08:00:00.000Z');
    expect(startOfZoneMonth('America/Los_Angeles', '2027-07-20T00:00:00Z')).toBe('2027-07-01T07:00:00.000Z');
    // 05:00 UTC on 1 August is still 31 July in Los Angeles.
    expect(startOfZoneMonth('America/Los_Angeles', '2027-08-01T05:00:00Z')).toBe('2027-07-01T07:00:00.000Z');
  });

  test('days on the zone calendar: a day across the change to summer time is 23 hours; hours stay exact', () => {
    // Summer time starts on 14 March 2027 at 02:00 in Los Angeles.
    expect(addZoneDuration('America/Los_Angeles', '2027-03-14T08:00:00Z', 'P1D')).toBe('2027-03-15T07:00:00.000Z');
    expect(addZoneDuration('America/Los_Angeles', '2027-03-14T08:00:00Z', 'PT24H')).toBe('2027-03-15T08:00:00.000Z');
    expect(addZoneDuration('Asia/Shanghai', '2027-01-31T16:00:00Z', 'P1M')).toBe('2027-02-28T16:00:00.000Z');
    expect(startOfZoneDay('Pacific/Auckland', '2027-01-01')).toBe('2026-12-31T11:00:00.000Z');
  });

  test('other intervals step from the start, as before (PT2S in tests)', () => {
    expect(zonedReportPeriod('Asia/Shanghai', '2026-12-02T20:00:00.000Z', 'PT2S', 'PT1S', 2)).toEqual({ start: '2026-12-02T20:00:02.000Z', end: '2026-12-02T20:00:04.000Z', dueAt: '2026-12-02T20:00:05.000Z' });
  });

  test('a zone name is validated; rules without one run in Asia/Shanghai', () => {
    expect(isTimeZone('Pacific/Auckland')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(timeZoneOf({})).toBe('Asia/Shanghai');
    const rules = { ...defaultProgrammeRules(), timeZone: 'Mars/Olympus' };
    expect(checkProgrammeRules(rules)).toEqual([expect.objectContaining({ field: '/timeZone', rule: 'time-zone', key: 'rule.programme.time-zone' })]);
    expect(checkProgrammeRules(defaultProgrammeRules())).toEqual([]);
  });
});

describe('quarterly reviews (季例会) in a programme zone', () => {
  const rules = defaultProgrammeRules();
  rules.monitoring = { ...rules.monitoring, quarterlyReviewInterval: 'P3M', reportGrace: 'P5D' };
  const agreement = (reportZone?: string) => ({
    startDate: '2027-01-31', endDate: '2027-12-31', amountFen: 100_000_00, finalTrancheFen: 20_000_00, reportsFrom: '2027-01-30T16:00:00.000Z', ...(reportZone ? { reportZone } : {}),
  }) as Parameters<typeof quarterPeriod>[1];

  test('quarters of an agreement signed on 31 January in Shanghai are the calendar quarters of its report months: the first ends at Shanghai midnight on 1 April, its review due five Shanghai days later', () => {
    expect(quarterPeriod(rules, agreement('Asia/Shanghai'), 1, true)).toEqual({ start: '2027-01-30T16:00:00.000Z', end: '2027-03-31T16:00:00.000Z', dueAt: '2027-04-05T16:00:00.000Z' });
    expect(quarterPeriod(rules, agreement('Asia/Shanghai'), 2, true)).toEqual({ start: '2027-03-31T16:00:00.000Z', end: '2027-06-30T16:00:00.000Z', dueAt: '2027-07-05T16:00:00.000Z' });
  });

  test('on the UTC calendar (histories from before quarter-in-zone) the same quarter steps from 30 January and ends on 30 April', () => {
    expect(quarterPeriod(rules, agreement('Asia/Shanghai'), 1, false)?.end).toBe('2027-04-30T16:00:00.000Z');
    expect(quarterPeriod(rules, agreement(), 2, true)?.end).toBe('2027-07-30T16:00:00.000Z');
  });

  test('no quarter starts after the agreement has ended (31 December, Shanghai)', () => {
    expect(quarterPeriod(rules, agreement('Asia/Shanghai'), 4, true)).toEqual({ start: '2027-09-30T16:00:00.000Z', end: '2027-12-31T16:00:00.000Z', dueAt: '2028-01-05T16:00:00.000Z' });
    expect(quarterPeriod(rules, agreement('Asia/Shanghai'), 5, true)).toBeNull();
    expect(quarterPeriod(rules, agreement(), 5, false)).toBeNull();
  });
});
