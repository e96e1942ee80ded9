// Tranches: the agreed money goes out in order; the final tranche after the final evaluation, the share its grade earns.
import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { lockProject } from '../../db/repositories/projects';
import { agreedTranches, finalEvaluation, insertRelease, releases } from '../../db/repositories/tranches';
import type { Principal } from '../auth';
import { BusinessRuleError, ConflictError, IllegalMoveError, NotFoundError, says } from '../errors';
import { msg } from '../../i18n';
import { loadVisibleProject, requireOfficer } from '../projects/access';

const RELEASING: string[] = ['delivery', 'rectification', 'evaluation', 'closed'];

/**
 * The agreement's tranches and what has been released of each. The final tranche follows the final
 * evaluation: its grade's share is released, the rest held (or clawed back) as the programme's rules say.
 */
async function trancheStatus(db: Knex | Knex.Transaction, projectId: string) {
  const tranches = await agreedTranches(db, projectId);
  if (!tranches) return null;
  const [released, final] = await Promise.all([releases(db, projectId), finalEvaluation(db, projectId)]);
  const items = tranches.map((t, i) => {
    const seq = i + 1;
    const r = released.find((x) => x.seq === seq);
    const isFinal = seq === tranches.length;
    return {
      seq,
      name: t.name,
      agreedFen: t.amountFen,
      releaseOn: t.releaseOn,
      final: isFinal,
      releasedFen: r ? Number(r.amount_fen) : null,
      releasedAt: r ? r.released_at.toISOString() : null,
      // What the final tranche may release: the subsidy the final evaluation decided (null until then).
      releasableFen: isFinal ? (final ? final.subsidy.releaseFen : null) : t.amountFen,
    };
  });
  const releasedFen = items.reduce((s, t) => s + (t.releasedFen ?? 0), 0);
  return { items, agreedFen: tranches.reduce((s, t) => s + t.amountFen, 0), releasedFen, finalGrade: final?.grade ?? null, finalSubsidy: final?.subsidy ?? null };
}

export async function listTranches(db: Knex, user: Principal, projectId: string) {
  const project = await loadVisibleProject(db, user, projectId);
  const status = await trancheStatus(db, project.id);
  if (!status) throw new NotFoundError('agreement');
  // A terminated project releases nothing more: what is unreleased is held.
  if (project.stage === 'terminated') return { ...status, items: status.items.map((t) => (t.releasedFen === null ? { ...t, releasableFen: 0 } : t)) };
  return status;
}

export async function releaseTranche(trx: Knex.Transaction, user: Principal, requestId: string, now: Date, projectId: string, seq: number, note: string | null) {
  const project = await loadVisibleProject(trx, user, projectId);
  requireOfficer(user, project);
  // The project row locked: its stage cannot move while the money goes out.
  const locked = (await lockProject(trx, project.id))!;
  const status = await trancheStatus(trx, project.id);
  if (!status || !RELEASING.includes(locked.stage)) throw new IllegalMoveError(locked.stage, 'releaseTranche', msg('problem.illegal-move.tranche-release', { current: locked.stage }));
  const tranche = status.items.find((t) => t.seq === seq);
  if (!tranche) throw new NotFoundError('tranche');
  if (tranche.releasedFen !== null) throw new ConflictError(msg('problem.conflict.tranche-released', { seq, fen: tranche.releasedFen, at: String(tranche.releasedAt) }));
  const unreleased = status.items.find((t) => t.seq < seq && t.releasedFen === null);
  if (unreleased) throw new BusinessRuleError([{ field: '/params/seq', rule: 'in-order', ...says('field.tranche-in-order', { seq: unreleased.seq }) }]);
  if (!tranche.final && locked.stage === 'rectification') {
    throw new BusinessRuleError([{ field: '/params/seq', rule: 'held-in-rectification', ...says('field.held-in-rectification') }]);
  }
  if (tranche.final && tranche.releasableFen === null) {
    throw new BusinessRuleError([{ field: '/params/seq', rule: 'final-evaluation', ...says('field.final-evaluation') }]);
  }
  if (tranche.final && tranche.releasableFen === 0) {
    throw new BusinessRuleError([{ field: '/params/seq', rule: 'subsidy-held', ...says('field.subsidy-held', { grade: String(status.finalGrade) }) }]);
  }
  const amountFen = tranche.releasableFen!;
  await insertRelease(trx, { projectId: project.id, seq, name: tranche.name, amountFen, agreedFen: tranche.agreedFen, note, releasedBy: user.id, at: now });
  await writeAudit(trx, { actorId: user.id, action: 'release-tranche', objectType: 'project', objectId: project.id, after: { seq, amountFen, agreedFen: tranche.agreedFen, note }, requestId });
  return { seq, name: tranche.name, agreedFen: tranche.agreedFen, releasedFen: amountFen, heldFen: tranche.agreedFen - amountFen };
}
