import type { UpdateDefinition } from '@temporalio/common';
import * as m from '../../workflows/messages';
import { defineOperation, type Operation } from '../operation';
import type { TObject } from '@sinclair/typebox';
import { Empty, IdParams, IsoDate, Page, PageQuery, Text, Type, type Static } from '../schema';
import { Contest, ContestPhase, ContestSummary, ContestView, contestInputFields } from './schemas';
import { createContest, getContest, listContests, moveContest, updateContest } from './service';

const RUNNERS = ['organiser', 'admin'] as const;

/** One operation per phase move, each the same shape: the organiser asks, the workflow's validator decides. */
function moveOperation<B extends TObject, A extends m.Actor>(spec: {
  path: string;
  operationId: string;
  summary: string;
  move: string;
  update: UpdateDefinition<m.ContestView, [A]>;
  body: B;
  /** The body is required (award, cancel); the other moves may come without one. */
  bodyRequired?: true;
  args: (body: Static<B>, actorId: string) => A;
}): Operation {
  return defineOperation<typeof IdParams, undefined, TObject, typeof ContestView>({
    operationId: spec.operationId,
    method: 'post',
    path: `/api/v1/contests/:id/${spec.path}`,
    summary: spec.summary,
    tag: 'contests',
    access: RUNNERS,
    params: IdParams,
    body: spec.bodyRequired ? spec.body : Type.Optional(spec.body),
    response: ContestView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({
      body: await moveContest(deps, user, params.id, spec.move, spec.update, spec.args((body ?? {}) as unknown as Static<B>, user.id), idempotencyKey),
    }),
  });
}

const actor = (_b: Record<string, never>, actorId: string) => ({ actorId });

