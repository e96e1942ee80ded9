import fc from 'fast-check';
import { createApp } from '../../api/app';
import { BusinessRuleError, IllegalMoveError, NotFoundError } from '../../api/errors';
import { checkSubscription, SubscriptionDesk } from '../../api/funding/desk';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { as } from '../helpers/api';
import { allAssignments, contestBody, enterProjects, expectStatus, onlineRound, openContest, seedApprovedProjects, seedOrganisation, sum } from '../helpers/contests';
import { refuseWrites } from '../helpers/refusals';

let stack: Stack;
let s: Seeded;
let organiser: TestUser;
let reviewer: TestUser;
let judge: TestUser;
let id: string;
let entries: { E1: string; E2: string; E3: string; E4: string; U: string };
const path = (p = '') => `/api/v1/contests/${id}${p}`;
const count = async (table: string, where: Record<string, unknown>) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n ?? 0);
const fenOf = async (table: string, rowId: string, column: string) => Number((await stack.db(table).where({ id: rowId }).first(column))[column]);

async function funders(n: number, name: string): Promise<{ orgId: string; users: TestUser[] }> {
  const orgId = await seedOrganisation(stack, s, { name, kind: 'company' });
  const users = await Promise.all(Array.from({ length: n }, () => createUser(stack, ['funder'], { organisationId: orgId })));
  return { orgId, users };
}
const pledge = async (u: TestUser, kind: string, valueFen: number) => expectStatus(await as(stack, u).post(path('/pledges'), { kind, valueFen }), 201).body.id as string;
const subscribe = (u: TestUser, pledgeId: string, entryId: string, amountFen: number) => as(stack, u).post(path('/subscriptions'), { pledgeId, entryId, amountFen });

// A contest taken to `results`: five entries, one judge, E1..E4 scored, U left unscored (so it is not ranked).
beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  [organiser, reviewer, judge] = await Promise.all([createUser(stack, ['organiser'], { regionId: s.cityId }), createUser(stack, ['reviewer', 'officer']), createUser(stack, ['reviewer'])]);
  const asks = [600_000, 800_000, 800_000, 100_000, 100_000];
  const projectIds = await seedApprovedProjects(stack, s, reviewer, asks.map((amountAskedFen, i) => ({ organisationId: s.organisationId, title: `Funding ${i}`, amountAskedFen })));
  id = await openContest(stack, organiser, contestBody(s, { rounds: [onlineRound({ judgesPerEntry: 1 })] }));
  const ids = await enterProjects(stack, organiser, id, projectIds.map((projectId) => ({ projectId, trackKey: 'elderly' })));
  entries = { E1: ids[0], E2: ids[1], E3: ids[2], E4: ids[3], U: ids[4] };
  expectStatus(await as(stack, organiser).post(path('/close-entries')), 200);
  expectStatus(await as(stack, organiser).post(path('/judges'), { userIds: [judge.id] }), 200);
  expectStatus(await as(stack, organiser).post(path('/start-judging')), 200);
  for (const a of await allAssignments(stack, organiser, id, 'preliminary')) {
    if (a.entryId !== entries.U) expectStatus(await as(stack, judge).put(path(`/rounds/preliminary/scores/${a.entryId}`), { scores: { need: 8, design: 7 } }), 200);
  }
  expectStatus(await as(stack, organiser).post(path('/close-round'), { allowMissing: true }), 200);
});
afterAll(async () => {
  await stack.close();
});

