// Contest entries: entering a project (one durable operation, see creation.ts), reading entries as each reader may
// see them, withdrawing and screening out. The only place where the entry routes meet SQL and the workflows.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import {
  activeEntryOf, entriesQuery, fen, findEntry, latestEntryOf, latestProposal, lockEntry, markEntryProjectMoved, setEntryStatus, whereEntryVisibleTo,
  type ContestRow, type EntryJoinedRow,
} from '../../db/repositories/contests';
import { leaveContest } from '../../workflows/messages';
import type { Principal } from '../auth';
import { hasRole } from '../auth';
import { requirePhase, runsContest, shareContest, visibleContest } from '../contests/service';
import type { AppDeps } from '../deps';
import { BusinessRuleError, ConflictError, HttpError, NotFoundError, type FieldError, says } from '../errors';
import { msg } from '../../i18n';
import { keysetPage } from '../paging';
import { loadVisibleProject } from '../projects/access';
import { executeProjectUpdate } from '../projects/service';
import { enterProjectInContest } from './creation';

export type { EntryJoinedRow } from '../../db/repositories/contests';

/**
 * What of a contest's entries a user sees: organisers all; applicants their organisation's; judges the entries
 * assigned to them; once the ranking is published, everyone the ranked entries.
 */
export function whereEntryVisible(q: Knex.QueryBuilder, user: Principal, c: ContestRow): Knex.QueryBuilder {
  if (runsContest(user, c)) return q;
  return whereEntryVisibleTo(q, { id: user.id, organisationId: user.organisationId, applicant: hasRole(user, 'applicant') }, c);
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

export type EntryJson = ReturnType<typeof entryJson>;

const showRank = (user: Principal, c: ContestRow) => runsContest(user, c) || c.published_at !== null;

async function oneEntry(db: Knex, c: ContestRow, entryId: string): Promise<EntryJoinedRow> {
  return (await entriesQuery(db, c).where('e.id', entryId).first()) as EntryJoinedRow;
}

/**
 * Enters a project. The project is a reference like a path id: one this user cannot see, or one that does not exist,
 * answers 404 the same way. The contest's phase and the project's stage are not read here but decided by the
 * workflow and the entry's activity (409 naming the phase or stage), so a retry with the same Idempotency-Key
 * (the same update id) after the entry has applied gets the entry (201), whatever happened to the contest since.
 */
export async function enterContest(deps: AppDeps, user: Principal, requestId: string, contestId: string, input: { projectId: string; trackKey: string }, idempotencyKey?: string): Promise<{ status: 200 | 201; body: EntryJson }> {
  const c = await visibleContest(deps.db, user, contestId);
  const organiser = runsContest(user, c);
  const project = await loadVisibleProject(deps.db, user, input.projectId).catch((err: unknown) => {
    if (err instanceof NotFoundError) throw new NotFoundError('project', '/body/projectId');
    throw err;
  });
  // Seeing a project is not entering it: an applicant enters only its organisation's projects.
  if (!organiser && !(hasRole(user, 'applicant') && user.organisationId === project.organisation_id)) throw new NotFoundError('project', '/body/projectId');
  const errors: FieldError[] = [];
  if (!c.programme_ids.includes(project.programme_id)) errors.push({ field: '/body/projectId', rule: 'programme-eligible', ...says('field.programme-eligible') });
  if (!c.settings.tracks.some((t) => t.key === input.trackKey)) errors.push({ field: '/body/trackKey', rule: 'track-known', ...says('field.track-known', { tracks: c.settings.tracks.map((t) => t.key).join(', ') }) });
  if (errors.length) {
    // A project that cannot move is refused for that first, as the workflow would refuse it.
    if (c.phase !== 'open') requirePhase(c, ['open'], 'enterContest');
    throw new BusinessRuleError(errors);
  }

  const answer = async (entryId: string, status: 200 | 201) => ({ status, body: entryJson(await oneEntry(deps.db, c, entryId), { hideOrganisation: false, showRank: status === 200 && showRank(user, c) }) });
  let updateId: string;
  if (idempotencyKey) {
    updateId = `enter-${c.id}-${project.id}:${idempotencyKey}`;
  } else {
    // Without a key, entering again answers the live entry. Each request is its own update (an update refused by
    // the entry's activity keeps its id's outcome); of two racing, the workflow refuses the second, which then
    // answers the first one's entry.
    const active = await activeEntryOf(deps.db, c.id, project.id);
    if (active) return answer(active.id, 200);
    updateId = `enter-${c.id}-${project.id}-${randomUUID()}`;
  }
  const entry = { trackKey: input.trackKey, organisationId: project.organisation_id, amountAskedFen: Number(project.amount_asked_fen), requestId };
  try {
    await enterProjectInContest(deps, { projectId: project.id, contestId: c.id, actorId: user.id, entry }, updateId);
  } catch (err) {
    // Entered already (by another request, or racing this one): the live entry stands for the project's in_contest stage.
    const winner = err instanceof HttpError && err.status === 409 ? await activeEntryOf(deps.db, c.id, project.id) : undefined;
    if (winner) return answer(winner.id, 200);
    throw err;
  }
  // The update applied (now or, for a retry, before): its entry is the project's latest in this contest.
  const entered = (await activeEntryOf(deps.db, c.id, project.id)) ?? (await latestEntryOf(deps.db, c.id, project.id));
  return answer(entered!.id, 201);
}

export async function listEntries(db: Knex, user: Principal, contestId: string, query: { limit: number; cursor?: string; status?: string; trackKey?: string }) {
  const c = await visibleContest(db, user, contestId);
  const q = whereEntryVisible(entriesQuery(db, c), user, c);
  if (query.status) q.where('e.status', query.status);
  if (query.trackKey) q.where('e.track_key', query.trackKey);
  const rank = showRank(user, c);
  return keysetPage(db, q, { limit: query.limit, cursor: query.cursor, table: 'e' }, (r: EntryJoinedRow) => entryJson(r, { hideOrganisation: hidesOrganisation(user, c, r.organisation_id), showRank: rank }));
}

export async function getEntry(db: Knex, user: Principal, contestId: string, entryId: string) {
  const c = await visibleContest(db, user, contestId);
  const row = (await whereEntryVisible(entriesQuery(db, c), user, c).where('e.id', entryId).first()) as EntryJoinedRow | undefined;
  if (!row) throw new NotFoundError('entry');
  const hide = hidesOrganisation(user, c, row.organisation_id);
  const stored = await latestProposal(db, row.project_id);
  const proposal = stored ? structuredClone(stored) : null;
  // Blind judging: the team's lead and its named members (people a judge could recognise) are left out.
  if (hide && proposal && typeof proposal.team === 'object' && proposal.team) {
    delete (proposal.team as Record<string, unknown>).lead;
    delete (proposal.team as Record<string, unknown>).members;
  }
  return { ...entryJson(row, { hideOrganisation: hide, showRank: showRank(user, c) }), proposal };
}

/**
 * Withdraws an entry (its applicant organisation) or screens it out (the organiser) before judging. The record
 * first, under the contest row held FOR SHARE (judging cannot start between the check and the write); then the
 * project goes back to the library under a fixed update id, so a retry after a failure there only moves the project.
 */
export async function withdrawEntry(deps: AppDeps, user: Principal, requestId: string, contestId: string, entryId: string, reason: string) {
  const c = await visibleContest(deps.db, user, contestId);
  const found = await findEntry(deps.db, c.id, entryId);
  const own = !!found && hasRole(user, 'applicant') && user.organisationId === found.organisation_id;
  if (!found || !(own || runsContest(user, c))) throw new NotFoundError('entry');
  const status = own ? 'withdrawn' : 'screened_out';
  if (found.status === 'entered') {
    await deps.db.transaction(async (trx) => {
      const locked = await shareContest(trx, c.id);
      requirePhase(locked, ['open', 'screening'], 'withdrawEntry');
      const entry = await lockEntry(trx, found.id);
      if (entry!.status !== 'entered') throw new ConflictError(msg('problem.conflict.entry-already', { status: entry!.status }), { currentStage: locked.phase });
      await setEntryStatus(trx, found.id, { status, reason, withdrawn_at: deps.clock() });
      await writeAudit(trx, { actorId: user.id, action: status === 'withdrawn' ? 'withdraw' : 'screen_out', objectType: 'contest_entry', objectId: found.id, before: { status: 'entered' }, after: { status, reason }, requestId });
    });
  } else if (!['withdrawn', 'screened_out'].includes(found.status)) {
    throw new ConflictError(msg('problem.conflict.entry-not-entered', { status: found.status }), { currentStage: c.phase });
  }
  if (!found.project_moved_at) {
    try {
      await executeProjectUpdate(deps, found.project_id, leaveContest, { actorId: user.id, contestId: c.id, reason }, `withdraw-${found.id}`);
    } catch (err) {
      // Already back in the library (or in another contest since): nothing left to move.
      if (!(err instanceof HttpError && err.status === 409)) throw err;
    }
    await markEntryProjectMoved(deps.db, found.id, deps.clock());
  }
  return entryJson(await oneEntry(deps.db, c, found.id), { hideOrganisation: false, showRank: showRank(user, c) });
}
