import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import { writeAudit } from '../db/repositories/audit';
import { insertRescopedVersion, lockAwardedEntry, setRescoping } from '../db/repositories/rescoping';
import { deliveryWrites } from './delivery';
import type { WriteHandlers } from './project-event-types';

// Re-scoping a partial award: the entry records that the project waits, then the answer. Accepting writes the
// re-scoped budget as a new proposal version and signs the award's agreement; declining (or the deadline passing)
// records the amount as returned to the pool.

async function awardedEntry(trx: Knex.Transaction, contestId: string, projectId: string) {
  const entry = await lockAwardedEntry(trx, contestId, projectId);
  if (!entry) throw ApplicationFailure.create({ type: 'NotFound', message: `no awarded entry of project ${projectId} in contest ${contestId}`, details: [{ what: 'entry' }], nonRetryable: true });
  return entry;
}

export const rescopingWrites = {
  async rescopingOpen(trx, ev, w) {
    const entry = await awardedEntry(trx, w.contestId, ev.projectId);
    await setRescoping(trx, entry.id, { status: 'pending', dueAt: w.dueAt });
    await writeAudit(trx, { actorId: ev.actorId, action: 'rescoping_open', objectType: 'contest_entry', objectId: entry.id, after: { amountAskedFen: w.amountAskedFen, awardedFen: w.awardedFen, dueAt: w.dueAt } });
  },
  async rescopingAccept(trx, ev, w) {
    const entry = await awardedEntry(trx, w.contestId, ev.projectId);
    await insertRescopedVersion(trx, ev.projectId, w.version, w.budgetLines, w.awardedFen, ev.at, ev.actorId);
    await deliveryWrites.agreement(trx, ev, { op: 'agreement', terms: w.terms });
    await setRescoping(trx, entry.id, { status: 'accepted', decidedAt: ev.at });
    await writeAudit(trx, {
      actorId: ev.actorId, action: 'rescoping_accept', objectType: 'contest_entry', objectId: entry.id, before: { rescopingStatus: entry.rescoping_status ?? null },
      after: { rescopingStatus: 'accepted', version: w.version, budgetLines: w.budgetLines },
    });
  },
  async rescopingDecline(trx, ev, w) {
    const entry = await awardedEntry(trx, w.contestId, ev.projectId);
    const status = w.expired ? 'expired' : 'declined';
    await setRescoping(trx, entry.id, { status, decidedAt: ev.at, reason: w.reason, returnedFen: w.awardedFen });
    await writeAudit(trx, {
      actorId: ev.actorId, action: w.expired ? 'rescoping_expire' : 'rescoping_decline', objectType: 'contest_entry', objectId: entry.id, before: { rescopingStatus: entry.rescoping_status ?? null },
      after: { rescopingStatus: status, reason: w.reason, returnedFen: w.awardedFen },
    });
  },
} satisfies WriteHandlers;
