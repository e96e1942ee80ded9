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
