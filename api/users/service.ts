import type { Knex } from 'knex';
import { hashPassword, type Principal } from '../auth';
import type { AppDeps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { msg } from '../../i18n';
import { containsPattern, keysetPage, type Page } from '../paging';
import { checkReferences } from '../references';
import { findUser, insertUser, lockUser, peopleQuery, toPerson, toUser, type Person, type PersonRow, updateUser, usersQuery, type Role, type User, type UserFilter, type UserRow } from '../../db/repositories/users';
import { revokeSessionsOf } from '../../db/repositories/auth';
import { writeAudit } from '../../db/repositories/audit';

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export function listUsers(db: Knex, filter: UserFilter, page: { limit: number; cursor?: string }): Promise<Page<User>> {
  return keysetPage(db, usersQuery(db, filter, containsPattern), { ...page, table: 'users' }, toUser);
}

export function listPeople(db: Knex, filter: { role: Role; q?: string; id?: string }, page: { limit: number; cursor?: string }): Promise<Page<Person>> {
  return keysetPage<PersonRow, Person>(db, peopleQuery(db, filter, containsPattern), { ...page, table: 'users' }, toPerson);
}

export async function getUser(db: Knex, id: string): Promise<User> {
  const row = await findUser(db, id);
  if (!row) throw new NotFoundError('user');
  return toUser(row);
}

export interface NewUser {
  login: string;
  displayName: string;
  password: string;
  roles: Role[];
  organisationId?: string | null;
  regionId?: string | null;
  disabled?: boolean;
}

export async function createUser(trx: Knex.Transaction, actor: Principal, requestId: string, input: NewUser): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  await checkReferences(trx, [
    { field: '/body/organisationId', kind: 'organisation', id: input.organisationId },
    { field: '/body/regionId', kind: 'region', id: input.regionId },
  ]);
  let created: UserRow;
  try {
    created = await insertUser(trx, {
      login: input.login,
      displayName: input.displayName,
      passwordHash,
      roles: [...new Set(input.roles)],
      organisationId: input.organisationId ?? null,
      regionId: input.regionId ?? null,
      disabled: input.disabled ?? false,
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(msg('problem.conflict.login-taken', { login: input.login }));
    throw err;
  }
  await writeAudit(trx, { actorId: actor.id, action: 'create', objectType: 'user', objectId: created.id, after: toUser(created), requestId });
  return toUser(created);
}

export type UserChange = Partial<Omit<NewUser, 'login'>>;

/** Disabling an account or setting its password revokes its sessions; any change drops it from the session cache once committed. */
export async function changeUser(deps: AppDeps, trx: Knex.Transaction, actor: Principal, requestId: string, id: string, input: UserChange): Promise<User> {
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  const before = await lockUser(trx, id);
  if (!before) throw new NotFoundError('user');
  await checkReferences(trx, [
    { field: '/body/organisationId', kind: 'organisation', id: input.organisationId },
    { field: '/body/regionId', kind: 'region', id: input.regionId },
  ]);
  const now = deps.clock();
  const patch: Partial<UserRow> = { updated_at: now };
  if (input.displayName !== undefined) patch.display_name = input.displayName;
  if (input.roles !== undefined) patch.roles = [...new Set(input.roles)];
  if (input.organisationId !== undefined) patch.organisation_id = input.organisationId;
  if (input.regionId !== undefined) patch.region_id = input.regionId;
  if (input.disabled !== undefined) patch.disabled = input.disabled;
  if (passwordHash) patch.password_hash = passwordHash;
  const after = await updateUser(trx, id, patch);
  if (input.disabled || passwordHash) await revokeSessionsOf(trx, id, now);
  await writeAudit(trx, { actorId: actor.id, action: 'update', objectType: 'user', objectId: id, before: toUser(before), after: toUser(after), requestId });
  // Roles, scope or access changed: once committed, the next request reads them afresh.
  trx.executionPromise.then(
    () => deps.sessions?.forgetUser(id),
    () => undefined,
  );
  return toUser(after);
}
