// The account as the API shows it, and its request pieces: used by users and auth, so it lives in a leaf module.
import { Instant, Nullable, Type, Uuid } from '../schema';
import { ROLES } from '../../db/repositories/users';

export const Role = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: 'admin, officer, organiser, reviewer, supervisor, evaluator, applicant or funder' },
);
export const Roles = Type.Array(Role, { minItems: 1, maxItems: 8, uniqueItems: true });
export const Login = Type.String({ minLength: 2, maxLength: 100, pattern: '^[A-Za-z0-9_.@-]+$' });
export const Password = Type.String({ minLength: 10, maxLength: 200, description: 'At least 10 characters' });

export const User = Type.Object(
  {
    id: Uuid(),
    login: Type.String(),
    displayName: Type.String(),
    roles: Type.Array(Role),
    organisationId: Nullable(Uuid()),
    regionId: Nullable(Uuid()),
    disabled: Type.Boolean(),
    createdAt: Instant(),
    updatedAt: Instant(),
  },
  { additionalProperties: false },
);

export const Person = Type.Object(
  {
    id: Uuid(),
    displayName: Type.String(),
    roles: Type.Array(Role),
    organisation: Nullable(Type.Object({ id: Uuid(), name: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false, description: 'A person as an officer or organiser sees them when assigning work: no login, no region scope' },
);
