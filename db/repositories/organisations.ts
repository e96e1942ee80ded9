import type { Knex } from 'knex';

export type OrganisationKind = 'social_work_organisation' | 'community' | 'company' | 'foundation' | 'government_unit';
export type Grade = '1A' | '2A' | '3A' | '4A' | '5A';

export interface OrganisationRow {
  id: string;
  name: string;
  kind: OrganisationKind;
  grade: Grade | null;
  credit_code: string;
  staff_count: number;
  certified_social_worker_count: number;
  volunteer_count: number;
  region_id: string | null;
  contact: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface Organisation {
  id: string;
  name: string;
  kind: OrganisationKind;
  grade: Grade | null;
  creditCode: string;
  staffCount: number;
  certifiedSocialWorkerCount: number;
  volunteerCount: number;
  regionId: string | null;
  contact: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toOrganisation(r: OrganisationRow): Organisation {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    grade: r.grade,
    creditCode: r.credit_code,
    staffCount: r.staff_count,
    certifiedSocialWorkerCount: r.certified_social_worker_count,
    volunteerCount: r.volunteer_count,
    regionId: r.region_id,
    contact: r.contact,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function findOrganisation(db: Knex | Knex.Transaction, id: string): Promise<OrganisationRow | undefined> {
  return db<OrganisationRow>('organisations').where({ id }).first();
}

// Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from this alphabet,
// the last a check character computed from the first 17 with these weights, modulo 31.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function creditCodeCheckChar(first17: string): string | null {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = ALPHABET.indexOf(first17[i]);
    if (v < 0) return null;
    sum += v * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

export function isValidCreditCode(code: string): boolean {
  return /^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code) && creditCodeCheckChar(code.slice(0, 17)) === code[17];
}

export interface OrganisationFilter {
  kind?: OrganisationKind;
  grade?: Grade;
  regionId?: string;
  q?: string;
}

/** The organisations matching a filter, as a query the caller pages. */
export function organisationsQuery(db: Knex | Knex.Transaction, filter: OrganisationFilter, like: (text: string) => string): Knex.QueryBuilder {
  const q = db<OrganisationRow>('organisations').select('organisations.*');
  if (filter.kind) q.where('kind', filter.kind);
  if (filter.grade) q.where('grade', filter.grade);
  if (filter.regionId) q.where('region_id', filter.regionId);
  if (filter.q) q.whereILike('name', like(filter.q));
  return q;
}

export interface OrganisationFields {
  name?: string;
  kind?: OrganisationKind;
  grade?: Grade | null;
  creditCode?: string;
  staffCount?: number;
  certifiedSocialWorkerCount?: number;
  volunteerCount?: number;
  regionId?: string | null;
  contact?: string | null;
}

function toRow(input: OrganisationFields): Partial<OrganisationRow> {
  const row: Partial<OrganisationRow> = {};
  if (input.name !== undefined) row.name = input.name;
  if (input.kind !== undefined) row.kind = input.kind;
  if (input.grade !== undefined) row.grade = input.grade;
  if (input.creditCode !== undefined) row.credit_code = input.creditCode;
  if (input.staffCount !== undefined) row.staff_count = input.staffCount;
  if (input.certifiedSocialWorkerCount !== undefined) row.certified_social_worker_count = input.certifiedSocialWorkerCount;
  if (input.volunteerCount !== undefined) row.volunteer_count = input.volunteerCount;
  if (input.regionId !== undefined) row.region_id = input.regionId;
  if (input.contact !== undefined) row.contact = input.contact;
  return row;
}

export async function insertOrganisation(trx: Knex.Transaction, input: OrganisationFields): Promise<OrganisationRow> {
  const [created] = await trx<OrganisationRow>('organisations').insert(toRow(input)).returning('*');
  return created;
}

export function lockOrganisation(trx: Knex.Transaction, id: string): Promise<OrganisationRow | undefined> {
  return trx<OrganisationRow>('organisations').where({ id }).forUpdate().first();
}

export async function updateOrganisation(trx: Knex.Transaction, id: string, input: OrganisationFields, at: Date): Promise<OrganisationRow> {
  const [after] = await trx<OrganisationRow>('organisations')
    .where({ id })
    .update({ ...toRow(input), updated_at: at })
    .returning('*');
  return after;
}
