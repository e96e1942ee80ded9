// The contest entry's answer schema, a leaf module: judging's operations import it without a circle.
import { FundingSource } from '../funding/schemas';
import { OneOf, TargetGroup } from '../projects/schemas';
import { Fen, Instant, Nullable, Type, Uuid } from '../schema';

export const EntryStatus = OneOf(['entered', 'withdrawn', 'screened_out', 'awarded', 'not_awarded', 'cancelled'] as const);

/** An entry as its reader may see it: a judge of a blind contest gets neither the project, nor the organisation. */
export const Entry = Type.Object(
  {
    id: Uuid(),
    contestId: Uuid(),
    projectId: Type.Optional(Uuid({ description: 'Left out for a judge of a blind contest until the ranking is published' })),
    organisationId: Type.Optional(Uuid({ description: 'Left out for a judge of a blind contest until the ranking is published' })),
    organisationName: Type.Optional(Type.String()),
    trackKey: Type.String(),
    title: Type.String(),
    summary: Type.String(),
    targetGroups: Type.Array(TargetGroup),
    amountAskedFen: Fen(),
    status: EntryStatus,
    reason: Nullable(Type.String()),
    rank: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    trackRank: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    score: Type.Optional(Nullable(Type.Number())),
    subscribedFen: Fen(),
    matchingFen: Fen(),
    remainingNeedFen: Type.Integer({ description: 'What the entry still needs, in fen' }),
    fundingSources: Nullable(Type.Array(FundingSource)),
    submittedAt: Instant(),
    withdrawnAt: Nullable(Instant()),
    projectMovedAt: Nullable(Instant()),
    projectMoveError: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const EntryWithProposal = Type.Object(
  { ...Entry.properties, proposal: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'The latest frozen proposal (blind: without the team lead)' })) },
  { additionalProperties: false },
);
