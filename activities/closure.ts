import type { Knex } from 'knex';
import { writeAudit } from '../db/repositories/audit';
import { agreedTranches, releases } from '../db/repositories/tranches';
import type { WriteHandlers } from './project-event-types';
import { rescopingWrites } from './rescoping';

// Closure: the final report travels in the event's data (applyProjectEvent puts it there); nothing else to write.
// Termination (终止): an open rectification ends with the project, the unreleased tranches are held (the event and
// the audit entry name them and why), and the project's open tasks close with the event.
export const closureWrites = {
  async closure() {},
  async termination(trx, ev, w) {
    // Terminated while waiting on a partial award's answer: the entry is settled as declining does, the award returned.
    if (w.rescoping) await rescopingWrites.rescopingDecline(trx, ev, { op: 'rescopingDecline', contestId: w.rescoping.contestId, awardedFen: w.rescoping.awardedFen, reason: w.reason, expired: false });
    if (w.rectificationId) await trx('rectifications').where({ id: w.rectificationId }).whereNot('status', 'completed').update({ status: 'ended', completed_at: new Date(ev.at) });
    const held = await heldTranches(trx, ev.projectId);
    const heldFen = held.reduce((s, t) => s + t.amountFen, 0);
    await trx('project_events').where({ event_key: ev.key }).update({ data: JSON.stringify({ ...ev.data, heldTranches: held, heldFen }) });
    await writeAudit(trx, {
      actorId: ev.actorId, action: 'terminate-project', objectType: 'project', objectId: ev.projectId,
      before: { stage: w.from }, after: { stage: 'terminated', reason: w.reason, heldTranches: held, heldFen }, requestId: null,
    });
  },
} satisfies WriteHandlers;

/** The agreement's tranches not yet released: a terminated project releases none of them. */
async function heldTranches(trx: Knex.Transaction, projectId: string): Promise<{ seq: number; name: string; amountFen: number }[]> {
  const tranches = await agreedTranches(trx, projectId);
  if (!tranches) return [];
  const released = new Set((await releases(trx, projectId)).map((r) => r.seq));
  return tranches.map((t, i) => ({ seq: i + 1, name: t.name, amountFen: t.amountFen })).filter((t) => !released.has(t.seq));
}
