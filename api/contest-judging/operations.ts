import { defineOperation } from '../operation';
import { Count, Fen, IdParams, Instant, Nullable, Text, Type, Uuid } from '../schema';
import { Entry } from '../contest-entries/schemas';
import { RuleKey } from '../contests/schemas';
import { addJudges, getRanking, listAssignments, listJudges, reassign, removeJudge, submitScores } from './service';

const RUNNERS = ['organiser', 'admin'] as const;

const SheetScores = Type.Record(Type.String({ minLength: 1, maxLength: 60, pattern: '^[A-Za-z][A-Za-z0-9_-]*$' }), Type.Number(), {
  maxProperties: 30,
  description: 'Criterion key -> score within its range',
});

const Judges = Type.Object(
  {
    roundKey: Nullable(Type.String()),
    roundClosed: Nullable(Type.Boolean()),
    deadlineAt: Nullable(Instant()),
    items: Type.Array(
      Type.Object(
        {
          userId: Uuid(), displayName: Type.String(), organisationId: Nullable(Uuid()), organisationName: Nullable(Type.String()), conflictOrganisationIds: Type.Array(Uuid()),
          addedAt: Instant(), assigned: Count(), scored: Count(), missing: Count(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Sheet = Type.Object(
  { scores: Type.Record(Type.String(), Type.Number()), comment: Type.String(), total: Type.Number(), submittedAt: Instant(), updatedAt: Instant() },
  { additionalProperties: false },
);

const Assignment = Type.Object(
  { roundKey: Type.String(), roundIndex: Count(), roundClosed: Type.Boolean(), judgeId: Uuid(), status: Type.String(), dueAt: Instant(), entry: Entry, sheet: Nullable(Sheet) },
  { additionalProperties: false },
);

const RankedEntry = Type.Object(
  {
    rank: Type.Integer({ minimum: 1 }), trackRank: Type.Integer({ minimum: 1 }), trackKey: Type.String(), score: Type.Number(), sheetCount: Count(), roundKey: Type.String(),
    entryId: Uuid(), projectId: Uuid(), title: Type.String(), organisationId: Uuid(), organisationName: Type.String(), amountAskedFen: Fen(),
  },
  { additionalProperties: false },
);

const Ranking = Type.Object(
  {
    id: Uuid(),
    kind: Type.String(),
    method: Type.String(),
    roundKey: Nullable(Type.String()),
    computedAt: Instant(),
    publishedAt: Nullable(Instant()),
    tieBreak: Type.String(),
    unscoredEntryIds: Type.Array(Uuid()),
    overall: Type.Array(RankedEntry),
    byTrack: Type.Record(Type.String(), Type.Array(RankedEntry), { description: 'Track key -> its entries in rank order' }),
  },
  { additionalProperties: false },
);

const RoundQuery = Type.Object({ roundKey: Type.Optional(RuleKey()) }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'contestJudges.add',
    method: 'post',
    path: '/api/v1/contests/:id/judges',
    summary: "Add judges (评审专家, accounts with the reviewer role) to the contest's pool; assignment picks from it",
    tag: 'contests',
    access: RUNNERS,
    transaction: true,
    params: IdParams,
    body: Type.Object({ userIds: Type.Array(Uuid(), { minItems: 1, maxItems: 500, uniqueItems: true }) }, { additionalProperties: false }),
    response: Judges,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, trx, requestId }) => ({ body: await addJudges(trx, user, requestId, params.id, body.userIds) }),
  }),

  defineOperation({
    operationId: 'contestJudges.list',
    method: 'get',
    path: '/api/v1/contests/:id/judges',
    summary: "The judge pool with each judge's progress in a round (the latest by default): assigned, scored, missing",
    tag: 'contests',
    access: RUNNERS,
    params: IdParams,
    query: RoundQuery,
    response: Judges,
    problems: [404],
    handler: async ({ params, query, user, deps }) => ({ body: await listJudges(deps.db, user, params.id, query.roundKey) }),
  }),

  defineOperation({
    operationId: 'contestJudges.remove',
    method: 'delete',
    path: '/api/v1/contests/:id/judges/:userId',
    summary: 'Take a judge out of the pool before judging starts',
    tag: 'contests',
    access: RUNNERS,
    status: 204,
    transaction: true,
    params: Type.Object({ id: Uuid(), userId: Uuid() }, { additionalProperties: false }),
    problems: [404, 409],
    handler: async ({ params, user, trx, requestId }) => {
      await removeJudge(trx, user, requestId, params.id, params.userId);
      return { status: 204 };
    },
  }),

  defineOperation({
    operationId: 'contestAssignments.list',
    method: 'get',
    path: '/api/v1/contests/:id/assignments',
    summary: 'Judge assignments with each sheet: a judge sees only their own (blind: without the organisation); organisers see all',
    tag: 'contests',
    access: ['reviewer', ...RUNNERS],
    params: IdParams,
    query: Type.Object(
      {
        roundKey: Type.Optional(RuleKey()),
        judgeId: Type.Optional(Uuid()),
        entryId: Type.Optional(Uuid()),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Items a page (1-500)' }),
        cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,400}$', description: 'nextCursor of the previous page' })),
      },
      { additionalProperties: false },
    ),
    response: Type.Object({ items: Type.Array(Assignment), nextCursor: Nullable(Type.String()) }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, query, user, deps }) => ({ body: await listAssignments(deps.db, user, params.id, query) }),
  }),

  defineOperation({
    operationId: 'contestAssignments.reassign',
    method: 'post',
    path: '/api/v1/contests/:id/rounds/:roundKey/reassignments',
    summary: 'Replace a judge on one entry of an open round (a named judge, or the least-loaded one free of conflict); a judge who already scored stays',
    tag: 'contests',
    access: RUNNERS,
    status: 201,
    params: Type.Object({ id: Uuid(), roundKey: RuleKey() }, { additionalProperties: false }),
    body: Type.Object({ entryId: Uuid(), fromJudgeId: Uuid(), toJudgeId: Type.Optional(Uuid()) }, { additionalProperties: false }),
    response: Type.Object({ roundKey: Type.String(), entryId: Uuid(), fromJudgeId: Uuid(), toJudgeId: Uuid(), dueAt: Instant() }, { additionalProperties: false }),
    problems: [404, 409, 422],
    handler: async ({ params, body, user, deps, requestId }) => ({ status: 201, body: await reassign(deps.db, user, requestId, deps.clock(), params.id, params.roundKey, body) }),
  }),

  defineOperation({
    operationId: 'contestScores.submit',
    method: 'put',
    path: '/api/v1/contests/:id/rounds/:roundKey/scores/:entryId',
    summary: 'Score (or revise the score of) an entry assigned to you, every criterion within its range, until the round closes; a sheet racing the close is wholly in or refused',
    tag: 'contests',
    access: ['reviewer'],
    params: Type.Object({ id: Uuid(), roundKey: RuleKey(), entryId: Uuid() }, { additionalProperties: false }),
    body: Type.Object({ scores: SheetScores, comment: Type.Optional(Text(5000)) }, { additionalProperties: false }),
    response: Type.Object(
      { roundKey: Type.String(), entryId: Uuid(), judgeId: Uuid(), scores: Type.Record(Type.String(), Type.Number()), comment: Type.String(), total: Type.Number(), submittedAt: Instant(), updatedAt: Instant() },
      { additionalProperties: false },
    ),
    problems: [404, 409, 422],
    handler: async ({ params, body, user, deps, requestId }) => ({ body: await submitScores(deps.db, user, requestId, params.id, params.roundKey, params.entryId, body) }),
  }),

  defineOperation({
    operationId: 'contestRanking.get',
    method: 'get',
    path: '/api/v1/contests/:id/ranking',
    summary: 'The final ranking (organisers before publication; everyone after) or, for organisers, a round ranking: overall and per track, with the documented tie-break',
    tag: 'contests',
    access: 'authenticated',
    params: IdParams,
    query: RoundQuery,
    response: Ranking,
    problems: [404],
    handler: async ({ params, query, user, deps }) => ({ body: await getRanking(deps.db, user, params.id, query.roundKey) }),
  }),
];