describe('bad input, each refused with problem+json and nothing written', () => {
  let f: { orgId: string; users: TestUser[] };
  let pledgeId: string;
  beforeAll(async () => {
    f = await funders(1, 'Bad input funder');
  });

  test('a pledge of zero or less is refused with 400 naming valueFen', async () => {
    for (const valueFen of [0, -5]) {
      const res = await as(stack, f.users[0]).post(path('/pledges'), { kind: 'cash', valueFen });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/valueFen', rule: 'minimum' })]);
    }
    expect(await count('contest_pledges', { contest_id: id })).toBe(0);
  });

  test('a subscription while the contest is not in funding is refused with 409 naming the phase', async () => {
    pledgeId = await pledge(f.users[0], 'cash', 500_000);
    const res = await subscribe(f.users[0], pledgeId, entries.E4, 10_000);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ currentStage: 'results', move: 'subscribe' });
    expect(await count('contest_subscriptions', { contest_id: id })).toBe(0);
    expectStatus(await as(stack, organiser).post(path('/publish-ranking')), 200);
  });

  test('a subscription beyond what the pledge has left, or beyond what the entry still needs, says how much is left', async () => {
    const small = await pledge(f.users[0], 'services', 30_000);
    const overPledge = await subscribe(f.users[0], small, entries.E4, 30_001);
    expect(overPledge.status).toBe(422);
    expect(overPledge.body).toMatchObject({ remainingFen: 30_000, pledgeRemainingFen: 30_000, entryRemainingFen: 100_000, errors: [expect.objectContaining({ field: '/body/amountFen', rule: 'pledge-remaining' })] });
    expect(overPledge.body.errors[0].message).toContain('300.00 元');
    const overNeed = await subscribe(f.users[0], pledgeId, entries.E4, 100_001);
    expect(overNeed.status).toBe(422);
    expect(overNeed.body).toMatchObject({ remainingFen: 100_000, errors: [expect.objectContaining({ rule: 'entry-need' })] });
    expect(await count('contest_subscriptions', { contest_id: id })).toBe(0);
    expect(await fenOf('contest_pledges', small, 'allocated_fen')).toBe(0);
    expect(await fenOf('contest_entries', entries.E4, 'subscribed_fen')).toBe(0);
  });

  test('a subscription to an entry that is not ranked is refused with 422', async () => {
    const ranking = expectStatus(await as(stack, f.users[0]).get(path('/ranking')), 200).body;
    expect(ranking.overall.map((r: { entryId: string }) => r.entryId)).not.toContain(entries.U);
    expect(ranking.unscoredEntryIds).toEqual([entries.U]);
    const res = await subscribe(f.users[0], pledgeId, entries.U, 10_000);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/entryId', rule: 'entry-ranked' })]);
    expect(await count('contest_subscriptions', { contest_id: id })).toBe(0);
  });

  test('a retried subscription with the same Idempotency-Key is answered again and counted once', async () => {
    const send = () => as(stack, f.users[0]).post(path('/subscriptions'), { pledgeId, entryId: entries.E4, amountFen: 40_000 }, { 'Idempotency-Key': 'subscribe-e4-once' });
    const first = expectStatus(await send(), 201);
    const again = expectStatus(await send(), 201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await count('contest_subscriptions', { entry_id: entries.E4 })).toBe(1);
    expect(await fenOf('contest_entries', entries.E4, 'subscribed_fen')).toBe(40_000);
    expect(await fenOf('contest_pledges', pledgeId, 'allocated_fen')).toBe(40_000);
  });
});

test('funders racing for the same entry and for the same pledge never over-allocate, and the totals are exact to the fen', async () => {
  // Race 1: four funder organisations (five people each) subscribe 50,000 to E1, which asks 600,000: twelve fit.
  const orgs = await Promise.all([1, 2, 3, 4].map((n) => funders(5, `Racing funder ${n}`)));
  const pledges = await Promise.all(orgs.map((o) => pledge(o.users[0], 'cash', 300_000)));
  // Race 2: five people of one organisation draw 70,000 each from one 1,000,000 pledge for E2 and E3: fourteen fit.
  const shared = await funders(5, 'Shared pledge funder');
  const big = await pledge(shared.users[0], 'goods', 1_000_000);

  const race1 = orgs.flatMap((o, i) => o.users.map((u) => () => subscribe(u, pledges[i], entries.E1, 50_000)));
  const race2 = Array.from({ length: 20 }, (_, i) => () => subscribe(shared.users[i % 5], big, i % 2 ? entries.E2 : entries.E3, 70_000));
  const results = await Promise.all([...race1, ...race2].map((go) => go()));
  const [r1, r2] = [results.slice(0, 20), results.slice(20)];

  expect(r1.map((r) => r.status).sort()).toEqual([...Array(12).fill(201), ...Array(8).fill(422)]);
  for (const r of r1.filter((x) => x.status === 422)) expect(r.body).toMatchObject({ remainingFen: 0, errors: [expect.objectContaining({ rule: 'entry-need' })] });
  expect(r2.map((r) => r.status).sort()).toEqual([...Array(14).fill(201), ...Array(6).fill(422)]);
  for (const r of r2.filter((x) => x.status === 422)) expect(r.body).toMatchObject({ remainingFen: 20_000, errors: [expect.objectContaining({ rule: 'pledge-remaining' })] });

  // The database agrees with itself and with the answers: no entry past its ask, no pledge past its value.
  const subs = await stack.db('contest_subscriptions').where({ contest_id: id }).select('pledge_id', 'entry_id', 'amount_fen');
  const total = (pred: (x: { pledge_id: string; entry_id: string }) => boolean) => sum(subs.filter(pred).map((x) => Number(x.amount_fen)));
  expect(total((x) => x.entry_id === entries.E1)).toBe(600_000);
  expect(await fenOf('contest_entries', entries.E1, 'subscribed_fen')).toBe(600_000);
  for (const p of pledges) expect(await fenOf('contest_pledges', p, 'allocated_fen')).toBe(total((x) => x.pledge_id === p));
  expect(sum(await Promise.all(pledges.map((p) => fenOf('contest_pledges', p, 'allocated_fen'))))).toBe(600_000);
  expect(await fenOf('contest_pledges', big, 'allocated_fen')).toBe(980_000);
  expect(total((x) => x.pledge_id === big)).toBe(980_000);
  expect((await fenOf('contest_entries', entries.E2, 'subscribed_fen')) + (await fenOf('contest_entries', entries.E3, 'subscribed_fen'))).toBe(980_000);
  for (const e of [entries.E2, entries.E3]) expect(await fenOf('contest_entries', e, 'subscribed_fen')).toBe(total((x) => x.entry_id === e));

  // The answers each carried the running totals, and the results agree.
  const results2 = expectStatus(await as(stack, organiser).get(path('/results')), 200).body;
  expect(results2.totals.overall.subscribedFen).toBe(600_000 + 980_000 + 40_000);
  expect(results2.totals.byKind).toMatchObject({ cash: 640_000, goods: 980_000, services: 0 });
  expect(results2.entries.find((e: { entryId: string }) => e.entryId === entries.E1)).toMatchObject({ subscribedFen: 600_000, remainingNeedFen: 0 });
});

