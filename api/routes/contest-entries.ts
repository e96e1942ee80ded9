import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { fen, type ContestEntryRow, type ContestRow } from '../../db/repositories/contests';
import { leaveContest } from '../../workflows/messages';
import { enterProjectInContest } from '../contest-entries/creation';
import type { Principal } from '../auth';
import { hasRole } from '../auth';
import { requirePhase, runsContest, shareContest, visibleContest } from '../contests/service';
import { BusinessRuleError, ConflictError, ForbiddenError, HttpError, NotFoundError } from '../errors';
import { keysetPage } from '../paging';
import { executeProjectUpdate } from '../projects/service';
import type { RouteRegistry } from '../registry';

export interface EntryJoinedRow extends ContestEntryRow {
  title: string;
  summary: string;
  target_groups: string[];
  organisation_name: string;
  rank?: number | null;
  track_rank?: number | null;
  score?: string | null;
}

/** Entries with what every view shows: the project's title and summary, the organisation, and the final rank if any. */
export function entriesQuery(db: Knex | Knex.Transaction, c: ContestRow): Knex.QueryBuilder {
  const q = db('contest_entries as e')
    .join('projects as p', 'p.id', 'e.project_id')
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .where('e.contest_id', c.id)
    .select('e.*', 'p.title', 'p.summary', 'p.target_groups', 'o.name as organisation_name');
  if (c.final_ranking_id) {
    q.leftJoin('contest_ranking_entries as r', (j) => j.on('r.entry_id', 'e.id').andOnVal('r.ranking_id', c.final_ranking_id!)).select('r.rank', 'r.track_rank', 'r.score');
  }
  return q;
}

/**
 * What of a contest's entries a user sees: organisers all; applicants their organisation's; judges the entries
 * assigned to them; once the ranking is published, everyone the ranked entries.
 */
export function whereEntryVisible(q: Knex.QueryBuilder, user: Principal, c: ContestRow): Knex.QueryBuilder {
  if (runsContest(user, c)) return q;
  return q.where((w) => {
    w.whereRaw('false');
    if (hasRole(user, 'applicant') && user.organisationId) w.orWhere('e.organisation_id', user.organisationId);
    w.orWhereExists((s) => s.select(s.client.raw('1')).from('contest_assignments as a').whereRaw('a.entry_id = e.id').where({ 'a.judge_id': user.id, 'a.status': 'assigned' }));
    if (c.published_at && c.final_ranking_id) {
      w.orWhereExists((s) => s.select(s.client.raw('1')).from('contest_ranking_entries as fr').whereRaw('fr.entry_id = e.id').where('fr.ranking_id', c.final_ranking_id));
    }
  });
}

/** In a blind contest a judge never learns whose entry it is, until the ranking is published. */
export function hidesOrganisation(user: Principal, c: ContestRow, organisationId: string): boolean {
  if (!c.settings.blind || c.published_at || runsContest(user, c)) return false;
  return !(hasRole(user, 'applicant') && user.organisationId === organisationId);
}

export function entryJson(r: EntryJoinedRow, opts: { hideOrganisation: boolean; showRank: boolean }) {
  const asked = fen(r.amount_asked_fen);
  const subscribed = fen(r.subscribed_fen);
  const matching = fen(r.matching_fen);
  return {
    id: r.id,
    contestId: r.contest_id,
    ...(opts.hideOrganisation ? {} : { projectId: r.project_id, organisationId: r.organisation_id, organisationName: r.organisation_name }),
    trackKey: r.track_key,
    title: r.title,
    summary: r.summary,
    targetGroups: r.target_groups,
    amountAskedFen: asked,
    status: r.status,
    reason: r.reason,
    ...(opts.showRank ? { rank: r.rank ?? null, trackRank: r.track_rank ?? null, score: r.score === null || r.score === undefined ? null : Number(r.score) } : {}),
    subscribedFen: subscribed,
    matchingFen: matching,
    remainingNeedFen: asked - subscribed - matching,
    fundingSources: r.funding_sources,
    submittedAt: r.created_at.toISOString(),
    withdrawnAt: r.withdrawn_at?.toISOString() ?? null,
    projectMovedAt: r.project_moved_at?.toISOString() ?? null,
    projectMoveError: r.project_move_error,
  };
}

