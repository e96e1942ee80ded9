// Schemas every project feature shares (design, review, delivery, monitoring, evaluation, tranches, closure): a leaf
// module, so operations files import it and never each other.
import { STAGES } from '../../workflows/stages';
import { Fen, Count, Instant, IsoDate, Name, Nullable, Text, Type, Uuid } from '../schema';

/** One of a list of strings, typed as that union. */
export const OneOf = <T extends string>(values: readonly T[], opts: { description?: string } = {}) => Type.Union(values.map((v) => Type.Literal(v)), opts);

export const Stage = OneOf(STAGES);
export const Colour = OneOf(['green', 'blue', 'yellow', 'red'] as const, { description: 'The four-colour grade (四色分级)' });
export const TargetGroup = OneOf(['elderly', 'children', 'new_employment_workers', 'migrants', 'people_with_disabilities', 'women_and_families', 'others'] as const, {
  description: 'Who a need or project serves',
});
export const RegionLevel = OneOf(['city', 'district', 'street', 'community'] as const);

/** Score per criterion (indicator, dimension) key. */
export const Scores = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }), Type.Number({ minimum: -1000, maximum: 1000 }), {
  minProperties: 1,
  maxProperties: 50,
  description: 'Score per criterion key',
});

export const Proposal = Type.Object(
  {
    targetGroups: Type.Array(TargetGroup, { minItems: 1, maxItems: 7, uniqueItems: true }),
    objectives: Type.Array(
      Type.Object(
        {
          description: Text(2000, { minLength: 1 }),
          indicators: Type.Array(
            Type.Object({ name: Name(), unit: Text(40, { minLength: 1 }), target: Type.Number({ minimum: 0, maximum: 1_000_000_000 }) }, { additionalProperties: false }),
            { minItems: 1, maxItems: 20 },
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    milestones: Type.Array(Type.Object({ name: Name(), due: IsoDate() }, { additionalProperties: false }), { maxItems: 100 }),
    team: Type.Object(
      {
        staff: Count({ maximum: 10_000_000 }),
        certifiedSocialWorkers: Count({ maximum: 10_000_000 }),
        volunteers: Count({ maximum: 10_000_000 }),
        lead: Name(),
        members: Type.Optional(
          Type.Array(Type.Object({ name: Name(), fullTime: Type.Boolean(), certified: Type.Boolean({ description: 'A certified social worker (持证社工)' }) }, { additionalProperties: false }), {
            maxItems: 500,
            description: 'The named staff who run the service; the team rule (6430) counts them',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    budgetLines: Type.Array(Type.Object({ item: Name(), amountFen: Fen() }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
    amountAskedFen: Fen(),
    coFundingFen: Fen(),
  },
  { additionalProperties: false },
);

/** A project's record (the read model the workflow's activities keep). */
export const projectFields = {
  id: Uuid(),
  programmeId: Uuid(),
  organisationId: Uuid(),
  regionId: Uuid(),
  regionLevel: RegionLevel,
  title: Type.String(),
  summary: Type.String(),
  targetGroups: Type.Array(Type.String()),
  stage: Stage,
  colour: Colour,
  amountAskedFen: Fen(),
  currentVersion: Type.Integer({ minimum: 0 }),
  supervisorId: Nullable(Uuid()),
  createdAt: Instant(),
  updatedAt: Instant(),
};
export const Project = Type.Object(projectFields, { additionalProperties: false });

const Stamp = Type.String({ description: 'An instant, ISO 8601' });

/**
 * The live state of a project's workflow (its query `getState`), as the reader may see it: reviewers' ids only to
 * admins and the officers over the project, and to each reviewer their own.
 */
export const ProjectView = Type.Object(
  {
    projectId: Uuid(),
    stage: Stage,
    version: Type.Integer({ minimum: 0 }),
    colour: Colour,
    colourReasons: Type.Array(Type.String()),
    panel: Type.Array(
      Type.Object(
        {
          reviewerId: Nullable(Uuid({ description: 'Hidden (null) from readers who may not learn who reviews' })),
          dueAt: Stamp,
          remindAt: Nullable(Stamp),
          reminded: Type.Boolean(),
          lateNotified: Type.Boolean(),
          scored: Type.Boolean(),
          total: Nullable(Type.Number()),
        },
        { additionalProperties: false },
      ),
    ),
    revisionDueAt: Nullable(Stamp),
    contestId: Nullable(Uuid()),
    agreement: Nullable(
      Type.Object({ startDate: IsoDate(), endDate: IsoDate(), amountFen: Fen(), finalTrancheFen: Fen(), reportsFrom: Type.String(), reportZone: Type.Optional(Type.String({ description: "The programme's time zone the report months follow (absent for agreements signed before they did)" })) }, { additionalProperties: false }),
    ),
    reports: Type.Array(
      Type.Object({ period: Type.Integer(), periodStart: Type.String(), dueAt: Stamp, submitted: Type.Boolean(), overdue: Type.Boolean(), reminded: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    submittedPeriods: Type.Array(Type.Integer()),
    complaints: Type.Integer({ minimum: 0 }),
    supervisionIndex: Nullable(Type.Number()),
    rectification: Nullable(
      Type.Object(
        {
          id: Type.String(),
          cause: OneOf(['red_grade', 'failed_evaluation'] as const),
          dueAt: Stamp,
          planned: Type.Boolean(),
          overdueNotified: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
    evaluations: Type.Object(
      {
        mid_term: Nullable(EvaluationSeat()),
        final: Nullable(EvaluationSeat()),
      },
      { additionalProperties: false },
    ),
    answeredFacts: Type.Optional(
      Nullable(
        Type.Object(
          {
            overdueReports: Type.Number(),
            spendingDeviationPct: Type.Number(),
            indicatorLagPct: Type.Number(),
            complaints: Type.Number(),
            supervisionIndex: Nullable(Type.Number()),
          },
          { additionalProperties: false, description: 'The facts the last completed rectification answered: a red grade on these alone, none worse, opens no new one' },
        ),
      ),
    ),
    quarterlyReviews: Type.Optional(
      Type.Object(
        {
          scheduled: Type.Integer({ minimum: 0, description: 'Quarters whose review has come due' }),
          due: Type.Array(Type.Object({ seq: Type.Integer({ minimum: 1 }), dueAt: Stamp }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    rescoping: Type.Optional(
      Nullable(
        Type.Object(
          {
            contestId: Uuid(),
            amountAskedFen: Fen(),
            awardedFen: Fen(),
            dueAt: Stamp,
            agreement: Type.Object(
              {
                amountFen: Fen(),
                startDate: IsoDate(),
                endDate: IsoDate(),
                tranches: Type.Array(Type.Object({ name: Type.String(), amountFen: Fen(), releaseOn: IsoDate() }, { additionalProperties: false })),
                fundingSources: Type.Array(
                  Type.Object(
                    { funderOrganisationId: Nullable(Uuid()), name: Type.String(), kind: OneOf(['government', 'cash', 'goods', 'services'] as const), valueFen: Fen() },
                    { additionalProperties: false },
                  ),
                ),
              },
              { additionalProperties: false, description: 'The agreement the award offers, signed when the applicant accepts a re-scoped budget' },
            ),
          },
          { additionalProperties: false, description: 'A partial contest award waiting for the applicant (stage rescoping): accept a budget re-scoped to the award, or decline, by dueAt' },
        ),
      ),
    ),
    openDeadlines: Type.Array(Type.Object({ kind: Type.String(), dueAt: Stamp, who: Type.String({ description: 'A role, or a user id the reader may learn' }) }, { additionalProperties: false })),
    pendingActions: Type.Array(Type.Object({ action: Type.String(), who: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

function EvaluationSeat() {
  return Type.Object(
    {
      evaluatorId: Nullable(Uuid({ description: 'Hidden (null) from the applicant, as reviewers are' })),
      submitted: Type.Boolean(),
      grade: Nullable(OneOf(['excellent', 'good', 'pass', 'fail'] as const)),
      round: Type.Optional(Type.Integer({ minimum: 1, description: 'The final evaluation is scored again, as a new round, after a rectification it ordered' })),
    },
    { additionalProperties: false },
  );
}

/** What a move that writes a document answers: its id and the project's live state. */
export const Recorded = Type.Object({ id: Uuid(), live: ProjectView }, { additionalProperties: false });

export const ScoreSheet = Type.Object(
  {
    totals: Type.Array(Type.Object({ reviewerId: Nullable(Uuid({ description: 'Hidden (null) from readers who may not learn who reviewed' })), total: Nullable(Type.Number()) }, { additionalProperties: false })),
    mean: Type.Number(),
    spread: Type.Number(),
  },
  { additionalProperties: false },
);

/** What the final evaluation's grade does with the final tranche. */
export const Subsidy = Type.Object({ releaseFen: Fen(), holdFen: Fen(), clawbackFen: Fen() }, { additionalProperties: false });
export const EvaluationGrade = OneOf(['excellent', 'good', 'pass', 'fail'] as const);
