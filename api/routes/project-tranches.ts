import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { BusinessRuleError, ConflictError, IllegalMoveError, NotFoundError } from '../errors';
import { loadVisibleProject, requireOfficer } from '../projects/access';
import type { RouteRegistry } from '../registry';

interface Tranche {
  name: string;
  amountFen: number;
  releaseOn: string;
}

const RELEASING: string[] = ['delivery', 'rectification', 'evaluation', 'closed'];

/**
 * The agreement's tranches and what has been released of each. The final tranche follows the final
 * evaluation: its grade's share is released, the rest held (or clawed back) as the programme's rules say.
 */
async function trancheStatus(db: Knex | Knex.Transaction, projectId: string) {
  const agreement = await db('agreements').where({ project_id: projectId }).first('tranches');
  if (!agreement) return null;
  const tranches = agreement.tranches as Tranche[];
  const released = await db('tranche_releases').where({ project_id: projectId }).orderBy('seq');
  const final = await db('evaluations').where({ project_id: projectId, kind: 'final' }).whereNotNull('submitted_at').first('grade', 'subsidy');
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
      releasableFen: isFinal ? (final ? (final.subsidy as { releaseFen: number }).releaseFen : null) : t.amountFen,
    };
  });
  const releasedFen = items.reduce((s, t) => s + (t.releasedFen ?? 0), 0);
  return { items, agreedFen: tranches.reduce((s, t) => s + t.amountFen, 0), releasedFen, finalGrade: final?.grade ?? null, finalSubsidy: final?.subsidy ?? null };
}

export function registerTrancheRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id/tranches',
    operationId: 'tranches.list',
    summary: "The agreement's tranches: agreed, released, and what the final evaluation lets the final tranche release",
    tag: 'delivery',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      const status = await trancheStatus(deps.db, project.id);
      if (!status) throw new NotFoundError('agreement');
      return { body: status };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/tranches/:seq/release',
    operationId: 'tranches.release',
    summary: 'Release a tranche of the agreed money, in order; the final tranche only after the final evaluation, and only the share its grade earns',
    tag: 'delivery',
    access: ['officer'],
    status: 201,
    handler: async ({ params, body, user, deps, requestId }) => {
      const seq = Number(params.seq);
      const note = (body as { note?: string } | undefined)?.note ?? null;
      const result = await deps.db.transaction(async (trx) => {
        const project = await loadVisibleProject(trx, user, params.id);
        requireOfficer(user, project);
        // The project row locked: its stage cannot move while the money goes out.
        const locked = await trx('projects').where({ id: project.id }).forUpdate().first('stage');
        const status = await trancheStatus(trx, project.id);
        if (!status || !RELEASING.includes(locked.stage)) throw new IllegalMoveError(locked.stage, 'releaseTranche', `money is released from delivery on; the current stage is "${locked.stage}"`);
        const tranche = status.items.find((t) => t.seq === seq);
        if (!tranche) throw new NotFoundError('tranche');
        if (tranche.releasedFen !== null) throw new ConflictError(`tranche ${seq} was already released (${tranche.releasedFen} fen on ${tranche.releasedAt})`);
        const unreleased = status.items.find((t) => t.seq < seq && t.releasedFen === null);
        if (unreleased) throw new BusinessRuleError([{ field: '/params/seq', rule: 'in-order', message: `tranche ${unreleased.seq} has not been released yet` }]);
        if (!tranche.final && locked.stage === 'rectification') {
          throw new BusinessRuleError([{ field: '/params/seq', rule: 'held-in-rectification', message: 'tranches are held while the project is in rectification' }]);
        }
        if (tranche.final && tranche.releasableFen === null) {
          throw new BusinessRuleError([{ field: '/params/seq', rule: 'final-evaluation', message: 'the final tranche waits for the final evaluation' }]);
        }
        if (tranche.final && tranche.releasableFen === 0) {
          throw new BusinessRuleError([{ field: '/params/seq', rule: 'subsidy-held', message: `the final evaluation (${status.finalGrade}) releases nothing of the final tranche`, }]);
        }
        const amountFen = tranche.releasableFen!;
        await trx('tranche_releases').insert({ project_id: project.id, seq, amount_fen: amountFen, agreed_fen: tranche.agreedFen, note, released_by: user.id, released_at: deps.clock() });
        await trx('project_events').insert({
          project_id: project.id, event_key: `${project.id}:tranche:${seq}`, kind: 'trancheReleased', actor_id: user.id,
          data: JSON.stringify({ seq, name: tranche.name, amountFen, agreedFen: tranche.agreedFen }), at: deps.clock(),
        });
        await writeAudit(trx, { actorId: user.id, action: 'release-tranche', objectType: 'project', objectId: project.id, after: { seq, amountFen, agreedFen: tranche.agreedFen, note }, requestId });
        return { seq, name: tranche.name, agreedFen: tranche.agreedFen, releasedFen: amountFen, heldFen: tranche.agreedFen - amountFen };
      });
      return { status: 201, body: result };
    },
  });
}