test('two API processes deciding their own batches at once never deadlock nor over-allocate, and each answer tells the totals right after its own subscription', async () => {
  // A second app with its own subscription desk on the same database, as a second API process would be.
  const other = { ...stack, app: createApp({ ...stack.deps, subscriptions: undefined }) };
  // E2 and E3 have 310,000 left each. Three funders pledge 110,000 each and send ten subscriptions of 20,000 each,
  // half through each process, alternating entries, so batches lock pledges and entries in every order. Only the
  // pledges bind: fifteen requests at most reach one entry, 300,000.
  const orgs = await Promise.all([1, 2, 3].map((n) => funders(2, `Two-process funder ${n}`)));
  const pledges = await Promise.all(orgs.map((o) => pledge(o.users[0], 'services', 110_000)));
  const sends = orgs.flatMap((o, f) =>
    Array.from({ length: 10 }, (_, k) => () =>
      as(k % 2 ? other : stack, o.users[k % 2]).post(path('/subscriptions'), { pledgeId: pledges[f], entryId: (f + k) % 2 ? entries.E2 : entries.E3, amountFen: 20_000 })),
  );
  const before = (await fenOf('contest_entries', entries.E2, 'subscribed_fen')) + (await fenOf('contest_entries', entries.E3, 'subscribed_fen'));
  const replies = await Promise.all(sends.map((go) => go()));

  pledges.forEach((pledgeId, f) => {
    const mine = replies.slice(f * 10, f * 10 + 10);
    // Five of ten fit in 110,000; the other five hear that 10,000 is left.
    expect(mine.filter((r) => r.status === 201)).toHaveLength(5);
    for (const r of mine.filter((x) => x.status !== 201)) expect(r.body).toMatchObject({ status: 422, remainingFen: 10_000, errors: [expect.objectContaining({ rule: 'pledge-remaining' })] });
    // Whatever the batching, the answers on one pledge are the five steps down from 110,000, each told once.
    const left = mine.filter((r) => r.status === 201).map((r) => r.body.pledgeRemainingFen as number).sort((a, b) => b - a);
    expect(left).toEqual([90_000, 70_000, 50_000, 30_000, 10_000]);
    expect(mine.every((r) => r.status !== 201 || r.body.pledgeId === pledgeId)).toBe(true);
  });
  for (const e of [entries.E2, entries.E3]) {
    const told = replies.filter((r) => r.status === 201 && r.body.entryId === e).map((r) => r.body.entrySubscribedFen as number).sort((a, b) => a - b);
    const final = await fenOf('contest_entries', e, 'subscribed_fen');
    // Each answer on an entry names a distinct running total, 20,000 apart, the last of them what the entry holds now.
    expect(told.at(-1)).toBe(final);
    told.forEach((t, i) => expect(final - t).toBe((told.length - 1 - i) * 20_000));
  }
  const after = (await fenOf('contest_entries', entries.E2, 'subscribed_fen')) + (await fenOf('contest_entries', entries.E3, 'subscribed_fen'));
  expect(after - before).toBe(15 * 20_000);
  for (const p of pledges) expect(await fenOf('contest_pledges', p, 'allocated_fen')).toBe(100_000);
  // Every accepted subscription has its audit row, with the request that made it.
  const audited = await stack.db('audit_log').where({ action: 'subscribe' }).whereIn('object_id', [entries.E2, entries.E3]).whereRaw("after->>'pledgeId' = any(?)", [pledges]).count({ n: '*' }).first();
  expect(Number(audited?.n)).toBe(15);
});

