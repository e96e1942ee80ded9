// A programme (call for proposals) and its rules as the API takes and shows them. The rules mirror ProgrammeRules
// (workflows/rules/programme-rules.ts): the schema checks each field, checkProgrammeRules the cross-field rules (422).
import { Count, Fen, Instant, IsoDuration, Name, Nullable, StringEnum, Type, Uuid } from '../schema';
import { DEFAULT_SERVICE_ORDER_RULES } from '../../workflows/rules/programme-rules';
import { DEFAULT_TIME_ZONE } from '../../workflows/rules/zone';

export const ProgrammeStatus = StringEnum(['open', 'closed'] as const);
export const TargetGroup = StringEnum(['elderly', 'children', 'new_employment_workers', 'migrants', 'people_with_disabilities', 'women_and_families', 'others'] as const, { description: 'Who a need or project serves' });
const Grade = StringEnum(['1A', '2A', '3A', '4A', '5A'] as const);

const RuleKey = Type.String({ minLength: 1, maxLength: 60, pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Stable key a score sheet uses' });
const RuleWeight = Type.Number({ minimum: 0, maximum: 100, description: 'Weight in percent; the weights of a list must sum to 100' });
const Score = () => Type.Number({ minimum: 0, maximum: 1000 });
const Percent = () => Type.Number({ minimum: 0, maximum: 100 });
const Threshold = () => Type.Number({ minimum: 0, maximum: 10000 });
const strict = { additionalProperties: false } as const;

const RubricCriterion = Type.Object({ key: RuleKey, name: Name(), weight: RuleWeight, minScore: Score(), maxScore: Score() }, strict);
const WeightedItem = Type.Object({ key: RuleKey, name: Name(), weight: RuleWeight }, strict);
const ColourThresholds = Type.Object({ blue: Threshold(), yellow: Threshold(), red: Threshold() }, strict);

const Eligibility = Type.Object(
  {
    minGrade: Type.Optional(Grade),
    minStaff: Type.Optional(Count()),
    minCertifiedSocialWorkers: Type.Optional(Count()),
    minVolunteers: Type.Optional(Count()),
    team: Type.Optional(
      Type.Object(
        { minFullTimeStaff: Type.Optional(Count()), minCertifiedSocialWorkers: Type.Optional(Count()), minVolunteers: Type.Optional(Count()) },
        { ...strict, description: "The team that runs the service, as the proposal names it (Haining's 6430: 6 full-time staff of whom 4 certified social workers, and 30 volunteers)" },
      ),
    ),
    budgetCapFen: Type.Optional(Fen()),
    requiredTargetGroups: Type.Optional(Type.Array(TargetGroup, { uniqueItems: true, maxItems: 7 })),
  },
  strict,
);

const Review = Type.Object(
  {
    criteria: Type.Array(RubricCriterion, { minItems: 1, maxItems: 30 }),
    panelSize: Type.Integer({ minimum: 1, maximum: 50 }),
    reviewerDeadline: IsoDuration(),
    reviewerReminder: IsoDuration(),
    revisionDeadline: IsoDuration(),
  },
  strict,
);

const Monitoring = Type.Object(
  {
    reportInterval: IsoDuration(),
    reportGrace: IsoDuration(),
    quarterlyReviewInterval: Type.Optional(IsoDuration({ description: 'How often the officer holds a quarterly review (P3M when absent)' })),
    colour: Type.Object(
      {
        overdueReports: ColourThresholds,
        spendingDeviationPct: ColourThresholds,
        indicatorLagPct: ColourThresholds,
        complaints: ColourThresholds,
        supervisionIndexBelow: ColourThresholds,
        rectificationDeadline: IsoDuration(),
      },
      strict,
    ),
    supervisionDimensions: Type.Array(WeightedItem, { minItems: 1, maxItems: 30 }),
  },
  strict,
);

const Evaluation = Type.Object(
  {
    indicators: Type.Array(
      Type.Object(
        {
          key: RuleKey, name: Name(), weight: RuleWeight,
          drawnFrom: Type.Optional(StringEnum(['satisfaction', 'coverage'] as const, { description: "Scored from the service loop's drawn figure (share × 100) when the project has one; overriding it needs a reason" })),
        },
        strict,
      ),
      { minItems: 1, maxItems: 30 },
    ),
    thresholds: Type.Object({ excellent: Percent(), good: Percent(), pass: Percent() }, strict),
    subsidy: Type.Object({ excellent: Percent(), good: Percent(), pass: Percent(), fail: Percent() }, strict),
    failAction: StringEnum(['hold', 'clawback'] as const),
  },
  strict,
);

const d = DEFAULT_SERVICE_ORDER_RULES;
/** Each term left out takes its default; a programme without the section runs every order on the defaults. */
export const ServiceOrderRules = Type.Object(
  {
    acceptWithin: Type.Optional(IsoDuration({ default: d.acceptWithin, description: 'How long an assignee has to accept or decline a dispatched order' })),
    maxFailedDispatches: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: d.maxFailedDispatches, description: 'Declined or timed-out dispatches after which the order escalates to the street officer' })),
    ratingWindow: Type.Optional(IsoDuration({ default: d.ratingWindow, description: 'How long the resident has to rate after check-out' })),
    pointsPerHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: d.pointsPerHour, description: 'Time-bank points per hour of service' })),
  },
  { ...strict, description: "Terms of residents' service orders (点单-派单-接单-评单) under the programme's projects" },
);

/** What an officer sends: every section checked field by field; the answer's rules are the same object. */
export const ProgrammeRules = Type.Object(
  {
    eligibility: Eligibility, review: Review, monitoring: Monitoring, evaluation: Evaluation, serviceOrders: Type.Optional(ServiceOrderRules),
    timeZone: Type.Optional(Type.String({
      minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_+/-]*$', default: DEFAULT_TIME_ZONE,
      description: "The programme's time zone (IANA name, e.g. Asia/Shanghai): dates shown to people are in it, and a monthly report's month is its calendar month; a name the server does not know answers 422",
    })),
  },
  { ...strict, description: 'Mirrors ProgrammeRules (workflows/rules/programme-rules.ts); cross-field checks (weights summing to 100, threshold order...) answer 422' },
);

export const Programme = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    regionId: Uuid(),
    description: Nullable(Type.String()),
    rules: ProgrammeRules,
    status: ProgrammeStatus,
    createdBy: Nullable(Uuid()),
    createdAt: Instant(),
    updatedAt: Instant(),
  },
  strict,
);
