import type { UpdateDefinition } from '@temporalio/common';
import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { toContest, toRound, type ContestRoundRow, type ContestRow } from '../../db/repositories/contests';
import { checkContestSettings, parseIsoDuration, type ContestSettings, type Criterion, type Round, type Track } from '../../workflows/contest-rules/settings';
import { allowedMoves } from '../../workflows/contest-rules/phases';
import * as m from '../../workflows/messages';
import type { ContestView } from '../../workflows/messages';
import type { Principal } from '../auth';
import { hasRole } from '../auth';
import { executeContestUpdate, isJudge, runContest, runsContest, startContestWorkflow, visibleContest } from '../contests/service';
import { BusinessRuleError, IllegalMoveError, type FieldError } from '../errors';
import { containsPattern, keysetPage } from '../paging';
import type { RouteRegistry } from '../registry';

interface ContestInput {
  name: string;
  regionId: string;
  programmeIds: string[];
  entriesCloseAt?: string | null;
  roadshowOn?: string | null;
  tracks: Track[];
  rounds: Round[];
  normalisation: ContestSettings['normalisation'];
  blind?: boolean;
  matchingPoolFen?: number;
  matchingCapPerEntryFen?: number;
}

const RUNNERS = ['organiser', 'admin'] as const;

function settingsOf(input: Partial<ContestInput>, base?: ContestSettings): ContestSettings {
  return {
    tracks: input.tracks ?? base?.tracks ?? [],
    rounds: (input.rounds ?? base?.rounds ?? []).map((r) => ({ ...r, criteria: r.criteria.map((c: Criterion) => ({ ...c })) })),
    normalisation: input.normalisation ?? base?.normalisation ?? 'raw_mean',
    blind: input.blind ?? base?.blind ?? false,
    matchingPoolFen: input.matchingPoolFen ?? base?.matchingPoolFen ?? 0,
    matchingCapPerEntryFen: input.matchingCapPerEntryFen ?? base?.matchingCapPerEntryFen ?? 0,
  };
}

/** The contest rules (weights summing to 100, a round with criteria, a roadshow after a round...) plus what only the API knows. */
async function checkContest(db: Knex | Knex.Transaction, user: Principal, s: ContestSettings, input: Partial<ContestInput>, regionPath: string | null, now: Date): Promise<void> {
  const errors: FieldError[] = checkContestSettings(s).map((v) => ({ ...v, field: `/body${v.field}` }));
  s.rounds.forEach((r, i) => {
    const reminder = r.reminderBefore ? parseIsoDuration(r.reminderBefore) : null;
    // The reminder is placed back from the deadline: only a fixed length (no years or months) can be.
    if (reminder && reminder.seconds === null) errors.push({ field: `/body/rounds/${i}/reminderBefore`, rule: 'fixed-length', message: 'must be in weeks, days, hours, minutes or seconds' });
  });
  if (input.entriesCloseAt && new Date(input.entriesCloseAt).getTime() <= now.getTime()) {
    errors.push({ field: '/body/entriesCloseAt', rule: 'in-future', message: 'the entry window must close in the future' });
  }
  if (s.matchingCapPerEntryFen > s.matchingPoolFen) {
    errors.push({ field: '/body/matchingCapPerEntryFen', rule: 'cap-within-pool', message: 'the cap per entry cannot exceed the matching pool' });
  }
  if (input.programmeIds) {
    const found = new Set((await db('programmes').whereIn('id', input.programmeIds).select('id')).map((p: { id: string }) => p.id));
    input.programmeIds.forEach((id, i) => {
      if (!found.has(id)) errors.push({ field: `/body/programmeIds/${i}`, rule: 'exists', message: 'names no existing programme' });
    });
  }
  if (regionPath !== null && !hasRole(user, 'admin') && user.regionPath !== null && !regionPath.startsWith(user.regionPath)) {
    errors.push({ field: '/body/regionId', rule: 'region-in-scope', message: 'is outside your region scope' });
  }
  if (errors.length) throw new BusinessRuleError(errors);
}

