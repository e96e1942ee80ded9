import crypto from 'node:crypto';
import { startStack, createUser, creditCode, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { expectStatus } from '../helpers/lifecycle';
import { seedProject } from '../helpers/projects';
import { seedDeliveringProject, seedOrderWorld, type OrderWorld } from './fixtures';

// 派单 to a project team: the candidates name the team(s) beside the volunteers, and a team's applicant accepts.

let stack: Stack;
let w: OrderWorld;

beforeAll(async () => {
  stack = await startStack();
  w = await seedOrderWorld(stack, { volunteers: 1 });
  await stack.db('organisations').where({ id: w.s.organisationId }).update({ name: 'Bravo social work centre' });
});
afterAll(async () => {
  await stack.close();
});

const soon = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
const orderBody = (extra: object = {}) => ({ communityId: w.s.communityId, phone: '13812345678', address: '幸福小区3号楼2单元501', windowFrom: soon(24), windowTo: soon(26), need: '陪同就医', ...extra });

let orgSeq = 0;
async function organisation(name: string, id: string = crypto.randomUUID()): Promise<string> {
  await stack.db('organisations').insert({
    id, name, kind: 'social_work_organisation', grade: '4A', credit_code: creditCode(800_000 + ++orgSeq), staff_count: 8, certified_social_worker_count: 5, volunteer_count: 10, region_id: w.s.communityId,
  });
  return id;
}

async function menuItem(projectId: string, category: string, communityIds: string[]): Promise<void> {
  await stack.db('service_menu_items').insert({ project_id: projectId, name: `${category} service`, category, target_groups: ['elderly'], community_ids: communityIds, capacity_per_week: 10, skills: [category] });
}

test("when an order from the menu waits for dispatch, the candidates name the menu project's team beside the volunteers, and once dispatched to it only that organisation's applicant may accept", async () => {
  const otherOrg = await organisation('Stranger centre');
  const stranger = await createUser(stack, ['applicant'], { organisationId: otherOrg });
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody({ menuItemId: w.menuItemId })), 201).body;

  const candidates = expectStatus(await as(stack, w.dispatcher).get(`/api/v1/service-orders/${order.id}/candidates`), 200).body;

  expect(candidates.teams).toEqual([{ organisationId: w.s.organisationId, name: 'Bravo social work centre' }]);
  expect(candidates.items.map((c: { volunteerId: string }) => c.volunteerId)).toEqual([w.volunteers[0].id]);
  const dispatched = expectStatus(await as(stack, w.dispatcher).post(`/api/v1/service-orders/${order.id}/dispatch`, { organisationId: candidates.teams[0].organisationId }), 200).body;
  expect(dispatched).toMatchObject({ status: 'dispatched', assignee: { kind: 'team', organisationId: w.s.organisationId, volunteerId: null } });
  // The team's task goes to every applicant of the organisation.
  const inbox = expectStatus(await as(stack, w.applicant).get('/api/v1/me/tasks?status=open'), 200).body.items;
  expect(inbox.filter((t: { kind: string }) => t.kind === 'accept_order')).toHaveLength(1);

  const refused = await as(stack, stranger).post(`/api/v1/service-orders/${order.id}/accept`);
  const accepted = await as(stack, w.applicant).post(`/api/v1/service-orders/${order.id}/accept`);

  // Another organisation's applicant does not even see the order.
  expect(refused.status).toBe(404);
  expect(expectStatus(accepted, 200).body).toMatchObject({ status: 'accepted', acceptedBy: w.applicant.id, assignee: { kind: 'team', organisationId: w.s.organisationId } });
  expect(await stack.db('service_orders').where({ id: order.id }).first('status', 'assignee_kind', 'assignee_organisation_id', 'assignee_volunteer_id', 'accepted_by')).toEqual({
    status: 'accepted', assignee_kind: 'team', assignee_organisation_id: w.s.organisationId, assignee_volunteer_id: null, accepted_by: w.applicant.id,
  });
  expect(await stack.db('service_order_dispatches').where({ order_id: order.id }).select('assignee_kind', 'organisation_id', 'outcome')).toEqual([
    { assignee_kind: 'team', organisation_id: w.s.organisationId, outcome: 'accepted' },
  ]);
});

test('when a need is stated in a category, the team candidates are the organisations whose delivering projects offer it in the community, by name', async () => {
  const boss = await createUser(stack, ['officer', 'reviewer']);
  const elsewhere = crypto.randomUUID();
  await stack.db('regions').insert({ id: elsewhere, parent_id: w.streetId, level: 'community', name: 'Elsewhere', path: `${w.streetPath}${elsewhere}/` });
  // Alpha sorts first by name and last by id.
  const alpha = await organisation('Alpha social work centre', 'ffffffff-ffff-4fff-bfff-ffffffffffff');
  const designing = await organisation('Designing centre');
  const wrong = await organisation('Cooking centre');
  await menuItem(await seedDeliveringProject(stack, w.s, boss.id, { organisationId: alpha }), 'companionship', [w.s.communityId]);
  // Not delivering yet; and delivering, but the category only in another community and another category here.
  await menuItem(await seedProject(stack, w.s, { organisationId: designing }), 'companionship', [w.s.communityId]);
  const cooking = await seedDeliveringProject(stack, w.s, boss.id, { organisationId: wrong });
  await menuItem(cooking, 'companionship', [elsewhere]);
  await menuItem(cooking, 'cooking', [w.s.communityId]);
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody({ category: 'companionship' })), 201).body;
  expect(order.menuItemId).toBeNull();

  const candidates = expectStatus(await as(stack, w.dispatcher).get(`/api/v1/service-orders/${order.id}/candidates`), 200).body;

  expect(candidates.teams).toEqual([
    { organisationId: alpha, name: 'Alpha social work centre' },
    { organisationId: w.s.organisationId, name: 'Bravo social work centre' },
  ]);
  expect(candidates.items.map((c: { volunteerId: string }) => c.volunteerId)).toEqual([w.volunteers[0].id]);
});

test('when a dispatcher names an organisation that runs no project in delivery as the team, it is refused naming the field and the order still waits', async () => {
  const idle = await organisation('Idle centre');
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody({ menuItemId: w.menuItemId })), 201).body;

  const res = await as(stack, w.dispatcher).post(`/api/v1/service-orders/${order.id}/dispatch`, { organisationId: idle });

  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/organisationId', rule: 'team-delivering' })]);
  expect(await stack.db('service_orders').where({ id: order.id }).first('status', 'assignee_kind')).toEqual({ status: 'ordered', assignee_kind: null });
  expect(await stack.db('service_order_dispatches').where({ order_id: order.id }).count({ n: '*' }).first()).toEqual({ n: '0' });
});

test('when more than ten organisations deliver the category in the community, the candidates name the first ten by name', async () => {
  const boss = await createUser(stack, ['officer', 'reviewer']);
  const names = Array.from({ length: 11 }, (_, i) => `Haircut team ${String(i + 1).padStart(2, '0')}`);
  const orgs = await Promise.all(names.map((n) => organisation(n)));
  for (const org of orgs) await menuItem(await seedDeliveringProject(stack, w.s, boss.id, { organisationId: org }), 'haircut', [w.s.communityId]);
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody({ category: 'haircut' })), 201).body;

  const candidates = expectStatus(await as(stack, w.dispatcher).get(`/api/v1/service-orders/${order.id}/candidates`), 200).body;

  expect(candidates.teams.map((t: { name: string }) => t.name)).toEqual(names.slice(0, 10));
  expect(candidates.teams.map((t: { organisationId: string }) => t.organisationId)).toEqual(orgs.slice(0, 10));
});
