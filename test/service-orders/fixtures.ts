import crypto from 'node:crypto';
import { createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedApprovedProject, seedProgramme, type Seeded } from '../helpers/projects';
import { agreementTerms } from '../helpers/lifecycle';
import { executeProjectUpdate } from '../../api/projects/service';
import { fundDirectly } from '../../workflows/messages';
import { executeOrderUpdate, startOrder } from '../../api/service-orders/workflow';
import { dispatchOrder, type OrderDraft, type OrderTerms, type OrderView } from '../../workflows/service-order/messages';
import { principalForTokenHash, type Principal } from '../../api/auth';

/** A community with a project in delivery, its service menu, a dispatcher, a street officer, a resident and volunteers with accounts. */
export interface OrderWorld {
  s: Seeded;
  streetPath: string;
  streetId: string;
  projectId: string;
  menuItemId: string;
  dispatcher: TestUser;
  streetOfficer: TestUser;
  resident: TestUser;
  applicant: TestUser;
  volunteers: { id: string; user: TestUser }[];
}

/** A project of this organisation in the seeded community, driven through review and funded directly: in delivery. */
export async function seedDeliveringProject(stack: Stack, s: Seeded, bossId: string, opts: { organisationId?: string; title?: string } = {}): Promise<string> {
  const projectId = await seedApprovedProject(stack, s, bossId, opts);
  const agreement = { ...agreementTerms(), fundingSources: [{ funderOrganisationId: null, name: 'Street office', kind: 'government' as const, valueFen: 5_000_000 }] };
  await executeProjectUpdate(stack.deps, projectId, fundDirectly, { actorId: bossId, agreement });
  return projectId;
}

/** `seeded`: a region tree, organisation and programme made beforehand (e.g. a programme created through the API). */
export async function seedOrderWorld(stack: Stack, opts: { volunteers?: number; terms?: Partial<OrderTerms>; seeded?: Seeded } = {}): Promise<OrderWorld> {
  const s = opts.seeded ?? (await seedProgramme(stack));
  if (opts.terms) await stack.db('programmes').where({ id: s.programmeId }).update({ rules: JSON.stringify({ ...s.rules, serviceOrders: opts.terms }) });
  const community = await stack.db('regions').where({ id: s.communityId }).first('parent_id');
  const street = await stack.db('regions').where({ id: community.parent_id }).first('id', 'path');
  const boss = await createUser(stack, ['officer', 'reviewer']);
  const projectId = await seedDeliveringProject(stack, s, boss.id);
  const [menu] = await stack.db('service_menu_items')
    .insert({ project_id: projectId, name: 'Home visit 上门探访', category: 'companionship', target_groups: ['elderly'], community_ids: [s.communityId], capacity_per_week: 50, skills: ['companionship'] })
    .returning('id');
  const [dispatcher, streetOfficer, resident, applicant] = await Promise.all([
    createUser(stack, ['dispatcher'], { regionId: s.communityId }),
    createUser(stack, ['officer'], { regionId: street.id }),
    createUser(stack, ['resident'], { regionId: s.communityId }),
    createUser(stack, ['applicant'], { organisationId: s.organisationId }),
  ]);
  const volunteers = [];
  for (let i = 0; i < (opts.volunteers ?? 2); i++) {
    const user = await createUser(stack, ['applicant'], { organisationId: s.organisationId });
    const [v] = await stack.db('volunteers')
      .insert({ name: `志愿者${i}`, phone: `1390000${String(1000 + i)}`, id_number_masked: '3301**********0011', skills: ['companionship'], community_ids: [s.communityId], organisation_id: s.organisationId, user_id: user.id, region_path: s.communityPath })
      .returning('id');
    volunteers.push({ id: v.id as string, user });
  }
  return { s, streetPath: street.path, streetId: street.id, projectId, menuItemId: menu.id, dispatcher, streetOfficer, resident, applicant, volunteers };
}

export function draftFor(w: OrderWorld, orderedBy: string, extra: Partial<OrderDraft> = {}): OrderDraft {
  const from = new Date(Date.now() + 86_400_000);
  return {
    menuItemId: w.menuItemId, projectId: w.projectId, category: 'companionship', communityId: w.s.communityId, residentId: w.resident.id, residentName: '王阿姨',
    phone: '13812345678', address: '幸福小区3号楼2单元501', windowFrom: from.toISOString(), windowTo: new Date(from.getTime() + 7_200_000).toISOString(), need: 'A chat and help with shopping', orderedBy, ...extra,
  };
}

/** Places an order straight on the workflow (the API's own service call), with the world's terms. */
export async function placeOrder(stack: Stack, w: OrderWorld, terms: OrderTerms, extra: Partial<OrderDraft> = {}): Promise<{ orderId: string; view: OrderView }> {
  const orderId = crypto.randomUUID();
  const view = await startOrder(stack.deps, { orderId, regionPath: w.s.communityPath, streetPath: w.streetPath, projectOrganisationId: w.s.organisationId, terms }, { actorId: w.resident.id, draft: draftFor(w, w.resident.id, extra) });
  return { orderId, view };
}

/** Dispatches an order to the world's volunteer `i`, as the community's dispatcher (the workflow's own update). */
export function dispatchToVolunteer(stack: Stack, w: OrderWorld, orderId: string, i: number): Promise<OrderView> {
  return executeOrderUpdate(stack.deps, orderId, dispatchOrder, { actorId: w.dispatcher.id, kind: 'volunteer', volunteerId: w.volunteers[i].id, organisationId: null, userId: w.volunteers[i].user.id });
}

export async function openTasks(stack: Stack, orderId: string): Promise<string[]> {
  const rows = await stack.db('tasks').whereLike('key', `order:${orderId}:%`).where('status', 'open').orderBy('key').select('key', 'kind', 'user_id', 'role', 'region_path', 'organisation_id');
  return rows.map((r) => `${r.kind}->${r.user_id ?? `${r.role}@${r.region_path ?? r.organisation_id}`}`);
}

/** The principal a request by this user would carry (services take it, as the handlers will pass it). */
export async function principal(stack: Stack, user: TestUser): Promise<Principal> {
  const tokenHash = crypto.createHash('sha256').update(user.token).digest('hex');
  const p = await principalForTokenHash(stack.db, tokenHash, new Date());
  if (p) return p;
  const row = await stack.db('users as u').leftJoin('regions as r', 'r.id', 'u.region_id').where('u.id', user.id).first('u.*', 'r.path as region_path');
  return { id: row.id, login: row.login, displayName: row.display_name, roles: row.roles, organisationId: row.organisation_id, regionId: row.region_id, regionPath: row.region_path, tokenHash: '', sessionExpiresAt: new Date(Date.now() + 3_600_000).toISOString() };
}
