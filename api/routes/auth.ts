import { dummyPasswordHash, hashPassword, newToken, verifyPassword } from '../auth';
import { findUserByLogin, findUser, toUser } from '../../db/repositories/users';
import { findOrganisation, toOrganisation } from '../../db/repositories/organisations';
import { findRegion, toRegion } from '../../db/repositories/regions';
import { writeAudit } from '../../db/repositories/audit';
import { BusinessRuleError, TooManyRequestsError, UnauthorizedError } from '../errors';
import type { RouteRegistry } from '../registry';

export function registerAuthRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/auth/login',
    operationId: 'auth.login',
    summary: 'Sign in with login and password; returns an opaque bearer token',
    tag: 'auth',
    access: 'public',
    handler: async ({ body, deps, requestId }) => {
      const { login, password } = body as { login: string; password: string };
      const now = deps.clock();
      const user = await findUserByLogin(deps.db, login);
      if (!user) {
        await verifyPassword(password, await dummyPasswordHash());
        throw new UnauthorizedError('Wrong login or password.');
      }
      if (user.locked_until && user.locked_until > now) {
        const seconds = Math.ceil((user.locked_until.getTime() - now.getTime()) / 1000);
        throw new TooManyRequestsError(`Too many failed sign-ins; this account is locked for ${seconds} more seconds.`, seconds);
      }
      const ok = await verifyPassword(password, user.password_hash);
      if (!ok || user.disabled) {
        if (!ok) {
          // Count failures atomically; the Nth in a row locks the account for a while.
          const [row] = await deps.db('users')
            .where({ id: user.id })
            .increment('failed_logins', 1)
            .returning(['failed_logins']);
          if (row.failed_logins >= deps.config.loginMaxFailures) {
            await deps.db('users').where({ id: user.id }).update({ failed_logins: 0, locked_until: new Date(now.getTime() + deps.config.loginLockMs) });
          }
        }
        throw new UnauthorizedError(user.disabled && ok ? 'This account is disabled.' : 'Wrong login or password.');
      }
      const { token, tokenHash } = newToken();
      const expiresAt = new Date(now.getTime() + deps.config.tokenTtlMs);
      await deps.db.transaction(async (trx) => {
        await trx('users').where({ id: user.id }).update({ failed_logins: 0, locked_until: null });
        await trx('sessions').insert({ token_hash: tokenHash, user_id: user.id, expires_at: expiresAt, created_at: now });
        await writeAudit(trx, { actorId: user.id, action: 'login', objectType: 'user', objectId: user.id, requestId });
      });
      return { body: { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user: toUser(user) } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/auth/logout',
    operationId: 'auth.logout',
    summary: 'Revoke the bearer token used for this request',
    tag: 'auth',
    access: 'authenticated',
    status: 204,
    handler: async ({ user, deps, requestId }) => {
      await deps.db.transaction(async (trx) => {
        await trx('sessions').where({ token_hash: user.tokenHash }).whereNull('revoked_at').update({ revoked_at: deps.clock() });
        await writeAudit(trx, { actorId: user.id, action: 'logout', objectType: 'user', objectId: user.id, requestId });
      });
      deps.sessions?.forgetToken(user.tokenHash);
      return { status: 204 };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/me',
    operationId: 'me.get',
    summary: 'Who you are: account, roles, organisation and region scope',
    tag: 'auth',
    access: 'authenticated',
    handler: async ({ user, deps }) => {
      const [organisation, region] = await Promise.all([
        user.organisationId ? findOrganisation(deps.db, user.organisationId) : undefined,
        user.regionId ? findRegion(deps.db, user.regionId) : undefined,
      ]);
      return {
        body: {
          id: user.id,
          login: user.login,
          displayName: user.displayName,
          roles: user.roles,
          organisation: organisation ? toOrganisation(organisation) : null,
          region: region ? toRegion(region) : null,
          sessionExpiresAt: user.sessionExpiresAt,
        },
      };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/me/password',
    operationId: 'me.password',
    summary: 'Change your own password; every other session of yours is revoked',
    tag: 'auth',
    access: 'authenticated',
    status: 204,
    handler: async ({ user, body, deps, requestId }) => {
      const { currentPassword, newPassword } = body as { currentPassword: string; newPassword: string };
      const row = await findUser(deps.db, user.id);
      if (!row || !(await verifyPassword(currentPassword, row.password_hash))) {
        throw new BusinessRuleError([{ field: '/body/currentPassword', rule: 'current-password', message: 'is not your current password' }]);
      }
      const passwordHash = await hashPassword(newPassword);
      await deps.db.transaction(async (trx) => {
        await trx('users').where({ id: user.id }).update({ password_hash: passwordHash, updated_at: deps.clock() });
        await trx('sessions').where({ user_id: user.id }).whereNot({ token_hash: user.tokenHash }).whereNull('revoked_at').update({ revoked_at: deps.clock() });
        await writeAudit(trx, { actorId: user.id, action: 'change-password', objectType: 'user', objectId: user.id, requestId });
      });
      deps.sessions?.forgetUser(user.id);
      return { status: 204 };
    },
  });
}