test('a batch whose write fails answers 500 to each of its requests, writes nothing, and the next batch goes through', async () => {
  const f = await funders(1, 'Failing-write funder');
  const pledgeId = await pledge(f.users[0], 'cash', 50_000);
  const e4Before = await fenOf('contest_entries', entries.E4, 'subscribed_fen');
  // The audit row is written last, in the batch's one write statement: refusing it fails the whole batch.
  const allow = await refuseWrites(stack.db, { table: 'audit_log', on: 'insert', when: "new.action = 'subscribe'", message: 'audit refused by the test' });
  try {
    const replies = await Promise.all([1, 2, 3].map(() => subscribe(f.users[0], pledgeId, entries.E4, 10_000)));
    for (const r of replies) expect(r.body).toMatchObject({ status: 500, type: expect.stringContaining('internal') });
    expect(await count('contest_subscriptions', { pledge_id: pledgeId })).toBe(0);
    expect(await fenOf('contest_pledges', pledgeId, 'allocated_fen')).toBe(0);
    expect(await fenOf('contest_entries', entries.E4, 'subscribed_fen')).toBe(e4Before);
  } finally {
    await allow();
  }
  // The connection went back to the pool clean: the next subscription is written, and counted from zero.
  const ok = expectStatus(await subscribe(f.users[0], pledgeId, entries.E4, 10_000), 201);
  expect(ok.body).toMatchObject({ pledgeRemainingFen: 40_000, entrySubscribedFen: e4Before + 10_000 });
  const listed = expectStatus(await as(stack, f.users[0]).get(path(`/subscriptions?entryId=${entries.E4}`)), 200).body.items as { id: string; createdAt: string }[];
  const audit = await stack.db('audit_log').where({ action: 'subscribe', object_id: entries.E4 }).whereRaw("after->>'id' = ?", [ok.body.id]).first();
  // The audit row records the subscription exactly as the API lists it.
  expect(audit?.after).toEqual(listed.find((x) => x.id === ok.body.id));
});

test('a request of a batch that cannot be written fails alone: the batch is decided again request by request, and the rest of it is written', async () => {
  const f = await funders(1, 'One-failing-write funder');
  const pledgeId = await pledge(f.users[0], 'cash', 90_000);
  const e4Before = await fenOf('contest_entries', entries.E4, 'subscribed_fen');
  const req = (amountFen: number, i: number) => ({ pledgeId, entryId: entries.E4, amountFen, funderOrganisationId: f.orgId, userId: f.users[0].id, requestId: `alone-${i}` });
  // Only the audit row of the 2,222-fen subscription is refused.
  const allow = await refuseWrites(stack.db, { table: 'audit_log', on: 'insert', when: "new.action = 'subscribe' and new.after->>'amountFen' = '2222'", message: 'audit refused by the test' });
  let outcomes: { decision: string; sqlstate?: string; body?: { id: string; pledgeRemainingFen: number; entrySubscribedFen: number } }[];
  try {
    outcomes = (await stack.db.raw('select contest_subscribe(?::uuid, ?::jsonb) as o', [id, JSON.stringify([1_111, 2_222, 3_333].map(req))])).rows[0].o;
  } finally {
    await allow();
  }
  expect(outcomes.map((o) => o.decision)).toEqual(['accepted', 'failed', 'accepted']);
  expect(outcomes[1].sqlstate).toBe('P0001');
  // Each answer tells the totals right after its own subscription, as written: the failed one counts for nothing.
  expect(outcomes[0].body).toMatchObject({ pledgeRemainingFen: 88_889, entrySubscribedFen: e4Before + 1_111 });
  expect(outcomes[2].body).toMatchObject({ pledgeRemainingFen: 85_556, entrySubscribedFen: e4Before + 4_444 });
  const written = await stack.db('contest_subscriptions').where({ pledge_id: pledgeId }).orderBy('amount_fen').select('id', 'amount_fen');
  expect(written.map((w) => [w.id, Number(w.amount_fen)])).toEqual([[outcomes[0].body!.id, 1_111], [outcomes[2].body!.id, 3_333]]);
  expect(await fenOf('contest_pledges', pledgeId, 'allocated_fen')).toBe(4_444);
  expect(await fenOf('contest_entries', entries.E4, 'subscribed_fen')).toBe(e4Before + 4_444);
  expect(await count('audit_log', { action: 'subscribe', request_id: 'alone-1' })).toBe(0);
  expect(await stack.db('audit_log').where({ action: 'subscribe' }).whereIn('request_id', ['alone-0', 'alone-2']).count({ n: '*' }).first()).toEqual({ n: '2' });
});