const showRank = (user: Principal, c: ContestRow) => runsContest(user, c) || c.published_at !== null;

async function oneEntry(db: Knex, c: ContestRow, entryId: string): Promise<EntryJoinedRow | undefined> {
  return (await entriesQuery(db, c).where('e.id', entryId).first()) as EntryJoinedRow | undefined;
}

export function registerContestEntryRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/entries',
    operationId: 'contestEntries.create',
    summary: "Enter an approved project of an eligible programme (the applicant organisation or the organiser); the project moves to in_contest",
    tag: 'contests',
    access: ['applicant', 'organiser', 'admin'],
    status: 201,
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as { projectId: string; trackKey: string };
      const c = await visibleContest(deps.db, user, params.id);
      const organiser = runsContest(user, c);
      const project = await deps.db('projects').where({ id: input.projectId }).first('id', 'organisation_id', 'programme_id', 'amount_asked_fen');
      if (!project) throw new BusinessRuleError([{ field: '/body/projectId', rule: 'exists', message: 'names no existing project' }]);
      if (!organiser && !(hasRole(user, 'applicant') && user.organisationId === project.organisation_id)) {
        throw new ForbiddenError("Only the project's applicant organisation or the contest's organiser may enter it.");
      }
      requirePhase(c, ['open'], 'enterContest');
      const errors = [];
      if (!c.programme_ids.includes(project.programme_id)) errors.push({ field: '/body/projectId', rule: 'programme-eligible', message: "the project's programme is not eligible for this contest" });
      if (!c.settings.tracks.some((t) => t.key === input.trackKey)) errors.push({ field: '/body/trackKey', rule: 'track-known', message: `is not a track of this contest (${c.settings.tracks.map((t) => t.key).join(', ')})` });
      if (errors.length) throw new BusinessRuleError(errors);

      const active = await deps.db('contest_entries').where({ contest_id: c.id, project_id: project.id }).whereNotIn('status', ['withdrawn', 'screened_out']).first('id');
      if (active) return { status: 200, body: entryJson((await oneEntry(deps.db, c, active.id))!, { hideOrganisation: false, showRank: showRank(user, c) }) };

      // One durable operation: the project's move and the entry's row in one activity transaction
      // (api/contest-entries/creation.ts). The attempt number keeps the update id fresh for a project that
      // withdrew and enters again.
      const attempt = Number((await deps.db('contest_entries').where({ contest_id: c.id, project_id: project.id }).count({ n: '*' }).first())?.n ?? 0);
      const activeEntry = () => deps.db('contest_entries').where({ contest_id: c.id, project_id: project.id }).whereNotIn('status', ['withdrawn', 'screened_out']).first('id');
      try {
        await enterProjectInContest(deps, { projectId: project.id, contestId: c.id, actorId: user.id, entry: { trackKey: input.trackKey, organisationId: project.organisation_id, amountAskedFen: Number(project.amount_asked_fen), requestId } }, `enter-${c.id}-${project.id}-${attempt}`);
      } catch (err) {
        // A concurrent request entered the same project: its entry stands for the project's in_contest stage.
        const winner = await activeEntry();
        if (winner) return { status: 200, body: entryJson((await oneEntry(deps.db, c, winner.id))!, { hideOrganisation: false, showRank: showRank(user, c) }) };
        throw err;
      }
      const entryId = (await activeEntry()).id as string;
      return { status: 201, body: entryJson((await oneEntry(deps.db, c, entryId))!, { hideOrganisation: false, showRank: false }) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/entries',
    operationId: 'contestEntries.list',
    summary: "A contest's entries: organisers all, applicants their own, judges their assignments (blind: without the organisation), everyone the ranked ones once published",
    tag: 'contests',
    access: 'authenticated',
    handler: async ({ params, query, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const q = whereEntryVisible(entriesQuery(deps.db, c), user, c);
      if (query.status) q.where('e.status', query.status);
      if (query.trackKey) q.where('e.track_key', query.trackKey);
      const rank = showRank(user, c);
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'e' }, (r: EntryJoinedRow) => entryJson(r, { hideOrganisation: hidesOrganisation(user, c, r.organisation_id), showRank: rank })) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/entries/:entryId',
    operationId: 'contestEntries.get',
    summary: 'One entry with its proposal (a judge sees only assigned entries; blind contests hide the organisation, the team lead and the named team members)',
    tag: 'contests',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const row = (await whereEntryVisible(entriesQuery(deps.db, c), user, c).where('e.id', params.entryId).first()) as EntryJoinedRow | undefined;
      if (!row) throw new NotFoundError('entry');
      const hide = hidesOrganisation(user, c, row.organisation_id);
      const version = await deps.db('design_versions').where({ project_id: row.project_id }).orderBy('version', 'desc').first('proposal');
      const proposal = version?.proposal ? structuredClone(version.proposal as Record<string, unknown>) : null;
      // Blind judging: the team's lead and its named members (people a judge could recognise) are left out.
      if (hide && proposal && typeof proposal.team === 'object' && proposal.team) {
        delete (proposal.team as Record<string, unknown>).lead;
        delete (proposal.team as Record<string, unknown>).members;
      }
      return { body: { ...entryJson(row, { hideOrganisation: hide, showRank: showRank(user, c) }), proposal } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/entries/:entryId/withdraw',
    operationId: 'contestEntries.withdraw',
    summary: 'Withdraw an entry before judging (the applicant), or screen it out (the organiser); the project goes back to the library, still approved',
    tag: 'contests',
    access: ['applicant', 'organiser', 'admin'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const { reason } = body as { reason: string };
      const c = await visibleContest(deps.db, user, params.id);
      const found = await deps.db<ContestEntryRow>('contest_entries').where({ id: params.entryId, contest_id: c.id }).first();
      const own = !!found && hasRole(user, 'applicant') && user.organisationId === found.organisation_id;
      if (!found || !(own || runsContest(user, c))) throw new NotFoundError('entry');
      const status = own ? 'withdrawn' : 'screened_out';

      // The record first, under the contest row held FOR SHARE: judging cannot start between the check and the write.
      if (found.status === 'entered') {
        await deps.db.transaction(async (trx) => {
          const locked = await shareContest(trx, c.id);
          requirePhase(locked, ['open', 'screening'], 'withdrawEntry');
          const entry = await trx<ContestEntryRow>('contest_entries').where({ id: found.id }).forUpdate().first();
          if (entry!.status !== 'entered') throw new ConflictError(`the entry is already ${entry!.status}`);
          await trx('contest_entries').where({ id: found.id }).update({ status, reason, withdrawn_at: deps.clock() });
          await writeAudit(trx, { actorId: user.id, action: status === 'withdrawn' ? 'withdraw' : 'screen_out', objectType: 'contest_entry', objectId: found.id, before: { status: 'entered' }, after: { status, reason }, requestId });
        });
      } else if (!['withdrawn', 'screened_out'].includes(found.status)) {
        throw new ConflictError(`the entry is ${found.status}; only an entered entry can be withdrawn`, { currentStage: c.phase });
      }
      // Then the project: a retry after a failure here finds the entry withdrawn and only moves the project.
      if (!found.project_moved_at) {
        try {
          await executeProjectUpdate(deps, found.project_id, leaveContest, { actorId: user.id, contestId: c.id, reason }, `withdraw-${found.id}`);
        } catch (err) {
          // Already back in the library (or in another contest since): nothing left to move.
          if (!(err instanceof HttpError && err.status === 409)) throw err;
        }
        await deps.db('contest_entries').where({ id: found.id }).update({ project_moved_at: deps.clock() });
      }
      return { body: entryJson((await oneEntry(deps.db, c, found.id))!, { hideOrganisation: false, showRank: showRank(user, c) }) };
    },
  });
}
