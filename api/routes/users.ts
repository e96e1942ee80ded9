import type { Knex } from 'knex';
import { hashPassword } from '../auth';
import { findUser, toUser, type Role, type UserRow } from '../../db/repositories/users';
import { writeAudit } from '../../db/repositories/audit';
import { BusinessRuleError, ConflictError, NotFoundError, type FieldError } from '../errors';
import { containsPattern, keysetPage } from '../paging';
import type { RouteRegistry } from '../registry';

interface UserInput {
  login?: string;
  displayName?: string;
  password?: string;
  roles?: Role[];
  organisationId?: string | null;
  regionId?: string | null;
  disabled?: boolean;
}

/** Foreign keys named in a request must exist: refused as a business rule naming the field otherwise. */
export async function checkReferences(db: Knex | Knex.Transaction, refs: { field: string; table: string; id: string | null | undefined }[]): Promise<void> {
  const errors: FieldError[] = [];
  for (const ref of refs) {
    if (ref.id && !(await db(ref.table).where({ id: ref.id }).first('id'))) errors.push({ field: ref.field, rule: 'exists', message: `names no existing ${ref.table.replace(/s$/, '')}` });
  }
  if (errors.length) throw new BusinessRuleError(errors);
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export function registerUserRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/api/v1/users',
    operationId: 'users.list',
    summary: 'List accounts (filter by role, organisation or text)',
    tag: 'admin',
    access: ['admin'],
    handler: async ({ query, deps }) => {
      const q = deps.db<UserRow>('users').select('users.*');
      if (query.role) q.whereRaw('? = ANY(roles)', [query.role]);
      if (query.organisationId) q.where('organisation_id', query.organisationId);
      if (query.q) q.where((w) => w.whereILike('login', containsPattern(query.q)).orWhereILike('display_name', containsPattern(query.q)));
      return { body: await keysetPage<UserRow, ReturnType<typeof toUser>>(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'users' }, toUser) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/users',
    operationId: 'users.create',
    summary: 'Create an account with roles, organisation and region scope',
    tag: 'admin',
    access: ['admin'],
    status: 201,
    handler: async ({ body, user, deps, requestId }) => {
      const input = body as Required<Pick<UserInput, 'login' | 'displayName' | 'password' | 'roles'>> & UserInput;
      const passwordHash = await hashPassword(input.password);
      try {
        const row = await deps.db.transaction(async (trx) => {
          await checkReferences(trx, [
            { field: '/body/organisationId', table: 'organisations', id: input.organisationId },
            { field: '/body/regionId', table: 'regions', id: input.regionId },
          ]);
          const [created] = await trx<UserRow>('users')
            .insert({
              login: input.login,
              display_name: input.displayName,
              password_hash: passwordHash,
              roles: [...new Set(input.roles)],
              organisation_id: input.organisationId ?? null,
              region_id: input.regionId ?? null,
              disabled: input.disabled ?? false,
            })
            .returning('*');
          await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'user', objectId: created.id, after: toUser(created), requestId });
          return created;
        });
        return { status: 201, body: toUser(row) };
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`The login "${input.login}" is taken.`);
        throw err;
      }
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/users/:id',
    operationId: 'users.get',
    summary: 'One account',
    tag: 'admin',
    access: ['admin'],
    handler: async ({ params, deps }) => {
      const row = await findUser(deps.db, params.id);
      if (!row) throw new NotFoundError('user');
      return { body: toUser(row) };
    },
  });

  registry.add({
    method: 'patch',
    path: '/api/v1/users/:id',
    operationId: 'users.update',
    summary: 'Change an account: name, password, roles, organisation, region scope, disabled (disabling revokes its sessions)',
    tag: 'admin',
    access: ['admin'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as UserInput;
      const passwordHash = input.password ? await hashPassword(input.password) : undefined;
      const row = await deps.db.transaction(async (trx) => {
        const before = await trx<UserRow>('users').where({ id: params.id }).forUpdate().first();
        if (!before) throw new NotFoundError('user');
        await checkReferences(trx, [
          { field: '/body/organisationId', table: 'organisations', id: input.organisationId },
          { field: '/body/regionId', table: 'regions', id: input.regionId },
        ]);
        const patch: Partial<UserRow> = { updated_at: deps.clock() };
        if (input.displayName !== undefined) patch.display_name = input.displayName;
        if (input.roles !== undefined) patch.roles = [...new Set(input.roles)];
        if (input.organisationId !== undefined) patch.organisation_id = input.organisationId;
        if (input.regionId !== undefined) patch.region_id = input.regionId;
        if (input.disabled !== undefined) patch.disabled = input.disabled;
        if (passwordHash) patch.password_hash = passwordHash;
        const [after] = await trx<UserRow>('users').where({ id: params.id }).update(patch).returning('*');
        if (input.disabled || passwordHash) await trx('sessions').where({ user_id: params.id }).whereNull('revoked_at').update({ revoked_at: deps.clock() });
        await writeAudit(trx, { actorId: user.id, action: 'update', objectType: 'user', objectId: params.id, before: toUser(before), after: toUser(after), requestId });
        return after;
      });
      deps.sessions?.forgetUser(params.id); // roles, scope or access changed: the next request reads them afresh
      return { body: toUser(row) };
    },
  });
}