test('a desk whose metrics hook throws goes on deciding: one subscription after another is written', async () => {
  const desk = new SubscriptionDesk(stack.db, { onBatch: () => { throw new Error('metrics broke (test)'); } });
  const other = { ...stack, app: createApp({ ...stack.deps, subscriptions: desk }) };
  const f = await funders(1, 'Broken-metrics funder');
  const pledgeId = await pledge(f.users[0], 'goods', 20_000);
  for (const left of [15_000, 10_000]) {
    const r = expectStatus(await as(other, f.users[0]).post(path('/subscriptions'), { pledgeId, entryId: entries.E4, amountFen: 5_000 }), 201);
    expect(r.body.pledgeRemainingFen).toBe(left);
  }
});

test('a funder cancels its own subscription while in funding: the amount goes back to the pledge and the entry, and cancels racing new subscriptions leave the totals exact', async () => {
  const f = await funders(2, 'Cancelling funder');
  const other = await funders(1, 'Other funder');
  const pledgeId = await pledge(f.users[0], 'cash', 30_000);
  const e4 = () => fenOf('contest_entries', entries.E4, 'subscribed_fen');
  const before = await e4();
  const first = expectStatus(await subscribe(f.users[0], pledgeId, entries.E4, 10_000), 201).body;
  // Another organisation's funder cannot see it, let alone cancel it; a colleague of the same organisation can.
  expectStatus(await as(stack, other.users[0]).post(path(`/subscriptions/${first.id}/cancel`), {}), 404);
  const cancelled = expectStatus(await as(stack, f.users[1]).post(path(`/subscriptions/${first.id}/cancel`), { reason: '认购有误 subscribed by mistake' }), 200).body;
  expect(cancelled).toMatchObject({ id: first.id, amountFen: 10_000, cancelled: true, pledgeRemainingFen: 30_000, entrySubscribedFen: before });
  expectStatus(await as(stack, f.users[1]).post(path(`/subscriptions/${first.id}/cancel`), {}), 404);
  expect(await count('contest_subscriptions', { id: first.id })).toBe(0);
  const audit = await stack.db('audit_log').where({ action: 'unsubscribe', object_id: entries.E4 }).first();
  expect(audit.before).toMatchObject({ id: first.id, amountFen: 10_000, pledgeId });
  expect(audit.after).toEqual({ reason: '认购有误 subscribed by mistake' });

  // Three cancels racing three new subscriptions on the same pledge and entry: the totals are the rows, to the fen.
  const ids = (await Promise.all([1, 2, 3].map(() => subscribe(f.users[0], pledgeId, entries.E4, 5_000)))).map((r) => expectStatus(r, 201).body.id as string);
  const race = await Promise.all([
    ...ids.map((sid) => as(stack, f.users[1]).post(path(`/subscriptions/${sid}/cancel`), {})),
    ...[1, 2, 3].map(() => subscribe(f.users[0], pledgeId, entries.E4, 4_000)),
  ]);
  expect(race.map((r) => r.status)).toEqual([200, 200, 200, 201, 201, 201]);
  const rows = await stack.db('contest_subscriptions').where({ pledge_id: pledgeId });
  expect(sum(rows.map((r: { amount_fen: string }) => Number(r.amount_fen)))).toBe(12_000);
  expect(await fenOf('contest_pledges', pledgeId, 'allocated_fen')).toBe(12_000);
  expect(await e4()).toBe(before + 12_000);
});

