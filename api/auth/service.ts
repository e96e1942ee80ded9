import { dummyPasswordHash, hashPassword, newToken, verifyPassword, type Principal } from '../auth';
import type { AppDeps } from '../deps';
import { BusinessRuleError, TooManyRequestsError, UnauthorizedError, says } from '../errors';
import { msg } from '../../i18n';
import { findUser, findUserByLogin, toUser, type User } from '../../db/repositories/users';
import { findOrganisation, toOrganisation, type Organisation } from '../../db/repositories/organisations';
import { findRegion, toRegion, type Region } from '../../db/repositories/regions';
import { writeAudit } from '../../db/repositories/audit';
import { insertSession, revokeSession, revokeSessionsOf, setPasswordHash, throttle, type ThrottleVerdict } from '../../db/repositories/auth';

/** Failed sign-ins one address may make in a window, over all accounts, unless the config says otherwise. */
export const DEFAULT_MAX_FAILURES_PER_ADDRESS = 100;

const WRONG = msg('problem.unauthorized.wrong-password');

function throttles(deps: AppDeps) {
  const { loginMaxFailures, loginLockMs } = deps.config;
  const perAddress = deps.config.loginMaxFailuresPerAddress ?? DEFAULT_MAX_FAILURES_PER_ADDRESS;
  return {
    account: throttle(deps.db, 'sign-in', loginMaxFailures, loginLockMs),
    address: throttle(deps.db, 'sign-in-address', perAddress, loginLockMs),
    password: throttle(deps.db, 'password', loginMaxFailures, loginLockMs),
  };
}

function refuseWhenSpent(verdicts: ThrottleVerdict[], what: 'sign-ins' | 'password-changes'): void {
  const waits = verdicts.flatMap((v) => (v.allowed ? [] : [v.retryAfterSeconds]));
  if (waits.length) {
    const seconds = Math.max(...waits);
    throw new TooManyRequestsError(msg(what === 'sign-ins' ? 'problem.too-many-requests.sign-ins' : 'problem.too-many-requests.password-changes', { seconds }), seconds);
  }
}

export interface SignedIn {
  token: string;
  tokenType: 'Bearer';
  expiresAt: string;
  user: User;
}

/**
 * Each attempt is counted before its password is checked (per login-and-address, and per address), so parallel
 * guesses cannot slip past the count; the right password clears its login's count. The key is the login as typed,
 * whether an account has it or not, and a disabled account's right password is a failure like any other: an
 * unknown login, a wrong password and a disabled account get the same answers.
 */
export async function signIn(deps: AppDeps, ip: string, requestId: string, login: string, password: string): Promise<SignedIn> {
  const t = throttles(deps);
  const accountKey = `${login.toLowerCase()}|${ip}`;
  refuseWhenSpent(await Promise.all([t.account.consume(accountKey), t.address.consume(ip)]), 'sign-ins');
  const user = await findUserByLogin(deps.db, login);
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !ok || user.disabled) throw new UnauthorizedError(WRONG);

  const now = deps.clock();
  const { token, tokenHash } = newToken();
  const expiresAt = new Date(now.getTime() + deps.config.tokenTtlMs);
  await deps.db.transaction(async (trx) => {
    await insertSession(trx, { tokenHash, userId: user.id, expiresAt, createdAt: now });
    await writeAudit(trx, { actorId: user.id, action: 'login', objectType: 'user', objectId: user.id, requestId });
  });
  await Promise.all([t.account.forget(accountKey), t.address.reward(ip)]);
  return { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user: toUser(user) };
}

export async function signOut(deps: AppDeps, user: Principal, requestId: string): Promise<void> {
  await deps.db.transaction(async (trx) => {
    await revokeSession(trx, user.tokenHash, deps.clock());
    await writeAudit(trx, { actorId: user.id, action: 'logout', objectType: 'user', objectId: user.id, requestId });
  });
  deps.sessions?.forgetToken(user.tokenHash);
}

export interface Me {
  id: string;
  login: string;
  displayName: string;
  roles: Principal['roles'];
  organisation: Organisation | null;
  region: Region | null;
  sessionExpiresAt: string;
}

export async function whoAmI(deps: AppDeps, user: Principal): Promise<Me> {
  // Nothing to wait for without an organisation or a region (an administrator, say).
  const [organisation, region] =
    user.organisationId || user.regionId
      ? await Promise.all([
          user.organisationId ? findOrganisation(deps.db, user.organisationId) : undefined,
          user.regionId ? findRegion(deps.db, user.regionId) : undefined,
        ])
      : [undefined, undefined];
  return {
    id: user.id,
    login: user.login,
    displayName: user.displayName,
    roles: user.roles,
    organisation: organisation ? toOrganisation(organisation) : null,
    region: region ? toRegion(region) : null,
    sessionExpiresAt: user.sessionExpiresAt,
  };
}

/** Throttled like signing in (per account and address), so a stolen token cannot guess the password behind it. */
export async function changePassword(deps: AppDeps, user: Principal, ip: string, requestId: string, currentPassword: string, newPassword: string): Promise<void> {
  const t = throttles(deps);
  const key = `${user.id}|${ip}`;
  refuseWhenSpent([await t.password.consume(key)], 'password-changes');
  const row = await findUser(deps.db, user.id);
  if (!row || !(await verifyPassword(currentPassword, row.password_hash))) {
    throw new BusinessRuleError([{ field: '/body/currentPassword', rule: 'current-password', ...says('field.current-password') }]);
  }
  const passwordHash = await hashPassword(newPassword);
  const now = deps.clock();
  await deps.db.transaction(async (trx) => {
    await setPasswordHash(trx, user.id, passwordHash, now);
    await revokeSessionsOf(trx, user.id, now, user.tokenHash);
    await writeAudit(trx, { actorId: user.id, action: 'change-password', objectType: 'user', objectId: user.id, requestId });
  });
  await t.password.forget(key);
  deps.sessions?.forgetUser(user.id);
}
