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
  failed_logins: number;
  locked_until: Date | null;
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
