import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import type { Role, UserRow } from '../db/repositories/users';

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

// scrypt (memory-hard) with a per-user random salt; the parameters travel in the stored string so they can be raised later.
const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, keyB64] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(keyB64, 'base64');
  const key = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return crypto.timingSafeEqual(key, expected);
}

// A hash for unknown logins, so a wrong login costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return dummyHash;
}

/** Opaque bearer tokens: 32 random bytes; only their SHA-256 is stored. */
export function newToken(): { token: string; tokenHash: string } {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, tokenHash: hashToken(token) };
}

// Every authenticated request hashes its token to find its session: one-shot where Node has it (20.12+), no Hash object.
const sha256Hex: (s: string) => string =
  typeof crypto.hash === 'function' ? (s) => crypto.hash('sha256', s, 'hex') : (s) => crypto.createHash('sha256').update(s).digest('hex');

export function hashToken(token: string): string {
  return sha256Hex(token);
}

export function generatePassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

export interface Principal {
  id: string;
  login: string;
  displayName: string;
  roles: Role[];
  organisationId: string | null;
  regionId: string | null;
  /** Materialised path of the user's region scope; null = no region limit. */
  regionPath: string | null;
  tokenHash: string;
  sessionExpiresAt: string;
}

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return p.roles.some((r) => roles.includes(r));
}

/** One indexed query per request: the live session joined to an enabled user and its region scope. */
export async function principalForTokenHash(db: Knex, tokenHash: string, now: Date): Promise<Principal | null> {
  const row = (await db('sessions as s')
    .join('users as u', 'u.id', 's.user_id')
    .leftJoin('regions as r', 'r.id', 'u.region_id')
    .where('s.token_hash', tokenHash)
    .whereNull('s.revoked_at')
    .where('s.expires_at', '>', now)
    .where('u.disabled', false)
    .first('u.id', 'u.login', 'u.display_name', 'u.roles', 'u.organisation_id', 'u.region_id', 'r.path as region_path', 's.expires_at')) as
    | (Pick<UserRow, 'id' | 'login' | 'display_name' | 'roles' | 'organisation_id' | 'region_id'> & { region_path: string | null; expires_at: Date })
    | undefined;
  if (!row) return null;
  return {
    id: row.id,
    login: row.login,
    displayName: row.display_name,
    roles: row.roles,
    organisationId: row.organisation_id,
    regionId: row.region_id,
    regionPath: row.region_path,
    tokenHash,
    sessionExpiresAt: row.expires_at.toISOString(),
  };
}