test('a funder withdraws what is left of a pledge: an unsubscribed pledge goes, a subscribed one comes down to what it gave', async () => {
  const f = await funders(1, 'Withdrawing funder');
  const other = await funders(1, 'Bystander funder');
  const unused = await pledge(f.users[0], 'services', 8_000);
  const used = await pledge(f.users[0], 'goods', 20_000);
  expectStatus(await subscribe(f.users[0], used, entries.E4, 5_000), 201);
  const withdraw = (u: TestUser, pledgeId: string, body: object = {}) => as(stack, u).post(path(`/pledges/${pledgeId}/withdraw`), body);

  expectStatus(await withdraw(other.users[0], unused), 404);
  const gone = expectStatus(await withdraw(f.users[0], unused, { reason: '服务改期 service rescheduled' }), 200).body;
  expect(gone).toMatchObject({ removed: true, withdrawnFen: 8_000, pledge: { id: unused, valueFen: 8_000, allocatedFen: 0 } });
  expect(await count('contest_pledges', { id: unused })).toBe(0);
  expectStatus(await subscribe(f.users[0], unused, entries.E4, 1_000), 404);

  const kept = expectStatus(await withdraw(f.users[0], used), 200).body;
  expect(kept).toMatchObject({ removed: false, withdrawnFen: 15_000, pledge: { id: used, valueFen: 5_000, allocatedFen: 5_000, remainingFen: 0 } });
  const more = await subscribe(f.users[0], used, entries.E4, 1_000);
  expect(more.body).toMatchObject({ status: 422, remainingFen: 0, errors: [expect.objectContaining({ rule: 'pledge-remaining' })] });
  const again = await withdraw(f.users[0], used);
  expect(again.body).toMatchObject({ status: 422, errors: [expect.objectContaining({ field: '/params/pledgeId', rule: 'pledge-fully-subscribed' })] });
  const audit = await stack.db('audit_log').where({ action: 'withdraw_pledge', object_id: id }).orderBy('id');
  expect(audit.map((a: { after: { withdrawnFen: number; reason: string | null } }) => a.after)).toEqual([
    expect.objectContaining({ withdrawnFen: 8_000, reason: '服务改期 service rescheduled', pledge: null }),
    expect.objectContaining({ withdrawnFen: 15_000, reason: null }),
  ]);
});