export const operations: Operation[] = [
  defineOperation({
    operationId: 'contests.create',
    method: 'post',
    path: '/api/v1/contests',
    summary: 'Set up a venture-funding contest (公益创投大赛): eligible programmes, timeline, tracks, rounds with weighted criteria, normalisation, blind judging, matching pool',
    description: 'The region must be in your scope and every programme must exist (404 naming the field otherwise, as for an id in the path).',
    tag: 'contests',
    access: RUNNERS,
    status: 201,
    body: Type.Object(
      {
        name: contestInputFields.name,
        regionId: contestInputFields.regionId,
        programmeIds: contestInputFields.programmeIds,
        entriesCloseAt: Type.Optional(contestInputFields.entriesCloseAt),
        roadshowOn: Type.Optional(contestInputFields.roadshowOn),
        tracks: contestInputFields.tracks,
        rounds: contestInputFields.rounds,
        normalisation: contestInputFields.normalisation,
        blind: Type.Optional(contestInputFields.blind),
        matchingPoolFen: Type.Optional(contestInputFields.matchingPoolFen),
        matchingCapPerEntryFen: Type.Optional(contestInputFields.matchingCapPerEntryFen),
        rescopingDeadline: Type.Optional(contestInputFields.rescopingDeadline),
      },
      { additionalProperties: false },
    ),
    response: Contest,
    problems: [404, 422],
    handler: async ({ body, user, deps, requestId }) => ({ status: 201, body: await createContest(deps, user, requestId, body) }),
  }),

  defineOperation({
    operationId: 'contests.list',
    method: 'get',
    path: '/api/v1/contests',
    summary: 'Contests: organisers see the ones they run, drafts included; everyone else those open or past',
    tag: 'contests',
    access: 'authenticated',
    query: Type.Object({ ...PageQuery, phase: Type.Optional(ContestPhase), q: Type.Optional(Text(100, { minLength: 1 })) }, { additionalProperties: false }),
    response: Page(ContestSummary),
    handler: async ({ query, user, deps }) => ({ body: await listContests(deps.db, user, query) }),
  }),

  defineOperation({
    operationId: 'contests.get',
    method: 'get',
    path: '/api/v1/contests/:id',
    summary: 'One contest: settings, phase, rounds with their deadlines, entry counts and the moves allowed now',
    tag: 'contests',
    access: 'authenticated',
    params: IdParams,
    response: Contest,
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getContest(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'contests.update',
    method: 'patch',
    path: '/api/v1/contests/:id',
    summary: 'Change a draft contest (settings are frozen once entries open)',
    tag: 'contests',
    access: RUNNERS,
    transaction: true,
    params: IdParams,
    body: Type.Object(
      {
        name: Type.Optional(contestInputFields.name),
        programmeIds: Type.Optional(contestInputFields.programmeIds),
        entriesCloseAt: Type.Optional(contestInputFields.entriesCloseAt),
        roadshowOn: Type.Optional(contestInputFields.roadshowOn),
        tracks: Type.Optional(contestInputFields.tracks),
        rounds: Type.Optional(contestInputFields.rounds),
        normalisation: Type.Optional(contestInputFields.normalisation),
        blind: Type.Optional(contestInputFields.blind),
        matchingPoolFen: Type.Optional(contestInputFields.matchingPoolFen),
        matchingCapPerEntryFen: Type.Optional(contestInputFields.matchingCapPerEntryFen),
        rescopingDeadline: Type.Optional(contestInputFields.rescopingDeadline),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: Contest,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, deps, trx, requestId }) => ({ body: await updateContest(trx, user, requestId, deps.clock(), params.id, body) }),
  }),

  moveOperation({ path: 'open-entries', operationId: 'contests.openEntries', summary: 'Open the contest for entries (draft → open); the settings are frozen', move: 'openEntries', update: m.openEntries, body: Empty, args: actor }),
  moveOperation({ path: 'close-entries', operationId: 'contests.closeEntries', summary: 'Close entries before the entry deadline (open → screening); the deadline does it by itself', move: 'closeEntries', update: m.closeEntries, body: Empty, args: actor }),
  moveOperation({
    path: 'start-judging', operationId: 'contests.startJudging', move: 'startJudging', update: m.startJudging, body: Empty, args: actor,
    summary: 'Start judging (screening → judging): opens the first round and assigns judges with balanced load, never across a conflict of interest (422 naming the entries that cannot be covered)',
  }),
  moveOperation({
    path: 'close-round', operationId: 'contests.closeRound', move: 'closeRound', update: m.closeRound,
    body: Type.Object({ allowMissing: Type.Optional(Type.Boolean({ description: 'Close although assigned sheets are missing' })) }, { additionalProperties: false }),
    args: (b: { allowMissing?: boolean }, actorId) => ({ actorId, allowMissing: b.allowMissing === true }),
    summary: 'Close the current round: freezes its scores and ranks it; the next round (roadshow of the top N per track) opens, or after the last one the contest has results',
  }),
  moveOperation({ path: 'publish-ranking', operationId: 'contests.publishRanking', summary: 'Publish the final ranking as an immutable snapshot (results → funding); funders may then subscribe', move: 'publishRanking', update: m.publishRanking, body: Empty, args: actor }),
  moveOperation({
    path: 'award', operationId: 'contests.award', move: 'award', update: m.awardEntries,
    body: Type.Object(
      {
        startDate: IsoDate(),
        endDate: IsoDate(),
        finalTranchePercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Share of each award held back as the final tranche (default 30)' })),
      },
      { additionalProperties: false },
    ),
    bodyRequired: true,
    args: (b: { startDate: string; endDate: string; finalTranchePercent?: number }, actorId) => ({ actorId, startDate: b.startDate, endDate: b.endDate, finalTranchePercent: b.finalTranchePercent ?? 30 }),
    summary: 'Award (funding → awarded): the matching pool tops entries up in rank order; awarded projects move to delivery with their funding sources, the rest back to the project library',
  }),
  moveOperation({ path: 'close', operationId: 'contests.close', summary: 'Close an awarded contest', move: 'close', update: m.closeContest, body: Empty, args: actor }),
  moveOperation({
    path: 'cancel', operationId: 'contests.cancel', move: 'cancel', update: m.cancelContest,
    body: Type.Object({ reason: Text(2000, { minLength: 1 }) }, { additionalProperties: false }),
    bodyRequired: true,
    args: (b: { reason: string }, actorId) => ({ actorId, reason: b.reason }),
    summary: 'Cancel a contest before judging starts; entered projects go back to the library',
  }),
];
