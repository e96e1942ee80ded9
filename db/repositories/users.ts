import type { Knex } from 'knex';

export const ROLES = ['admin', 'officer', 'organiser', 'reviewer', 'supervisor', 'evaluator', 'applicant', 'funder', 'resident', 'dispatcher'] as const;
export type Role = (typeof ROLES)[number];

export interface UserRow {
  id: string;
  login: string;
  display_name: string;
  password_hash: string;
  roles: Role[];
  organisation_id: string | null;
  region_id: string | null;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface User {
  id: string;
  login: string;
  displayName: string;
  roles: Role[];
  organisationId: string | null;
  regionId: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    login: r.login,
    displayName: r.display_name,
    roles: r.roles,
    organisationId: r.organisation_id,
    regionId: r.region_id,
    disabled: r.disabled,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function findUserByLogin(db: Knex | Knex.Transaction, login: string): Promise<UserRow | undefined> {
  return db<UserRow>('users').whereRaw('lower(login) = lower(?)', [login]).first();
}

export function findUser(db: Knex | Knex.Transaction, id: string): Promise<UserRow | undefined> {
  return db<UserRow>('users').where({ id }).first();
}

export interface UserFilter {
  role?: Role;
  organisationId?: string;
  q?: string;
}

/** The accounts matching a filter, as a query the caller pages. */
export function usersQuery(db: Knex | Knex.Transaction, filter: UserFilter, like: (text: string) => string): Knex.QueryBuilder {
  const q = db<UserRow>('users').select('users.*');
  if (filter.role) q.whereRaw('? = ANY(roles)', [filter.role]);
  if (filter.organisationId) q.where('organisation_id', filter.organisationId);
  if (filter.q) {
    const pattern = like(filter.q);
    q.where((w) => w.whereILike('login', pattern).orWhereILike('display_name', pattern));
  }
  return q;
}

/** A person as others see them when picking someone for a job: no login, no region scope. */
export interface Person {
  id: string;
  displayName: string;
  roles: Role[];
  organisation: { id: string; name: string } | null;
}

export interface PersonRow {
  id: string;
  display_name: string;
  roles: Role[];
  organisation_id: string | null;
  organisation_name: string | null;
  created_at: Date;
}

/** Enabled accounts with a role, for the officer or organiser who assigns supervisors, evaluators, reviewers or judges. */
export function peopleQuery(db: Knex | Knex.Transaction, filter: { role: Role; q?: string; id?: string }, like: (text: string) => string): Knex.QueryBuilder {
  const q = db('users')
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select('users.id', 'users.display_name', 'users.roles', 'users.organisation_id', 'organisations.name as organisation_name', 'users.created_at')
    .where('users.disabled', false)
    .whereRaw('? = ANY(users.roles)', [filter.role]);
  if (filter.q) q.whereILike('users.display_name', like(filter.q));
  if (filter.id) q.where('users.id', filter.id);
  return q;
}

export function toPerson(r: PersonRow): Person {
  return { id: r.id, displayName: r.display_name, roles: r.roles, organisation: r.organisation_id ? { id: r.organisation_id, name: r.organisation_name ?? '' } : null };
}

export async function insertUser(
  trx: Knex.Transaction,
  u: { login: string; displayName: string; passwordHash: string; roles: Role[]; organisationId: string | null; regionId: string | null; disabled: boolean },
): Promise<UserRow> {
  const [created] = await trx<UserRow>('users')
    .insert({ login: u.login, display_name: u.displayName, password_hash: u.passwordHash, roles: u.roles, organisation_id: u.organisationId, region_id: u.regionId, disabled: u.disabled })
    .returning('*');
  return created;
}

export function lockUser(trx: Knex.Transaction, id: string): Promise<UserRow | undefined> {
  return trx<UserRow>('users').where({ id }).forUpdate().first();
}

export async function updateUser(trx: Knex.Transaction, id: string, patch: Partial<UserRow>): Promise<UserRow> {
  const [after] = await trx<UserRow>('users').where({ id }).update(patch).returning('*');
  return after;
}