async function contestJson(db: Knex, c: ContestRow) {
  const rounds = await db<ContestRoundRow>('contest_rounds').where({ contest_id: c.id }).orderBy('round_index');
  const counts = (await db('contest_entries').where({ contest_id: c.id }).groupBy('status').select('status').count({ n: '*' })) as { status: string; n: string }[];
  return {
    ...toContest(c),
    rounds: c.settings.rounds.map((r, i) => {
      const opened = rounds.find((x) => x.round_index === i);
      return { ...r, state: opened ? toRound(opened) : null };
    }),
    entryCounts: Object.fromEntries(counts.map((x) => [x.status, Number(x.n)])),
    allowedMoves: allowedMoves(c.phase),
  };
}

/** One route per phase move, each the same shape: the organiser asks, the workflow's validator decides. */
function moveRoute<A extends m.Actor>(
  registry: RouteRegistry,
  spec: { path: string; operationId: string; summary: string; move: string; update: UpdateDefinition<ContestView, [A]>; args: (body: Record<string, unknown>, user: Principal) => A },
): void {
  registry.add({
    method: 'post',
    path: `/api/v1/contests/:id/${spec.path}`,
    operationId: spec.operationId,
    summary: spec.summary,
    tag: 'contests',
    access: RUNNERS,
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const c = await runContest(deps.db, user, params.id);
      const updateId = idempotencyKey ? `${spec.move}:${idempotencyKey}` : undefined;
      const view = await executeContestUpdate(deps, c.id, spec.update, spec.move, spec.args((body ?? {}) as Record<string, unknown>, user), updateId);
      return { body: view };
    },
  });
}

