// The contest answers' and settings' schemas, a leaf module: the entries and judging operations import it without a circle.
import { CONTEST_MOVES, CONTEST_PHASES } from '../../workflows/contest-rules/phases';
import { Count, Fen, Instant, IsoDate, IsoDuration, Name, Nullable, Type, Uuid } from '../schema';
import { OneOf } from '../projects/schemas';

export const ContestPhase = OneOf(CONTEST_PHASES);
export const ContestMove = OneOf(CONTEST_MOVES);

/** A stable key a score sheet, a track or a round uses. */
export const RuleKey = (opts: { description?: string } = {}) => Type.String({ minLength: 1, maxLength: 60, pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Stable key a score sheet uses', ...opts });

export const Track = Type.Object({ key: RuleKey(), name: Name() }, { additionalProperties: false, description: 'A contest track (赛道), e.g. elderly, children, new-employment groups' });

export const Criterion = Type.Object(
  {
    key: RuleKey(),
    name: Name(),
    weight: Type.Number({ minimum: 0, maximum: 100, description: 'Weight in percent; the weights of a list must sum to 100' }),
    minScore: Type.Number({ minimum: 0, maximum: 1000 }),
    maxScore: Type.Number({ minimum: 0, maximum: 1000 }),
  },
  { additionalProperties: false },
);

export const Round = Type.Object(
  {
    key: RuleKey(),
    name: Name(),
    kind: OneOf(['online', 'roadshow'] as const),
    criteria: Type.Array(Criterion, { maxItems: 30, description: 'Weights sum to 100' }),
    judgesPerEntry: Type.Integer({ minimum: 1, maximum: 50 }),
    topNPerTrack: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Roadshow: how many entries of each track advance from the previous round' })),
    judgingDeadline: IsoDuration(),
    reminderBefore: Type.Optional(IsoDuration()),
  },
  { additionalProperties: false, description: 'A judging round: an online preliminary round or a roadshow of the top N per track' },
);

export const Normalisation = OneOf(['raw_mean', 'trimmed_mean', 'z_score'] as const, {
  description: "raw_mean; trimmed_mean drops each entry's highest and lowest sheet; z_score rescales each judge's totals (50 + 10z)",
});

/** The fields a contest is set up with; `contests.create` requires some, `contests.update` takes any of them. */
export const contestInputFields = {
  name: Name(),
  regionId: Uuid(),
  programmeIds: Type.Array(Uuid(), { minItems: 1, maxItems: 50, uniqueItems: true, description: 'Programmes whose approved projects may enter' }),
  entriesCloseAt: Nullable(Instant()),
  roadshowOn: Nullable(IsoDate()),
  tracks: Type.Array(Track, { maxItems: 50 }),
  rounds: Type.Array(Round, { maxItems: 10 }),
  normalisation: Normalisation,
  blind: Type.Boolean({ description: 'Judges do not see the applicant organisation' }),
  matchingPoolFen: Fen(),
  matchingCapPerEntryFen: Fen(),
  rescopingDeadline: IsoDuration({ description: 'How long a partly funded applicant has to accept a budget re-scoped to the award or decline it (ISO 8601, default P14D); no answer by then counts as declined' }),
};

const RoundState = Type.Object(
  { index: Count(), key: Type.String(), kind: Type.String(), openedAt: Instant(), deadlineAt: Instant(), remindAt: Nullable(Instant()), closedAt: Nullable(Instant()), rankingId: Nullable(Uuid()) },
  { additionalProperties: false },
);

const contestFields = {
  id: Uuid(),
  name: Type.String(),
  regionId: Uuid(),
  regionPath: Type.String(),
  programmeIds: Type.Array(Uuid()),
  entriesCloseAt: Nullable(Instant()),
  roadshowOn: Nullable(IsoDate()),
  tracks: Type.Array(Track),
  normalisation: Normalisation,
  blind: Type.Boolean(),
  matchingPoolFen: Fen(),
  matchingCapPerEntryFen: Fen(),
  rescopingDeadline: Type.Optional(IsoDuration()),
  phase: ContestPhase,
  currentRound: Nullable(Count()),
  finalRankingId: Nullable(Uuid()),
  publishedAt: Nullable(Instant()),
  awardedAt: Nullable(Instant()),
  closedAt: Nullable(Instant()),
  cancelled: Nullable(
    Type.Object(
      { at: Instant(), reason: Nullable(Type.String({ description: "The organiser's reason; null only for a contest cancelled before reasons were kept with no entry to keep it" })) },
      { additionalProperties: false, description: 'Set when the organiser cancelled the contest before judging (its phase is then closed)' },
    ),
  ),
  createdBy: Nullable(Uuid()),
  createdAt: Instant(),
  updatedAt: Instant(),
  allowedMoves: Type.Array(ContestMove),
};

/** A contest in a list: its settings and phase. */
export const ContestSummary = Type.Object({ ...contestFields, rounds: Type.Array(Round) }, { additionalProperties: false });

/** One contest: its settings, each round with its state once opened, entry counts by status. */
export const Contest = Type.Object(
  {
    ...contestFields,
    rounds: Type.Array(Type.Object({ ...Round.properties, state: Nullable(RoundState) }, { additionalProperties: false })),
    entryCounts: Type.Record(Type.String(), Count(), { description: 'Entries by status' }),
    youRunIt: Type.Optional(Type.Boolean()),
    youJudgeIt: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** What the contest workflow holds after a phase move (the answer of every move). */
export const ContestView = Type.Object(
  {
    contestId: Uuid(),
    phase: ContestPhase,
    settings: Nullable(
      Type.Object(
        {
          tracks: Type.Array(Track), rounds: Type.Array(Round), normalisation: Normalisation, blind: Type.Boolean(), matchingPoolFen: Fen(), matchingCapPerEntryFen: Fen(),
          rescopingDeadline: Type.Optional(IsoDuration()),
        },
        { additionalProperties: false, description: 'Frozen when entries open' },
      ),
    ),
    entriesCloseAt: Nullable(Instant()),
    entriesClosedAt: Nullable(Instant()),
    rounds: Type.Array(
      Type.Object(
        {
          index: Count(), key: Type.String(), openedAt: Instant(), deadlineAt: Instant(), remindAt: Nullable(Instant()), reminded: Type.Boolean(), lateNotified: Type.Boolean(),
          closedAt: Nullable(Instant()), rankingId: Nullable(Uuid()),
        },
        { additionalProperties: false },
      ),
    ),
    currentRound: Nullable(Count()),
    rankingId: Nullable(Uuid()),
    publishedAt: Nullable(Instant()),
    award: Nullable(
      Type.Object(
        {
          decidedAt: Instant(),
          awardedEntryIds: Type.Array(Uuid()),
          notAwardedEntryIds: Type.Array(Uuid()),
          subscribedFen: Fen(),
          matchingFen: Fen(),
          projectsMoved: Count(),
          projectMoveFailures: Type.Array(Type.Object({ entryId: Uuid(), error: Type.String() }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    cancelled: Nullable(Type.Object({ at: Instant(), reason: Type.String() }, { additionalProperties: false })),
    allowedMoves: Type.Array(ContestMove),
    openDeadlines: Type.Array(Type.Object({ kind: Type.String(), dueAt: Instant() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
