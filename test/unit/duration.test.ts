import { addDuration, durationMs, isDuration, isIsoDate, isZeroDuration, parseDuration, parseInstant } from '../../workflows/rules/duration';

describe('parseDuration', () => {
  it('when given every part, it reads each one including fractional seconds', () => {
    expect(parseDuration('P1Y2M3DT4H5M6.5S')).toEqual({ years: 1, months: 2, weeks: 0, days: 3, hours: 4, minutes: 5, seconds: 6.5 });
  });

  it('when given single parts, it reads months, days, seconds and weeks', () => {
    expect(parseDuration('P1M')?.months).toBe(1);
    expect(parseDuration('P5D')?.days).toBe(5);
    expect(parseDuration('PT2S')?.seconds).toBe(2);
    expect(parseDuration('PT1M')).toEqual({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 1, seconds: 0 });
    expect(parseDuration('P2W')?.weeks).toBe(2);
  });

  it('when given empty, negative, misordered or non-ISO text, it returns null', () => {
    for (const s of ['', 'P', 'PT', 'P1DT', '-P1D', 'P-1D', 'P1.5D', 'P1D2M', '1D', 'p1d', 'P1H', 'PT1D', ' P1D']) {
      expect(parseDuration(s)).toBeNull();
      expect(isDuration(s)).toBe(false);
    }
  });

  it('when all parts are zero, it is a zero duration', () => {
    expect(isZeroDuration(parseDuration('P0D')!)).toBe(true);
    expect(isZeroDuration(parseDuration('PT0.001S')!)).toBe(false);
  });
});

describe('addDuration', () => {
  it('when adding P1M to Jan 31, it clamps to the last day of February', () => {
    expect(addDuration('2025-01-31T00:00:00Z', 'P1M')).toBe('2025-02-28T00:00:00.000Z');
    expect(addDuration('2024-01-31T09:30:00Z', 'P1M')).toBe('2024-02-29T09:30:00.000Z');
  });

  it('when adding P1M three times from Jan 31, it lands on Apr 30 without drifting', () => {
    expect(addDuration('2025-01-31T00:00:00Z', 'P1M', 3)).toBe('2025-04-30T00:00:00.000Z');
    expect(addDuration('2025-01-31T00:00:00Z', 'P1M', 2)).toBe('2025-03-31T00:00:00.000Z');
  });

  it('when adding P1Y to Feb 29, it clamps to Feb 28', () => {
    expect(addDuration('2024-02-29T00:00:00Z', 'P1Y')).toBe('2025-02-28T00:00:00.000Z');
  });

  it('when months cross a year end, it rolls the year', () => {
    expect(addDuration('2025-11-15T00:00:00Z', 'P3M')).toBe('2026-02-15T00:00:00.000Z');
  });

  it('when adding weeks, days and exact time, it adds them after the months', () => {
    expect(addDuration('2025-01-01T00:00:00Z', 'P2W')).toBe('2025-01-15T00:00:00.000Z');
    expect(addDuration('2025-01-31T23:00:00Z', 'P1M1DT2H')).toBe('2025-03-02T01:00:00.000Z') // Feb 28 23:00, +1 day, +2 hours;
    expect(addDuration('2025-01-01T00:00:00Z', 'PT2S', 5)).toBe('2025-01-01T00:00:10.000Z');
    expect(addDuration('2025-01-01T00:00:00Z', 'PT6.5S')).toBe('2025-01-01T00:00:06.500Z');
  });

  it('when the instant has an offset, it returns the UTC instant', () => {
    expect(addDuration('2025-03-01T08:00:00+08:00', 'P1D')).toBe('2025-03-02T00:00:00.000Z');
  });

  it('when times is 0, it returns the same instant normalised', () => {
    expect(addDuration('2025-03-01', 'P1M', 0)).toBe('2025-03-01T00:00:00.000Z');
  });

  it('when the duration, instant or times is invalid, it throws', () => {
    expect(() => addDuration('2025-01-01T00:00:00Z', 'one month')).toThrow(RangeError);
    expect(() => addDuration('2025-01-01T00:00:00', 'P1D')).toThrow(/time zone/);
    expect(() => addDuration('2025-01-01T00:00:00Z', 'P1D', -1)).toThrow(RangeError);
    expect(() => addDuration('2025-01-01T00:00:00Z', 'P1D', 1.5)).toThrow(RangeError);
  });
});

describe('durationMs', () => {
  it('when the duration has only weeks, days and time, it gives exact milliseconds', () => {
    expect(durationMs('PT2S')).toBe(2000);
    expect(durationMs('P1W1DT1H1M1.5S')).toBe(8 * 86_400_000 + 3_661_500);
  });

  it('when the duration has years or months, it throws', () => {
    expect(() => durationMs('P1M')).toThrow(/years or months/);
    expect(() => durationMs('P1Y')).toThrow(RangeError);
    expect(() => durationMs('nope')).toThrow(RangeError);
  });
});

describe('instants and dates', () => {
  it('when a date does not exist on the calendar, it is refused', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(isIsoDate('2025-1-01')).toBe(false);
    expect(() => parseInstant('2025-02-30T00:00:00Z')).toThrow(RangeError);
    expect(() => parseInstant('2025-01-01T24:00:00Z')).toThrow(RangeError);
  });

  it('when given a date, a Z time or an offset, it parses to epoch milliseconds', () => {
    expect(parseInstant('1970-01-02')).toBe(86_400_000);
    expect(parseInstant('1970-01-01T00:00:01.5Z')).toBe(1500);
    expect(parseInstant('1970-01-01T08:00+08:00')).toBe(0);
    expect(parseInstant('1970-01-01T00:00:00-01:30')).toBe(5_400_000);
  });
});
