import { defineOperation } from '../operation';
import { IdParams, Name, Nullable, Page, PageQuery, Type, Uuid } from '../schema';
import { changeUser, createUser, getUser, listPeople, listUsers } from './service';
import { Login, Password, Person, Role, Roles, User } from './schemas';

export const operations = [
  defineOperation({
    operationId: 'users.people',
    method: 'get',
    path: '/api/v1/people',
    summary: 'People with a role, for picking a reviewer, supervisor, evaluator or judge: enabled accounts only, name and organisation (no login)',
    tag: 'admin',
    access: ['officer', 'organiser', 'admin'],
    query: Type.Object(
      {
        ...PageQuery,
        role: Role,
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        id: Type.Optional(Uuid({ description: 'Only this person (to name the one assigned): none when the id is no enabled account of the role' })),
      },
      { additionalProperties: false },
    ),
    response: Page(Person),
    handler: async ({ query, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await listPeople(deps.db, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'users.list',
    method: 'get',
    path: '/api/v1/users',
    summary: 'List accounts (filter by role, organisation or text)',
    tag: 'admin',
    access: ['admin'],
    query: Type.Object({ ...PageQuery, role: Type.Optional(Role), organisationId: Type.Optional(Uuid()), q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false }),
    response: Page(User),
    handler: async ({ query, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await listUsers(deps.db, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'users.create',
    method: 'post',
    path: '/api/v1/users',
    summary: 'Create an account with roles, organisation and region scope',
    tag: 'admin',
    access: ['admin'],
    status: 201,
    transaction: true,
    body: Type.Object(
      {
        login: Login,
        displayName: Name(),
        password: Password,
        roles: Roles,
        organisationId: Type.Optional(Nullable(Uuid())),
        regionId: Type.Optional(Nullable(Uuid())),
        disabled: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    response: User,
    problems: [409, 422],
    handler: async ({ body, user, trx, requestId }) => ({ status: 201, body: await createUser(trx, user, requestId, body) }),
  }),

  defineOperation({
    operationId: 'users.get',
    method: 'get',
    path: '/api/v1/users/:id',
    summary: 'One account',
    tag: 'admin',
    access: ['admin'],
    params: IdParams,
    response: User,
    problems: [404],
    handler: async ({ params, deps }) => ({ body: await getUser(deps.db, params.id) }),
  }),

  defineOperation({
    operationId: 'users.update',
    method: 'patch',
    path: '/api/v1/users/:id',
    summary: 'Change an account: name, password, roles, organisation, region scope, disabled (disabling revokes its sessions)',
    tag: 'admin',
    access: ['admin'],
    transaction: true,
    params: IdParams,
    body: Type.Object(
      {
        displayName: Type.Optional(Name()),
        password: Type.Optional(Password),
        roles: Type.Optional(Roles),
        organisationId: Type.Optional(Nullable(Uuid())),
        regionId: Type.Optional(Nullable(Uuid())),
        disabled: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: User,
    problems: [404, 422],
    handler: async ({ params, body, user, deps, trx, requestId }) => ({ body: await changeUser(deps, trx, user, requestId, params.id, body) }),
  }),
];
