// Demand research (需求调研) as the API takes and shows it: surveys, the needs they found (需求清单) and the
// resources a region can call on (资源清单).
import { Instant, IsoDate, Name, Nullable, StringEnum, Type, Uuid } from '../schema';
import { TargetGroup } from '../programmes/schemas';
import { ENDED_STAGES } from '../../db/repositories/needs';

const strict = { additionalProperties: false } as const;

export const Urgency = StringEnum(['low', 'medium', 'high', 'critical'] as const);
export const NeedSource = StringEnum(['grid_worker', 'resident_request', 'social_worker_assessment'] as const, {
  description: "Grid worker finding (网格发现), resident's request (点单) or social-worker assessment (社工介入)",
});
export const ResourceKind = StringEnum(['venue', 'funds', 'goods', 'services', 'volunteers', 'expertise'] as const);

export const NeedInput = Type.Object(
  {
    category: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. home care, after-school care' }),
    targetGroup: TargetGroup,
    peopleAffected: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    urgency: Urgency,
    source: NeedSource,
    description: Type.String({ minLength: 1, maxLength: 5000 }),
  },
  strict,
);

export const ResourceInput = Type.Object(
  {
    unit: Name(),
    kind: ResourceKind,
    offer: Type.String({ minLength: 1, maxLength: 5000, description: 'What the unit can give: a room, goods, hours of service...' }),
    contact: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  strict,
);

const needFields = {
  id: Uuid(),
  surveyId: Uuid(),
  regionId: Uuid(),
  category: Type.String(),
  targetGroup: TargetGroup,
  peopleAffected: Type.Integer(),
  urgency: Urgency,
  source: NeedSource,
  description: Type.String(),
  createdAt: Instant(),
};
export const Need = Type.Object(needFields, strict);

export const EndedProject = Type.Object(
  {
    id: Uuid(),
    title: Type.String(),
    endedAs: StringEnum(ENDED_STAGES, { description: 'How the project ended: rejected at review, withdrawn, or terminated (终止)' }),
  },
  strict,
);

export const UnansweredNeed = Type.Object(
  {
    ...needFields,
    endedProjects: Type.Array(EndedProject, {
      description: 'Projects that once answered this need and ended without delivering, most recent first (only those the reader may see); empty when none ever did',
    }),
  },
  strict,
);

export const Resource = Type.Object(
  {
    id: Uuid(),
    regionId: Uuid(),
    surveyId: Nullable(Uuid()),
    unit: Type.String(),
    kind: ResourceKind,
    offer: Type.String(),
    contact: Nullable(Type.String()),
    createdAt: Instant(),
  },
  strict,
);

export const Survey = Type.Object(
  {
    id: Uuid(),
    regionId: Uuid(),
    title: Type.String(),
    conductedOn: IsoDate(),
    createdBy: Nullable(Uuid()),
    createdAt: Instant(),
    needs: Type.Array(Need),
    resources: Type.Array(Resource),
  },
  strict,
);
