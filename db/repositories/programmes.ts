import type { Knex } from 'knex';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';

export type ProgrammeStatus = 'open' | 'closed';

export interface ProgrammeRow {
  id: string;
  name: string;
  region_id: string;
  description: string | null;
  rules: ProgrammeRules;
  status: ProgrammeStatus;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A call for proposals (申报批次) and the rules its projects are held to. */
export interface Programme {
  id: string;
  name: string;
  regionId: string;
  description: string | null;
  rules: ProgrammeRules;
  status: ProgrammeStatus;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toProgramme(r: ProgrammeRow): Programme {
  return {
    id: r.id,
    name: r.name,
    regionId: r.region_id,
    description: r.description,
    rules: r.rules,
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function findProgramme(db: Knex | Knex.Transaction, id: string): Promise<ProgrammeRow | undefined> {
  return db<ProgrammeRow>('programmes').where({ id }).first();
}
