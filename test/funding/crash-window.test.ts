// Issue 9 item 3: a direct write and its Idempotency-Key answer commit together. Each test runs the API in a child
// process that is killed between the write and its answer, then retries with the same key and counts the rows.
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { as } from '../helpers/api';
import { crashApi } from '../helpers/crash';
import { contestBody, enterProjects, expectStatus, onlineRound, openContest, seedApprovedProjects, seedOrganisation, allAssignments } from '../helpers/contests';

/** Starting the API in a child process compiles it through tsx: slow on a busy machine. */
const CHILD_TIMEOUT_MS = 300_000;

let stack: Stack;
let s: Seeded;
let organiser: TestUser;
let funder: TestUser;
let id: string;
let entryId: string;
/** A second contest, left in judging, for the score sheet's window. */
let judging: { id: string; entryId: string; judge: TestUser };
const path_ = (p = '') => `/api/v1/contests/${id}${p}`;
const count = async (table: string, where: Record<string, unknown>) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n ?? 0);

const crashAt = (sql: RegExp, method: string, urlPath: string, body: object, key: string | null, token = funder.token) =>
  crashApi(stack, { sql }, { method, path: urlPath, body, token, ...(key ? { key } : {}) });

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const judge = await createUser(stack, ['reviewer']);
  organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const orgId = await seedOrganisation(stack, s, { name: 'Crash-window funder', kind: 'company' });
  funder = await createUser(stack, ['funder'], { organisationId: orgId });
  const [projectId] = await seedApprovedProjects(stack, s, reviewer, [{ organisationId: s.organisationId, title: 'Crash window', amountAskedFen: 500_000 }]);
  id = await openContest(stack, organiser, contestBody(s, { rounds: [onlineRound({ judgesPerEntry: 1 })] }));
  [entryId] = await enterProjects(stack, organiser, id, [{ projectId, trackKey: 'elderly' }]);
  expectStatus(await as(stack, organiser).post(path_('/close-entries')), 200);
  expectStatus(await as(stack, organiser).post(path_('/judges'), { userIds: [judge.id] }), 200);
  expectStatus(await as(stack, organiser).post(path_('/start-judging')), 200);
  for (const a of await allAssignments(stack, organiser, id, 'preliminary')) expectStatus(await as(stack, judge).put(path_(`/rounds/preliminary/scores/${a.entryId}`), { scores: { need: 8, design: 7 } }), 200);
  expectStatus(await as(stack, organiser).post(path_('/close-round')), 200);
  expectStatus(await as(stack, organiser).post(path_('/publish-ranking')), 200);

  const judge2 = await createUser(stack, ['reviewer']);
  const [project2] = await seedApprovedProjects(stack, s, reviewer, [{ organisationId: s.organisationId, title: 'Crash window, judged', amountAskedFen: 400_000 }]);
  const id2 = await openContest(stack, organiser, contestBody(s, { rounds: [onlineRound({ judgesPerEntry: 1 })] }));
  const [entry2] = await enterProjects(stack, organiser, id2, [{ projectId: project2, trackKey: 'elderly' }]);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id2}/close-entries`), 200);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id2}/judges`, { userIds: [judge2.id] }), 200);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id2}/start-judging`), 200);
  judging = { id: id2, entryId: entry2, judge: judge2 };
});
afterAll(async () => {
  await stack.close();
});

test('the API dies after a pledge is inserted but before its transaction commits: the retry with the key writes it once', async () => {
  const body = { kind: 'cash', valueFen: 300_000 };
  const crash = await crashAt(/^insert into "contest_pledges"/, 'POST', path_('/pledges'), body, 'crash-pledge-1');
  expect(crash).toEqual({ answered: false, signal: 'SIGKILL' });
  expect(await count('contest_pledges', { contest_id: id })).toBe(0);
  const retry = expectStatus(await as(stack, funder).post(path_('/pledges'), body, { 'Idempotency-Key': 'crash-pledge-1' }), 201);
  const again = expectStatus(await as(stack, funder).post(path_('/pledges'), body, { 'Idempotency-Key': 'crash-pledge-1' }), 201);
  expect(again.body.id).toBe(retry.body.id);
  expect(await count('contest_pledges', { contest_id: id })).toBe(1);
}, CHILD_TIMEOUT_MS);

test('the API dies after the funding desk committed a subscription, before answering: the retry with the key gets the answer and writes nothing', async () => {
  const pledgeId = expectStatus(await as(stack, funder).post(path_('/pledges'), { kind: 'goods', valueFen: 300_000 }), 201).body.id as string;
  const body = { pledgeId, entryId, amountFen: 120_000 };
  const crash = await crashAt(/contest_subscribe/, 'POST', path_('/subscriptions'), body, 'crash-subscribe-1');
  expect(crash).toEqual({ answered: false, signal: 'SIGKILL' });
  // The subscription and the key's answer committed together.
  expect(await count('contest_subscriptions', { contest_id: id })).toBe(1);
  const retry = expectStatus(await as(stack, funder).post(path_('/subscriptions'), body, { 'Idempotency-Key': 'crash-subscribe-1' }), 201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  const written = await stack.db('contest_subscriptions').where({ contest_id: id }).first();
  expect(retry.body).toMatchObject({ id: written.id, amountFen: 120_000, pledgeRemainingFen: 180_000, entrySubscribedFen: 120_000, entryRemainingFen: 380_000 });
  expect(await count('contest_subscriptions', { contest_id: id })).toBe(1);
  expect(Number((await stack.db('contest_pledges').where({ id: pledgeId }).first('allocated_fen')).allocated_fen)).toBe(120_000);
  expect(Number((await stack.db('contest_entries').where({ id: entryId }).first('subscribed_fen')).subscribed_fen)).toBe(120_000);
});

test('the API dies after a score sheet committed, before answering: the judge\'s retry leaves one sheet with the second answer\'s scores', async () => {
  const url = `/api/v1/contests/${judging.id}/rounds/preliminary/scores/${judging.entryId}`;
  const body = { scores: { need: 9, design: 6 }, comment: 'Strong need' };
  // Killed when PostgreSQL has answered the sheet's transaction's COMMIT: the sheet is in, the judge saw nothing.
  const crash = await crashAt(/^commit/, 'PUT', url, body, null, judging.judge.token);
  expect(crash).toEqual({ answered: false, signal: 'SIGKILL' });
  const sheets = () => stack.db('contest_scores').where({ entry_id: judging.entryId, judge_id: judging.judge.id });
  expect(await sheets()).toHaveLength(1);
  const retry = expectStatus(await as(stack, judging.judge).put(url, body), 200);
  expect(retry.body).toMatchObject({ scores: { need: 9, design: 6 }, comment: 'Strong need' });
  expect(await sheets()).toHaveLength(1);
}, CHILD_TIMEOUT_MS);