// The database function contest_subscribe decides a batch; checkSubscription is the reference it must agree with.
// Each run calls the function inside a transaction that is then rolled back, so the runs leave nothing behind.
describe('the funding desk function agrees with its reference, checkSubscription', () => {
  const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
  class Rollback extends Error {}
  type P = { org: string; value: number; alloc: number };
  type E = { status: string; asked: number; sub: number; matching: number; rank: number | null };
  type Req = { pledgeId: string; entryId: string; amountFen: number; funderOrganisationId: string; userId: string; requestId: string };

  function decisionOf(err: unknown): string {
    if (err instanceof IllegalMoveError) return 'phase';
    if (err instanceof NotFoundError) return `${/No such (\w+)/.exec(err.message)?.[1]}-not-found`;
    if (err instanceof BusinessRuleError) return (err.extensions.errors as { rule: string }[])[0].rule;
    throw err;
  }

  function reference(phase: string | null, pledges: Map<string, P>, entries: Map<string, E>, reqs: Req[]): string[] {
    return reqs.map((r) => {
      const p = UUID.test(r.pledgeId) ? pledges.get(r.pledgeId.toLowerCase()) : undefined;
      const e = UUID.test(r.entryId) ? entries.get(r.entryId.toLowerCase()) : undefined;
      const look = phase === null ? undefined : {
        phase, funderOrganisationId: p?.org ?? null, pledgeLeftFen: p ? p.value - p.alloc : null,
        entryStatus: e?.status ?? null, entryLeftFen: e ? e.asked - e.sub - e.matching : null, rank: e?.rank ?? null,
      };
      try {
        checkSubscription(look, r.amountFen, r.funderOrganisationId);
      } catch (err) {
        return decisionOf(err);
      }
      p!.alloc += r.amountFen;
      e!.sub += r.amountFen;
      return 'accepted';
    });
  }

  test('on random batches (pledges of several funders, ranked, unranked, unknown and malformed ids, any phase) both decide every request alike, the batch form and the isolating form answer alike, and the totals move by what was accepted', async () => {
    const a = await funders(1, 'Property funder A');
    const b = await funders(1, 'Property funder B');
    const pledgeIds = [await pledge(a.users[0], 'cash', 150_000), await pledge(a.users[0], 'goods', 40_000), await pledge(b.users[0], 'services', 90_000)];
    const unknown = '00000000-0000-4000-8000-000000000000';
    const pledgeChoices = [...pledgeIds, pledgeIds[0].toUpperCase(), unknown, `urn:uuid:${pledgeIds[0]}`, 'not-a-uuid'];
    const entryChoices = [entries.E1, entries.E2, entries.E3, entries.E4, entries.U, unknown, `urn:uuid:${entries.E4}`, `{${entries.E1}}`];
    const funderChoices = [a, b].map((f) => ({ org: f.orgId, user: f.users[0].id }));
    const request = fc.record({
      pledgeId: fc.constantFrom(...pledgeChoices),
      entryId: fc.constantFrom(...entryChoices),
      amountFen: fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 200_000 })),
      funder: fc.constantFrom(...funderChoices),
    });
    const batch = fc.record({ phase: fc.constantFrom('funding', 'funding', 'funding', 'results', 'awarded', 'draft'), reqs: fc.array(request, { minLength: 1, maxLength: 15 }) });
    let accepted = 0;
    const phaseBefore = (await stack.db('contests').where({ id }).first('phase')).phase as string;
    await fc.assert(
      fc.asyncProperty(batch, async ({ phase, reqs }) => {
        await stack.db.transaction(async (trx) => {
          await trx('contests').where({ id }).update({ phase });
          const c = await trx('contests').where({ id }).first('final_ranking_id');
          const pledges = new Map<string, P>((await trx('contest_pledges').where({ contest_id: id })).map((p) => [p.id, { org: p.funder_organisation_id, value: Number(p.value_fen), alloc: Number(p.allocated_fen) }]));
          const ranks = new Map<string, number>((await trx('contest_ranking_entries').where({ ranking_id: c.final_ranking_id })).map((r) => [r.entry_id, r.rank]));
          const entryState = new Map<string, E>((await trx('contest_entries').where({ contest_id: id })).map((e) => [e.id, { status: e.status, asked: Number(e.amount_asked_fen), sub: Number(e.subscribed_fen), matching: Number(e.matching_fen), rank: ranks.get(e.id) ?? null }]));
          const before = { pledges: new Map([...pledges].map(([k, v]) => [k, { ...v }])), entries: new Map([...entryState].map(([k, v]) => [k, { ...v }])) };
          const input: Req[] = reqs.map((r, i) => ({ pledgeId: r.pledgeId, entryId: r.entryId, amountFen: r.amountFen, funderOrganisationId: r.funder.org, userId: r.funder.user, requestId: `prop-${i}` }));

          // The isolating form (a subtransaction per request) first, in a savepoint rolled back, then the desk's
          // batch form: both answer alike, looks and bodies included (but the new subscription's id).
          let isolated: unknown[] = [];
          await trx.transaction(async (sp) => {
            isolated = (await sp.raw('select contest_subscribe_each(?::uuid, ?::jsonb) as o', [id, JSON.stringify(input)])).rows[0].o as unknown[];
            throw new Rollback();
          }).catch((err) => {
            if (!(err instanceof Rollback)) throw err;
          });
          const outcomes = (await trx.raw('select contest_subscribe(?::uuid, ?::jsonb) as o', [id, JSON.stringify(input)])).rows[0].o as { decision: string }[];
          const expected = reference(phase, pledges, entryState, input);
          expect(outcomes.map((o) => o.decision)).toEqual(expected);
          const withoutIds = (os: unknown[]) => JSON.parse(JSON.stringify(os, (k, v) => (k === 'id' ? 'new' : v)));
          expect(withoutIds(outcomes)).toEqual(withoutIds(isolated));
          accepted += expected.filter((d) => d === 'accepted').length;

          // What the function wrote is what the reference accepted, to the fen.
          for (const [pid, p] of pledges) expect({ pid, alloc: Number((await trx('contest_pledges').where({ id: pid }).first('allocated_fen')).allocated_fen) }).toEqual({ pid, alloc: p.alloc });
          for (const [eid, e] of entryState) expect({ eid, sub: Number((await trx('contest_entries').where({ id: eid }).first('subscribed_fen')).subscribed_fen) }).toEqual({ eid, sub: e.sub });
          const written = Number((await trx('contest_subscriptions').where({ contest_id: id }).whereIn('created_by', funderChoices.map((f) => f.user)).count({ n: '*' }).first())!.n);
          expect(written).toBe(expected.filter((d) => d === 'accepted').length);
          expect(before.pledges.size).toBe(pledges.size);
          throw new Rollback();
        }).catch((err) => {
          if (!(err instanceof Rollback)) throw err;
        });
      }),
      { numRuns: 60, seed: 20261202 },
    );
    // The generator reached acceptances, not only refusals; and the rollbacks left nothing.
    expect(accepted).toBeGreaterThan(5);
    expect(await count('contest_subscriptions', { created_by: a.users[0].id })).toBe(0);
    expect((await stack.db('contests').where({ id }).first('phase')).phase).toBe(phaseBefore);
  });
});

