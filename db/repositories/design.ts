import type { Knex } from 'knex';
import type { ProjectRow } from './projects';
import type { Proposal } from '../../workflows/rules/proposal';

type Db = Knex | Knex.Transaction;

export async function saveDraft(
  trx: Knex.Transaction,
  projectId: string,
  change: { draft: unknown; amountAskedFen: number; targetGroups: string[]; title?: string; summary?: string; at: Date },
): Promise<ProjectRow> {
  const [after] = await trx<ProjectRow>('projects')
    .where({ id: projectId })
    .update({
      draft: JSON.stringify(change.draft) as never,
      amount_asked_fen: String(change.amountAskedFen),
      target_groups: change.targetGroups,
      ...(change.title ? { title: change.title } : {}),
      ...(change.summary !== undefined ? { summary: change.summary } : {}),
      updated_at: change.at,
    })
    .returning('*');
  return after;
}

export interface DesignVersionRow {
  version: number;
  proposal: Proposal;
  submitted_by: string | null;
  submitted_at: Date;
}

export function designVersions(db: Db, projectId: string): Promise<DesignVersionRow[]> {
  return db('design_versions').where({ project_id: projectId }).orderBy('version');
}

export function toDesignVersion(r: DesignVersionRow) {
  return { version: r.version, proposal: r.proposal, submittedBy: r.submitted_by, submittedAt: r.submitted_at.toISOString() };
}

/** The latest submitted proposal (the one approved, once the project is past review). */
export async function latestProposal(db: Db, projectId: string): Promise<Record<string, unknown> | undefined> {
  return (await db('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal'))?.proposal;
}
