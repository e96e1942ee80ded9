// Seed data for the in-process sections, inserted directly (as the tests do): a four-level region tree
// (1 city, 10 districts, 50 streets, 500 communities), social-work organisations, programmes, one survey and
// need per community, and signed-in users for every role the lifecycle needs.
import crypto from 'node:crypto';
import { creditCodeCheckChar } from '../db/repositories/organisations';
import { hashPassword } from '../api/auth';
import type { Role } from '../db/repositories/users';
import { defaultProgrammeRules, type ProgrammeRules } from '../workflows/rules/programme-rules';
import type { BenchStack } from './stack';
import { log } from './util';

export interface Region {
  id: string;
  path: string;
  level: 'city' | 'district' | 'street' | 'community';
  parentId: string | null;
}

export interface User {
  id: string;
  login: string;
  token: string;
}

export interface Seed {
  city: Region;
  districts: Region[];
  streets: Region[];
  communities: Region[];
  organisations: string[];
  programmeId: string;
  programmes: string[];
  rules: ProgrammeRules;
  needByCommunity: Map<string, string>;
  admin: User;
  officer: User; // scoped to the city: drives the lifecycles
  districtOfficer: User; // scoped to districts[0]: the library query
  applicants: User[]; // one per organisation, same index
  reviewers: User[];
  supervisors: User[];
  evaluators: User[];
}

export const PASSWORD = 'bench-password-123';
const ORGANISATIONS = 50;

/** A valid unified social credit code (GB 32100-2015 check character). */
export function creditCode(seed: number): string {
  const body = ('52330000' + String(seed).padStart(9, '0')).slice(0, 17);
  return body + creditCodeCheckChar(body)!;
}

async function login(baseUrl: string, loginName: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: loginName, password: PASSWORD }) });
  if (res.status !== 200) throw new Error(`login ${loginName} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function seed(stack: BenchStack, opts: { panelSize: number }): Promise<Seed> {
  const t0 = performance.now();
  const { db } = stack;
  const uuid = () => crypto.randomUUID();
  const mk = (level: Region['level'], parent: Region | null): Region => {
    const id = uuid();
    return { id, level, parentId: parent?.id ?? null, path: `${parent?.path ?? '/'}${id}/` };
  };
  const city = mk('city', null);
  const districts = Array.from({ length: 10 }, () => mk('district', city));
  const streets = districts.flatMap((d) => Array.from({ length: 5 }, () => mk('street', d)));
  const communities = streets.flatMap((s) => Array.from({ length: 10 }, () => mk('community', s)));
  const names: Record<Region['level'], string> = { city: '市', district: '区', street: '街道', community: '社区' };
  const rows = [city, ...districts, ...streets, ...communities].map((r, i) => ({ id: r.id, parent_id: r.parentId, level: r.level, name: `${names[r.level]} ${i}`, path: r.path }));
  for (let i = 0; i < rows.length; i += 200) await db('regions').insert(rows.slice(i, i + 200));

  const organisations = (
    await db('organisations')
      .insert(
        Array.from({ length: ORGANISATIONS }, (_, i) => ({
          name: `社工服务中心 ${i + 1}`, kind: 'social_work_organisation', grade: ['3A', '4A', '5A'][i % 3], credit_code: creditCode(700000 + i),
          staff_count: 8 + (i % 5), certified_social_worker_count: 5, volunteer_count: 40 + i, region_id: communities[(i * 7) % communities.length].id,
        })),
      )
      .returning('id')
  ).map((r: { id: string }) => r.id);

  const rules = defaultProgrammeRules();
  rules.review = { ...rules.review, panelSize: opts.panelSize };
  const programmes = (
    await db('programmes')
      .insert([
        { name: '2026 年度社区公益服务项目', region_id: city.id, rules: JSON.stringify(rules) },
        ...districts.slice(0, 4).map((d, i) => ({ name: `区级创投 ${i + 1}`, region_id: d.id, rules: JSON.stringify(rules) })),
      ])
      .returning('id')
  ).map((r: { id: string }) => r.id);

  const surveys = await db('surveys')
    .insert(communities.map((c) => ({ region_id: c.id, title: '需求调研', conducted_on: '2026-03-01' })))
    .returning(['id', 'region_id']);
  const needs = await db('needs')
    .insert(surveys.map((s: { id: string; region_id: string }) => ({ survey_id: s.id, region_id: s.region_id, category: 'companionship', target_group: 'elderly', people_affected: 120, urgency: 'high', source: 'grid_worker', description: '独居老人陪伴' })))
    .returning(['id', 'region_id']);
  const needByCommunity = new Map<string, string>(needs.map((n: { id: string; region_id: string }) => [n.region_id, n.id]));

  // One scrypt hash for every bench account (hashing is deliberately slow); each signs in through the API.
  const hash = await hashPassword(PASSWORD);
  const makeUser = async (loginName: string, roles: Role[], extra: { organisation_id?: string; region_id?: string } = {}): Promise<User> => {
    const [row] = await db('users').insert({ login: loginName, display_name: loginName, password_hash: hash, roles, ...extra }).returning('id');
    return { id: row.id as string, login: loginName, token: await login(stack.baseUrl, loginName) };
  };
  const admin = await makeUser('bench-admin', ['admin']);
  const officer = await makeUser('bench-officer', ['officer'], { region_id: city.id });
  const districtOfficer = await makeUser('bench-district-officer', ['officer'], { region_id: districts[0].id });
  const applicants: User[] = [];
  for (let i = 0; i < organisations.length; i++) applicants.push(await makeUser(`bench-applicant-${i}`, ['applicant'], { organisation_id: organisations[i] }));
  const many = async (role: Role, n: number) => {
    const out: User[] = [];
    for (let i = 0; i < n; i++) out.push(await makeUser(`bench-${role}-${i}`, [role]));
    return out;
  };
  const reviewers = await many('reviewer', Math.max(10, opts.panelSize * 2));
  const supervisors = await many('supervisor', 5);
  const evaluators = await many('evaluator', 5);
  log(`seeded ${rows.length} regions, ${organisations.length} organisations, ${programmes.length} programmes, ${needs.length} needs, ${3 + applicants.length + reviewers.length + supervisors.length + evaluators.length} signed-in users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { city, districts, streets, communities, organisations, programmeId: programmes[0], programmes, rules, needByCommunity, admin, officer, districtOfficer, applicants, reviewers, supervisors, evaluators };
}
