import type { Knex } from 'knex';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { hashPassword, type Principal } from '../auth';
import { BusinessRuleError, ConflictError, ForbiddenError, TooManyRequestsError, says } from '../errors';
import { msg } from '../../i18n';
import { writeAudit } from '../../db/repositories/audit';
import { findRegion } from '../../db/repositories/regions';
import { isWorkerInScope } from './service';

export interface ResidentInput {
  mobile: string;
  displayName: string;
  communityId: string;
  password?: string;
}

export interface ResidentJson {
  id: string;
  login: string;
  displayName: string;
  communityId: string;
  createdAt: string;
}

/** A resident's account signs in with their mobile number; the community scopes what they order. */
async function insertResident(trx: Knex.Transaction, input: ResidentInput & { password: string }, actorId: string | null, requestId: string): Promise<ResidentJson> {
  const community = await findRegion(trx, input.communityId);
  if (!community || community.level !== 'community') throw new BusinessRuleError([{ field: '/body/communityId', rule: 'community', ...says('field.no-community') }]);
  if (await trx('users').whereRaw('lower(login) = lower(?)', [input.mobile]).first('id')) throw new ConflictError(msg('problem.conflict.mobile-taken'));
  const [row] = await trx('users')
    .insert({ login: input.mobile, display_name: input.displayName, password_hash: await hashPassword(input.password), roles: ['resident'], region_id: community.id })
    .returning(['id', 'login', 'display_name', 'created_at']);
  await writeAudit(trx, { actorId: actorId ?? row.id, action: actorId ? 'create' : 'register', objectType: 'user', objectId: row.id, after: { login: row.login, roles: ['resident'], regionId: community.id }, requestId });
  return { id: row.id, login: row.login, displayName: row.display_name, communityId: community.id, createdAt: row.created_at.toISOString() };
}

/** A community worker (dispatcher or officer over the community) opens an account for a resident. */
export async function createResident(trx: Knex.Transaction, user: Principal, input: ResidentInput & { password: string }, requestId: string): Promise<ResidentJson> {
  const community = await findRegion(trx, input.communityId);
  if (community && !isWorkerInScope(user, community.path)) throw new ForbiddenError(msg('problem.forbidden.resident-account'));
  return insertResident(trx, input, user.id, requestId);
}

// Self-registration is public, so it is throttled: a few attempts per mobile number an hour, and a ceiling for
// the whole process a minute (scripts creating accounts in bulk hit the ceiling, not the database).
const perMobile = new RateLimiterMemory({ keyPrefix: 'resident-register-mobile', points: 3, duration: 3600 });
const overall = new RateLimiterMemory({ keyPrefix: 'resident-register', points: 60, duration: 60 });

async function throttle(mobile: string): Promise<void> {
  try {
    await overall.consume('all');
    await perMobile.consume(mobile);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw new TooManyRequestsError(msg('problem.too-many-requests.registrations'), Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
    throw err;
  }
}

export async function registerResident(trx: Knex.Transaction, input: ResidentInput & { password: string }, requestId: string): Promise<ResidentJson> {
  await throttle(input.mobile);
  return insertResident(trx, input, null, requestId);
}
