import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** One weekly slot a volunteer declares (Asia/Shanghai wall time): weekday 1 = Monday … 7 = Sunday. */
export interface AvailabilitySlot {
  weekday: number;
  from: string; // HH:MM
  to: string; // HH:MM
}

export interface VolunteerRow {
  id: string;
  name: string;
  phone: string | null;
  id_number_masked: string | null;
  skills: string[];
  community_ids: string[];
  availability: AvailabilitySlot[];
  organisation_id: string | null;
  user_id: string | null;
  region_path: string | null;
  created_at: Date;
}

export interface VolunteerInput {
  name: string;
  phone?: string | null;
  idNumber?: string | null;
  skills?: string[];
  communityIds?: string[];
  availability?: AvailabilitySlot[];
  organisationId?: string | null;
  userId?: string | null;
  projectIds?: string[];
}

/** Only a masked ID number is ever stored: the first four and the last four characters. */
export function maskIdNumber(id: string): string {
  return id.length <= 8 ? '*'.repeat(id.length) : `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
}

export async function insertVolunteer(trx: Knex.Transaction, input: VolunteerInput, regionPath: string | null): Promise<VolunteerRow> {
  const [row] = await trx<VolunteerRow>('volunteers')
    .insert({
      name: input.name, phone: input.phone ?? null, id_number_masked: input.idNumber ? maskIdNumber(input.idNumber) : null, skills: input.skills ?? [],
      community_ids: input.communityIds ?? [], availability: JSON.stringify(input.availability ?? []) as never, organisation_id: input.organisationId ?? null,
      user_id: input.userId ?? null, region_path: regionPath,
    })
    .returning('*');
  if (input.projectIds?.length) await trx('volunteer_projects').insert(input.projectIds.map((p) => ({ volunteer_id: row.id, project_id: p }))).onConflict(['volunteer_id', 'project_id']).ignore();
  return row;
}

export function findVolunteer(db: Db, id: string): Promise<VolunteerRow | undefined> {
  return db<VolunteerRow>('volunteers').where({ id }).first();
}

export function findVolunteerByUser(db: Db, userId: string): Promise<VolunteerRow | undefined> {
  return db<VolunteerRow>('volunteers').where({ user_id: userId }).first();
}

export async function volunteerProjects(db: Db, id: string): Promise<string[]> {
  return (await db('volunteer_projects').where({ volunteer_id: id }).orderBy('project_id').pluck('project_id')) as string[];
}

/** Volunteers an organisation registered, or in a region subtree (null = everywhere). */
export function volunteersQuery(db: Db, scope: { organisationId?: string | null; regionPath?: string | null }): Knex.QueryBuilder {
  const q = db('volunteers').select('volunteers.*');
  if (scope.organisationId) q.where('volunteers.organisation_id', scope.organisationId);
  if (scope.regionPath) q.whereLike('volunteers.region_path', `${scope.regionPath.replace(/[\\%_]/g, '\\$&')}%`);
  return q;
}

/** What dispatch ranks: volunteers who serve the community or sit in the region above it, with their open orders. */
export interface CandidateRow {
  id: string;
  name: string;
  skills: string[];
  community_ids: string[];
  availability: AvailabilitySlot[];
  user_id: string | null;
  organisation_id: string | null;
  open_orders: number;
}

export async function candidateVolunteers(db: Db, communityId: string, streetPath: string): Promise<CandidateRow[]> {
  return db('volunteers as v')
    .where((w) => w.whereRaw('? = ANY(v.community_ids)', [communityId]).orWhereLike('v.region_path', `${streetPath.replace(/[\\%_]/g, '\\$&')}%`))
    .select('v.id', 'v.name', 'v.skills', 'v.community_ids', 'v.availability', 'v.user_id', 'v.organisation_id')
    .select(db.raw(`(select count(*)::int from service_orders o where o.assignee_volunteer_id = v.id and o.status in ('dispatched','accepted','in_service')) as open_orders`))
    .orderBy('v.id')
    .limit(500);
}