test('after the award every move but closing is refused with 409 naming the phase, and so are pledges and subscriptions', async () => {
  const f = await funders(1, 'Late funder');
  const p = await pledge(f.users[0], 'cash', 10_000);
  expectStatus(await as(stack, organiser).post(path('/award'), { startDate: '2027-01-01', endDate: '2027-06-30', finalTranchePercent: 20 }), 200);
  const before = await count('contest_subscriptions', { contest_id: id });
  for (const [move, body] of [['open-entries', {}], ['close-entries', {}], ['start-judging', {}], ['close-round', {}], ['publish-ranking', {}], ['award', { startDate: '2027-01-01', endDate: '2027-06-30' }], ['cancel', { reason: 'too late' }]] as const) {
    const res = await as(stack, organiser).post(path(`/${move}`), body);
    expect({ move, status: res.status, currentStage: res.body.currentStage }).toEqual({ move, status: 409, currentStage: 'awarded' });
  }
  const sub = await subscribe(f.users[0], p, entries.E4, 1_000);
  expect({ status: sub.status, currentStage: sub.body.currentStage }).toEqual({ status: 409, currentStage: 'awarded' });
  const pl = await as(stack, f.users[0]).post(path('/pledges'), { kind: 'cash', valueFen: 1_000 });
  expect({ status: pl.status, currentStage: pl.body.currentStage }).toEqual({ status: 409, currentStage: 'awarded' });
  const cancel = await as(stack, f.users[0]).post(path('/subscriptions/00000000-0000-4000-8000-000000000000/cancel'), {});
  expect({ status: cancel.status, currentStage: cancel.body.currentStage }).toEqual({ status: 409, currentStage: 'awarded' });
  const withdrawn = await as(stack, f.users[0]).post(path(`/pledges/${p}/withdraw`), {});
  expect({ status: withdrawn.status, currentStage: withdrawn.body.currentStage }).toEqual({ status: 409, currentStage: 'awarded' });
  expect(await count('contest_subscriptions', { contest_id: id })).toBe(before);
  // E1 was fully subscribed: its agreement is the 600,000 with 20% held back; U (not ranked) is back in the library.
  const e1 = await stack.db('contest_entries').where({ id: entries.E1 }).first();
  expect(e1.status).toBe('awarded');
  expect((await stack.db('agreements').where({ project_id: e1.project_id }).first()).tranches).toEqual([
    { name: '首期 (first tranche)', amountFen: 480_000, releaseOn: '2027-01-01' },
    { name: '尾款 (final tranche, after evaluation)', amountFen: 120_000, releaseOn: '2027-06-30' },
  ]);
  const u = await stack.db('contest_entries').where({ id: entries.U }).first();
  expect(u.status).toBe('not_awarded');
  expect((await stack.db('projects').where({ id: u.project_id }).first()).stage).toBe('approved');
  expectStatus(await as(stack, organiser).post(path('/close')), 200);
});

test('more judges per entry than judges free of conflict: starting judging is refused with 422 naming the entries that cannot be covered', async () => {
  const orgB = await seedOrganisation(stack, s, { name: 'Conflicted org' });
  const [member, free] = await Promise.all([createUser(stack, ['reviewer'], { organisationId: orgB }), createUser(stack, ['reviewer'])]);
  const other = await createUser(stack, ['reviewer']);
  const [pA, pB] = await seedApprovedProjects(stack, s, reviewer, [{ organisationId: s.organisationId, title: 'Covered', amountAskedFen: 50_000 }, { organisationId: orgB, title: 'Not covered', amountAskedFen: 50_000 }]);
  const cid = await openContest(stack, organiser, contestBody(s, { rounds: [onlineRound({ judgesPerEntry: 3 })] }));
  const [, eB] = await enterProjects(stack, organiser, cid, [{ projectId: pA, trackKey: 'elderly' }, { projectId: pB, trackKey: 'children' }]);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${cid}/close-entries`), 200);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${cid}/judges`, { userIds: [member.id, free.id, other.id] }), 200);
  const res = await as(stack, organiser).post(`/api/v1/contests/${cid}/start-judging`);
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: `/entries/${eB}`, rule: 'judges-free-of-conflict' })]);
  expect(res.body.uncoverable).toEqual([expect.objectContaining({ entryId: eB, title: 'Not covered', eligibleJudges: 2 })]);
  expect(await count('contest_assignments', { contest_id: cid })).toBe(0);
  expect((await stack.db('contests').where({ id: cid }).first()).phase).toBe('screening');
});
