import fs from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import { startStack, createUser, type Stack } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme } from '../helpers/projects';
import { allAssignments, contestBody, expectStatus, onlineRound, seedApprovedProjects, seedOrganisation } from '../helpers/contests';
import { contestWorkflowId } from '../../api/contests/service';
import { bundleVariant, currentWorkflowCode, eventTypes, historyFromJson, recordHistory, replayAll } from '../helpers/histories';

// Determinism guard for the contest workflow: every history under contest-histories/ (recorded from a full
// contest with its timers firing, one per release) must replay on the current code. Histories are kept, never
// overwritten; after a change, add one under a new name:
//   RECORD_HISTORIES=<release> npx jest --selectProjects integration --testPathPatterns contest-replay
// (writes contest-histories/venture-contest-<release>.json; a name already taken fails the test).
// (A folder of its own: the lifecycle's replay test replays everything under histories/ on the lifecycle alone.)
const HISTORIES = path.join(__dirname, 'contest-histories');
const FULL = path.join(HISTORIES, 'venture-contest-full.json');

// A full lifecycle with real timers, then replays and a bundle: slow on a busy machine, so a generous bound.
jest.setTimeout(300_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

/** One contest through every phase, the entry deadline, the judges' reminder and the judging deadline firing on the way. */
async function fullContest(): Promise<{ workflowId: string; history: History }> {
  const s = await seedProgramme(stack);
  const [organiser, reviewer, judge, late] = await Promise.all([
    createUser(stack, ['organiser'], { regionId: s.cityId }), createUser(stack, ['reviewer', 'officer']), createUser(stack, ['reviewer']), createUser(stack, ['reviewer']),
  ]);
  const companyId = await seedOrganisation(stack, s, { name: 'Replay Co', kind: 'company' });
  const funder = await createUser(stack, ['funder'], { organisationId: companyId });
  const projects = await seedApprovedProjects(stack, s, reviewer, [1, 2].map((n) => ({ organisationId: s.organisationId, title: `Replay ${n}`, amountAskedFen: 100_000 })));
  const body = contestBody(s, { entriesCloseAt: new Date(Date.now() + 15_000).toISOString(), rounds: [onlineRound({ judgesPerEntry: 1, judgingDeadline: 'PT3S', reminderBefore: 'PT1S' })], matchingPoolFen: 50_000, matchingCapPerEntryFen: 50_000 });
  const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', body), 201).body.id as string;
  const path = (p = '') => `/api/v1/contests/${id}${p}`;
  const org = as(stack, organiser);
  expectStatus(await org.post(path('/open-entries')), 200);
  for (const projectId of projects) expectStatus(await org.post(path('/entries'), { projectId, trackKey: 'elderly' }), 201);
  // The entry window is long enough for both entries on a busy machine; then its timer closes it.
  await eventually(async () => expect((await stack.db('contests').where({ id }).first()).phase).toBe('screening'), 120_000);
  expectStatus(await org.post(path('/judges'), { userIds: [judge.id, late.id] }), 200);
  expectStatus(await org.post(path('/start-judging')), 200);
  const assignments = await allAssignments(stack, organiser, id, 'preliminary');
  const mine = assignments.find((a) => a.judgeId === judge.id)!;
  const theirs = assignments.find((a) => a.judgeId === late.id)!;
  expectStatus(await as(stack, judge).put(path(`/rounds/preliminary/scores/${mine.entryId}`), { scores: { need: 9, design: 9 } }), 200);
  await eventually(async () => expect(await stack.db('tasks').where({ contest_id: id, kind: 'contest_judges_missing' }).first()).toBeDefined(), 120_000);
  expectStatus(await org.post(path('/rounds/preliminary/reassignments'), { entryId: theirs.entryId, fromJudgeId: late.id, toJudgeId: judge.id }), 201);
  expectStatus(await as(stack, judge).put(path(`/rounds/preliminary/scores/${theirs.entryId}`), { scores: { need: 5, design: 5 } }), 200);
  expectStatus(await org.post(path('/close-round')), 200);
  expectStatus(await org.post(path('/publish-ranking')), 200);
  const pledge = expectStatus(await as(stack, funder).post(path('/pledges'), { kind: 'cash', valueFen: 80_000 }), 201).body.id;
  expectStatus(await as(stack, funder).post(path('/subscriptions'), { pledgeId: pledge, entryId: mine.entryId, amountFen: 80_000 }), 201);
  expectStatus(await org.post(path('/award'), { startDate: '2027-01-01', endDate: '2027-12-31' }), 200);
  expectStatus(await org.post(path('/close')), 200);

  const workflowId = contestWorkflowId(id);
  const handle = stack.client.workflow.getHandle(workflowId);
  expect((await handle.result()).phase).toBe('closed');
  return { workflowId, history: await handle.fetchHistory() };
}

test('every recorded contest history, and one recorded now, replays on the current workflow code; a non-deterministic change fails', async () => {
  const fresh = await fullContest();
  const types = eventTypes(fresh.history);
  for (const t of ['EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED', 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED', 'EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED']) {
    expect(types).toContain(t);
  }
  // The entry deadline, the reminder and the judging deadline: three timers fired.
  expect(types.filter((t) => t === 'EVENT_TYPE_TIMER_FIRED').length).toBeGreaterThanOrEqual(3);
  if (process.env.RECORD_HISTORIES) recordHistory(HISTORIES, 'venture-contest', process.env.RECORD_HISTORIES, fresh.history);

  const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();
  expect(files).toContain(path.basename(FULL));
  const recorded = files.map((f) => ({ workflowId: `recorded:${f}`, history: historyFromJson(fs.readFileSync(path.join(HISTORIES, f), 'utf8')) }));
  const all = [...recorded, fresh];
  expect(await replayAll({ ...currentWorkflowCode(), replayName: 'contest-determinism-guard' }, all)).toEqual(all.map((h) => ({ workflowId: h.workflowId, error: null })));

  const changed = await bundleVariant(require.resolve('./fixtures/nondeterministic-contest'));
  const broken = await replayAll({ workflowBundle: changed, replayName: 'contest-determinism-guard-control' }, all);
  expect(broken.map((r) => r.error)).toEqual(all.map(() => expect.stringMatching(/DeterminismViolation|[Nn]ondetermin/)));
});
