import type { Knex } from 'knex';
import type { BudgetLine } from '../../workflows/messages';
import type { ContestEntryRow, RescopingStatus } from './contests';

// Re-scoping a partial award: where the entry's answer stands, and the budget it was accepted with.

/** The awarded entry of a project in a contest (the one a partial award's re-scoping is about), locked. */
export async function lockAwardedEntry(trx: Knex.Transaction, contestId: string, projectId: string): Promise<ContestEntryRow | undefined> {
  return trx('contest_entries').where({ contest_id: contestId, project_id: projectId, status: 'awarded' }).forUpdate().first();
}

export async function setRescoping(
  trx: Knex.Transaction,
  entryId: string,
  change: { status: RescopingStatus; dueAt?: string; decidedAt?: string; reason?: string; returnedFen?: number },
): Promise<void> {
  await trx('contest_entries').where({ id: entryId }).update({
    rescoping_status: change.status,
    ...(change.dueAt ? { rescoping_due_at: new Date(change.dueAt) } : {}),
    ...(change.decidedAt ? { rescoping_decided_at: new Date(change.decidedAt) } : {}),
    ...(change.reason !== undefined ? { rescoping_reason: change.reason } : {}),
    ...(change.returnedFen !== undefined ? { returned_fen: change.returnedFen } : {}),
  });
}

/**
 * The re-scoped budget as a new version of the proposal: the latest version with the accepted lines, asking for the
 * award and no co-funding (the lines add up to the award). The version asked for stays as it was.
 */
export async function insertRescopedVersion(trx: Knex.Transaction, projectId: string, version: number, budgetLines: BudgetLine[], awardedFen: number, at: string, actorId: string | null): Promise<void> {
  const latest = await trx('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
  const proposal = { ...((latest?.proposal as Record<string, unknown> | undefined) ?? {}), budgetLines, amountAskedFen: awardedFen, coFundingFen: 0 };
  await trx('design_versions').insert({ project_id: projectId, version, proposal: JSON.stringify(proposal), submitted_by: actorId, submitted_at: new Date(at) });
  await trx('projects').where({ id: projectId }).update({ current_version: version });
}
