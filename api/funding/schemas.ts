// The funding answers' schemas, a leaf module: other features' operations may import them without a circle.
import { Count, Fen, Instant, Nullable, Type, Uuid } from '../schema';

export const SupportKind = Type.Union([Type.Literal('cash'), Type.Literal('goods'), Type.Literal('services')], {
  description: 'What a funder puts in: money, goods or services (valued in fen)',
});

export const Pledge = Type.Object(
  {
    id: Uuid(),
    contestId: Uuid(),
    funderOrganisationId: Uuid(),
    kind: SupportKind,
    valueFen: Fen(),
    allocatedFen: Fen({ description: 'What its subscriptions have drawn' }),
    remainingFen: Fen(),
    description: Type.String(),
    createdBy: Nullable(Uuid()),
    createdAt: Instant(),
  },
  { additionalProperties: false },
);

const subscriptionFields = {
  id: Uuid(),
  contestId: Uuid(),
  pledgeId: Uuid(),
  entryId: Uuid(),
  funderOrganisationId: Uuid(),
  kind: SupportKind,
  amountFen: Fen(),
  createdBy: Nullable(Uuid()),
  createdAt: Instant(),
};
/** What is left right after a subscription (or its cancellation). */
const leftFields = {
  pledgeRemainingFen: Fen({ description: 'What the pledge has left' }),
  entrySubscribedFen: Fen({ description: 'What the entry has been subscribed in all' }),
  entryRemainingFen: Fen({ description: 'What the entry still needs' }),
};

export const Subscription = Type.Object(subscriptionFields, { additionalProperties: false });
export const Subscribed = Type.Object({ ...subscriptionFields, ...leftFields }, { additionalProperties: false });
export const CancelledSubscription = Type.Object({ ...subscriptionFields, cancelled: Type.Literal(true), ...leftFields }, { additionalProperties: false });

export const WithdrawnPledge = Type.Object(
  { pledge: Pledge, withdrawnFen: Fen(), removed: Type.Boolean({ description: 'The pledge had no subscriptions and is gone' }) },
  { additionalProperties: false },
);

export const FundingSource = Type.Object(
  {
    funderOrganisationId: Nullable(Uuid()),
    name: Type.String(),
    kind: Type.Union([Type.Literal('government'), Type.Literal('cash'), Type.Literal('goods'), Type.Literal('services')]),
    valueFen: Fen(),
  },
  { additionalProperties: false },
);

const ResultEntry = Type.Object(
  {
    rank: Type.Integer({ minimum: 1 }),
    trackRank: Type.Integer({ minimum: 1 }),
    trackKey: Type.String(),
    trackName: Type.String(),
    entryId: Uuid(),
    projectId: Uuid(),
    title: Type.String(),
    organisationId: Uuid(),
    organisationName: Type.String(),
    score: Type.Number(),
    status: Type.String(),
    amountAskedFen: Fen(),
    subscribedFen: Fen(),
    matchingFen: Fen(),
    totalFen: Fen(),
    remainingNeedFen: Fen(),
    funding: Type.Array(FundingSource),
    rescoping: Nullable(
      Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('expired')], {
        description: 'A partial award: waiting for the applicant to re-scope, accepted, declined, or expired (counts as declined); null for a full award or none',
      }),
    ),
    returnedFen: Fen({ description: 'What a declined (or expired) partial award gave back to the pool' }),
  },
  { additionalProperties: false },
);

const KindTotals = Type.Object({ pledgedFen: Fen(), subscribedFen: Fen() }, { additionalProperties: false });

export const ContestResults = Type.Object(
  {
    contestId: Uuid(),
    name: Type.String(),
    phase: Type.String(),
    rankingId: Nullable(Uuid()),
    publishedAt: Nullable(Instant()),
    matchingRule: Type.String(),
    entries: Type.Array(ResultEntry),
    totals: Type.Object(
      {
        overall: Type.Object(
          {
            rankedEntries: Count(),
            subscribedEntries: Count(),
            awardedEntries: Count(),
            funders: Count(),
            pledgedFen: Nullable(Fen({ description: 'Organisers only' })),
            subscribedFen: Fen(),
            matchingFen: Fen(),
            matchingPoolFen: Fen(),
            totalFen: Fen(),
            returnedFen: Fen({ description: 'Awarded, then returned: partial awards declined or not answered in time' }),
            fundedFen: Fen({ description: 'What stays with the projects: totalFen less returnedFen' }),
          },
          { additionalProperties: false },
        ),
        byFunder: Type.Array(
          Type.Object(
            {
              funderOrganisationId: Uuid(),
              name: Type.String(),
              pledgedFen: Fen(),
              subscribedFen: Fen(),
              remainingFen: Fen(),
              byKind: Type.Record(Type.String(), KindTotals),
            },
            { additionalProperties: false },
          ),
          { description: 'Every funder to organisers; a funder sees its own organisation only' },
        ),
        byTrack: Type.Array(
          Type.Object(
            { trackKey: Type.String(), name: Type.String(), ranked: Count(), subscribedEntries: Count(), awardedEntries: Count(), askedFen: Fen(), subscribedFen: Fen(), matchingFen: Fen(), totalFen: Fen() },
            { additionalProperties: false },
          ),
        ),
        byKind: Type.Object({ cash: Fen(), goods: Fen(), services: Fen(), government: Fen() }, { additionalProperties: false }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
