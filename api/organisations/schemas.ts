// The organisation as the API shows it: used by organisations and auth (GET /me), so it lives in a leaf module.
import { Count, Instant, Nullable, Type, Uuid } from '../schema';

export const OrganisationKind = Type.Union(
  [Type.Literal('social_work_organisation'), Type.Literal('community'), Type.Literal('company'), Type.Literal('foundation'), Type.Literal('government_unit')],
  { description: 'social-work organisation, community, company, foundation or government unit' },
);
export const Grade = Type.Union([Type.Literal('1A'), Type.Literal('2A'), Type.Literal('3A'), Type.Literal('4A'), Type.Literal('5A')], { description: 'Grade 1A-5A' });

export const Organisation = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    kind: OrganisationKind,
    grade: Nullable(Grade),
    creditCode: Type.String(),
    staffCount: Count(),
    certifiedSocialWorkerCount: Count(),
    volunteerCount: Count(),
    regionId: Nullable(Uuid()),
    contact: Nullable(Type.String()),
    createdAt: Instant(),
    updatedAt: Instant(),
  },
  { additionalProperties: false },
);
