// Issue 10 section 6: a monthly report's month is the programme zone's calendar month (Asia/Shanghai by default), and
// its due date, reminder and overdue follow that zone's days.
import { startStack, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, testRules } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed } from '../helpers/lifecycle';
import { addZoneDuration, startOfZoneMonth } from '../../workflows/rules/zone';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

function monthlyRules(timeZone?: string): ProgrammeRules {
  const rules = testRules(timeZone ? { timeZone } : {});
  if (!timeZone) delete rules.timeZone; // a programme stored before it had a zone
  rules.monitoring = { ...rules.monitoring, reportInterval: 'P1M', reportGrace: 'P5D' };
  return rules;
}

/** A project of a programme with `rules` in delivery, signed now; its first open report as the live state shows it. */
async function firstReport(rules: ProgrammeRules) {
  const s = await seedProgramme(stack, rules);
  const cast = await createCast(stack, s);
  const id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  const before = new Date().toISOString();
  await driveTo(stack, cast, rules, id, 'delivery');
  const res = expectStatus(await as(stack, cast.applicant).get(`/api/v1/projects/${id}`), 200);
  const live = res.body.live as { agreement: { reportsFrom: string; reportZone?: string }; reports: { period: number; periodStart: string; dueAt: string }[] };
  return { id, before, live, report: live.reports[0] };
}

test('in Pacific/Auckland the report month ends at Auckland midnight, on the UTC day before the 1st, and is due five Auckland days later', async () => {
  const zone = 'Pacific/Auckland';
  const { live, report } = await firstReport(monthlyRules(zone));
  expect(live.agreement.reportZone).toBe(zone);
  expect(report.period).toBe(1);
  expect(report.periodStart).toBe(live.agreement.reportsFrom);
  const monthEnd = addZoneDuration(zone, startOfZoneMonth(zone, report.periodStart), 'P1M');
  expect(report.dueAt).toBe(addZoneDuration(zone, monthEnd, 'P5D'));
  // Midnight in Auckland is 11:00 or 12:00 UTC of the day before: the 1st of the month is the last day of the one before in UTC.
  expect(['11:00:00.000Z', '12:00:00.000Z']).toContain(monthEnd.slice(11));
  expect(new Date(new Date(monthEnd).getTime() + 86_400_000).getUTCDate()).toBe(1);
  expect(['11:00:00.000Z', '12:00:00.000Z']).toContain(report.dueAt.slice(11));
  expect(new Date(report.dueAt).getUTCDate()).toBe(5);
});

test('a programme with no zone runs in Asia/Shanghai: the month starts at 16:00 UTC of the day before, the report is due at 16:00 UTC on the 5th', async () => {
  const { live, report } = await firstReport(monthlyRules());
  expect(live.agreement.reportZone).toBe('Asia/Shanghai');
  const monthEnd = addZoneDuration('Asia/Shanghai', startOfZoneMonth('Asia/Shanghai', report.periodStart), 'P1M');
  expect(monthEnd.slice(11)).toBe('16:00:00.000Z');
  expect(new Date(new Date(monthEnd).getTime() + 86_400_000).getUTCDate()).toBe(1);
  expect(report.dueAt).toBe(addZoneDuration('Asia/Shanghai', monthEnd, 'P5D'));
  expect(report.dueAt.slice(8)).toBe('05T16:00:00.000Z');
});