export function registerContestRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/contests',
    operationId: 'contests.create',
    summary: 'Set up a venture-funding contest (公益创投大赛): eligible programmes, timeline, tracks, rounds with weighted criteria, normalisation, blind judging, matching pool',
    tag: 'contests',
    access: RUNNERS,
    status: 201,
    handler: async ({ body, user, deps, requestId }) => {
      const input = body as ContestInput;
      const settings = settingsOf(input);
      const row = await deps.db.transaction(async (trx) => {
        const region = await trx('regions').where({ id: input.regionId }).first('id', 'path');
        if (!region) throw new BusinessRuleError([{ field: '/body/regionId', rule: 'exists', message: 'names no existing region' }]);
        await checkContest(trx, user, settings, input, region.path, deps.clock());
        const [created] = (await trx('contests')
          .insert({
            name: input.name, region_id: region.id, region_path: region.path, programme_ids: input.programmeIds, settings: JSON.stringify(settings),
            entries_close_at: input.entriesCloseAt ? new Date(input.entriesCloseAt) : null, roadshow_on: input.roadshowOn ?? null, phase: 'draft', created_by: user.id,
          })
          .returning('*')) as ContestRow[];
        await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'contest', objectId: created.id, after: toContest(created), requestId });
        return created;
      });
      try {
        await startContestWorkflow(deps, row.id);
      } catch (err) {
        // Without its workflow the contest could never move: take the row back.
        await deps.db.transaction(async (trx) => {
          await trx('contests').where({ id: row.id }).delete();
          await writeAudit(trx, { actorId: user.id, action: 'delete', objectType: 'contest', objectId: row.id, before: toContest(row), requestId });
        });
        throw err;
      }
      return { status: 201, body: await contestJson(deps.db, row) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests',
    operationId: 'contests.list',
    summary: 'Contests: organisers see the ones they run, drafts included; everyone else those open or past',
    tag: 'contests',
    access: 'authenticated',
    handler: async ({ query, user, deps }) => {
      const q = deps.db<ContestRow>('contests').select('contests.*');
      if (!hasRole(user, 'admin')) {
        q.where((w) => {
          w.whereNot('phase', 'draft').orWhereIn('id', deps.db('contest_judges').where('user_id', user.id).select('contest_id'));
          if (hasRole(user, 'organiser')) {
            w.orWhere('created_by', user.id);
            if (user.regionPath === null) w.orWhereRaw('true');
            else w.orWhere('region_path', 'like', `${user.regionPath}%`);
          }
        });
      }
      if (query.phase) q.where('phase', query.phase);
      if (query.q) q.whereILike('name', containsPattern(query.q));
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'contests' }, (r: ContestRow) => ({ ...toContest(r), allowedMoves: allowedMoves(r.phase) })) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id',
    operationId: 'contests.get',
    summary: 'One contest: settings, phase, rounds with their deadlines, entry counts and the moves allowed now',
    tag: 'contests',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const json = await contestJson(deps.db, c);
      const mayRun = runsContest(user, c);
      return { body: { ...json, youRunIt: mayRun, youJudgeIt: await isJudge(deps.db, c.id, user.id) } };
    },
  });

  registry.add({
    method: 'patch',
    path: '/api/v1/contests/:id',
    operationId: 'contests.update',
    summary: 'Change a draft contest (settings are frozen once entries open)',
    tag: 'contests',
    access: RUNNERS,
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as Partial<ContestInput>;
      await runContest(deps.db, user, params.id);
      const row = await deps.db.transaction(async (trx) => {
        // The same lock the openEntries activity takes: an edit and the opening never interleave.
        const before = await trx<ContestRow>('contests').where({ id: params.id }).forNoKeyUpdate().first();
        if (!before) throw new IllegalMoveError('draft', 'update');
        if (before.phase !== 'draft') throw new IllegalMoveError(before.phase, 'update', `a contest can be changed only in draft; the current phase is "${before.phase}"`);
        const settings = settingsOf(input, before.settings);
        await checkContest(trx, user, settings, input, null, deps.clock());
        const changes: Record<string, unknown> = { settings: JSON.stringify(settings), updated_at: deps.clock() };
        if (input.name !== undefined) changes.name = input.name;
        if (input.programmeIds !== undefined) changes.programme_ids = input.programmeIds;
        if (input.entriesCloseAt !== undefined) changes.entries_close_at = input.entriesCloseAt ? new Date(input.entriesCloseAt) : null;
        if (input.roadshowOn !== undefined) changes.roadshow_on = input.roadshowOn;
        const [after] = await trx<ContestRow>('contests').where({ id: params.id }).update(changes).returning('*');
        await writeAudit(trx, { actorId: user.id, action: 'update', objectType: 'contest', objectId: params.id, before: toContest(before), after: toContest(after), requestId });
        return after;
      });
      return { body: await contestJson(deps.db, row) };
    },
  });

  const actor = (_b: Record<string, unknown>, user: Principal) => ({ actorId: user.id });
  moveRoute(registry, { path: 'open-entries', operationId: 'contests.openEntries', summary: 'Open the contest for entries (draft → open); the settings are frozen', move: 'openEntries', update: m.openEntries, args: actor });
  moveRoute(registry, { path: 'close-entries', operationId: 'contests.closeEntries', summary: 'Close entries before the entry deadline (open → screening); the deadline does it by itself', move: 'closeEntries', update: m.closeEntries, args: actor });
  moveRoute(registry, {
    path: 'start-judging', operationId: 'contests.startJudging', move: 'startJudging', update: m.startJudging, args: actor,
    summary: 'Start judging (screening → judging): opens the first round and assigns judges with balanced load, never across a conflict of interest (422 naming the entries that cannot be covered)',
  });
  moveRoute(registry, {
    path: 'close-round', operationId: 'contests.closeRound', move: 'closeRound', update: m.closeRound,
    args: (b, user) => ({ actorId: user.id, allowMissing: b.allowMissing === true }),
    summary: 'Close the current round: freezes its scores and ranks it; the next round (roadshow of the top N per track) opens, or after the last one the contest has results',
  });
  moveRoute(registry, { path: 'publish-ranking', operationId: 'contests.publishRanking', summary: 'Publish the final ranking as an immutable snapshot (results → funding); funders may then subscribe', move: 'publishRanking', update: m.publishRanking, args: actor });
  moveRoute(registry, {
    path: 'award', operationId: 'contests.award', move: 'award', update: m.awardEntries,
    args: (b, user) => ({ actorId: user.id, startDate: String(b.startDate), endDate: String(b.endDate), finalTranchePercent: typeof b.finalTranchePercent === 'number' ? b.finalTranchePercent : 30 }),
    summary: 'Award (funding → awarded): the matching pool tops entries up in rank order; awarded projects move to delivery with their funding sources, the rest back to the project library',
  });
  moveRoute(registry, { path: 'close', operationId: 'contests.close', summary: 'Close an awarded contest', move: 'close', update: m.closeContest, args: actor });
  moveRoute(registry, {
    path: 'cancel', operationId: 'contests.cancel', move: 'cancel', update: m.cancelContest,
    args: (b, user) => ({ actorId: user.id, reason: String(b.reason) }),
    summary: 'Cancel a contest before judging starts; entered projects go back to the library',
  });
}
