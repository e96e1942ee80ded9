import { reportSchedule } from '../../workflows/rules/schedule';

describe('reportSchedule', () => {
  it('when a year-long agreement reports monthly with 5 days grace, it gives 12 periods due 5 days after each month', () => {
    const s = reportSchedule('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'P1M', 'P5D');
    expect(s).toHaveLength(12);
    expect(s[0]).toEqual({ period: '1', periodStart: '2025-01-01T00:00:00.000Z', periodEnd: '2025-02-01T00:00:00.000Z', dueAt: '2025-02-06T00:00:00.000Z' });
    expect(s[11]).toEqual({ period: '12', periodStart: '2025-12-01T00:00:00.000Z', periodEnd: '2026-01-01T00:00:00.000Z', dueAt: '2026-01-06T00:00:00.000Z' });
  });

  it('when the agreement starts on the 31st, period ends follow month ends without drifting', () => {
    const s = reportSchedule('2025-01-31T00:00:00Z', '2025-05-31T00:00:00Z', 'P1M', 'P5D');
    expect(s.map((p) => p.periodEnd.slice(0, 10))).toEqual(['2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31']);
    expect(s[1].periodStart).toBe(s[0].periodEnd);
  });

  it('when the agreement is not a whole number of intervals, the last period is cut short at the end', () => {
    const s = reportSchedule('2025-01-01T00:00:00Z', '2025-03-15T00:00:00Z', 'P1M', 'P5D');
    expect(s.map((p) => [p.period, p.periodEnd])).toEqual([
      ['1', '2025-02-01T00:00:00.000Z'],
      ['2', '2025-03-01T00:00:00.000Z'],
      ['3', '2025-03-15T00:00:00.000Z'],
    ]);
    expect(s[2].dueAt).toBe('2025-03-20T00:00:00.000Z');
  });

  it('when the test interval PT2S is used, it gives second-long periods', () => {
    const s = reportSchedule('2025-01-01T00:00:00Z', '2025-01-01T00:00:06Z', 'PT2S', 'PT1S');
    expect(s.map((p) => p.dueAt)).toEqual(['2025-01-01T00:00:03.000Z', '2025-01-01T00:00:05.000Z', '2025-01-01T00:00:07.000Z']);
  });

  it('when exactly 1000 periods fit, it returns them; when 1001 would, it throws', () => {
    expect(reportSchedule('2025-01-01T00:00:00Z', '2025-01-01T00:16:40Z', 'PT1S', 'PT1S')).toHaveLength(1000);
    expect(() => reportSchedule('2025-01-01T00:00:00Z', '2025-01-01T00:16:41Z', 'PT1S', 'PT1S')).toThrow(/more than 1000/);
  });

  it('when PT1S is asked over a year, it throws instead of building millions of periods', () => {
    expect(() => reportSchedule('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'PT1S', 'P5D')).toThrow(RangeError);
  });

  it('when the interval is zero or invalid, the grace invalid, or the end not after the start, it throws', () => {
    expect(() => reportSchedule('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z', 'P0D', 'P5D')).toThrow(/non-zero/);
    expect(() => reportSchedule('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z', 'monthly', 'P5D')).toThrow(RangeError);
    expect(() => reportSchedule('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z', 'P1M', 'five days')).toThrow(/grace/);
    expect(() => reportSchedule('2025-02-01T00:00:00Z', '2025-01-01T00:00:00Z', 'P1M', 'P5D')).toThrow(/before or when/);
    expect(() => reportSchedule('2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 'P1M', 'P5D')).toThrow(RangeError);
  });

  it('when times carry an offset, it reports them in UTC', () => {
    const s = reportSchedule('2025-01-01T00:00:00+08:00', '2025-02-01T00:00:00+08:00', 'P1M', 'P5D');
    expect(s).toEqual([{ period: '1', periodStart: '2024-12-31T16:00:00.000Z', periodEnd: '2025-01-31T16:00:00.000Z', dueAt: '2025-02-05T16:00:00.000Z' }]);
  });
});
