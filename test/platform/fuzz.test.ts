// Every operation of the OpenAPI document, fed hostile input generated from its own request schema: wrong types,
// out-of-range numbers, poisoned text (NUL, lone surrogates, C0 controls), malformed ids, dates and cursors, unknown
// and missing properties. Each request must answer a documented 4xx problem (never a 5xx) and write nothing.
// Fixed seed and a bounded number of generated cases per operation, so a failure replays.
import crypto from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { ROLES } from '../../db/repositories/users';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query'; required?: boolean; schema: Json }[];
  body?: Json;
  responses: Record<string, unknown>;
}

const SEED = 20261202;
const GENERATED_CASES = 6;
/** Tables a refused request may still touch: the sign-in throttle counts refused sign-ins by design. */
const ALLOWED_TO_CHANGE = new Set(['sign_in_throttle', 'knex_migrations', 'knex_migrations_lock']);
/** A refusal is kept against its Idempotency-Key so a retry replays it; checked apart: only refusals may be kept. */
const KEYS = 'idempotency_keys';

let stack: Stack;
let everyone: TestUser;
let operations: Operation[];
let components: Record<string, Json>;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  // One account holding every role, so access checks let each request reach its validation and beyond.
  everyone = await createUser(stack, [...ROLES]);
  const doc = (await request(stack.app).get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
  components = doc.components?.schemas ?? {};
  operations = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const content = (op.requestBody as { content?: Record<string, { schema: Json }> } | undefined)?.content;
      operations.push({
        operationId: op.operationId as string,
        method,
        path,
        parameters: (op.parameters as Operation['parameters'] | undefined) ?? [],
        body: content?.['application/json']?.schema,
        responses: op.responses as Record<string, unknown>,
      });
    }
  }
});
afterAll(async () => {
  await stack?.close();
});

const resolve = (schema: Json | undefined): Json => {
  let s = schema ?? {};
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) s = components[(s.$ref as string).split('/').pop()!] ?? {};
  return s;
};
const typesOf = (schema: Json): string[] => {
  const s = resolve(schema);
  if (Array.isArray(s.type)) return s.type as string[];
  if (typeof s.type === 'string') return [s.type];
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alts) return alts.flatMap(typesOf);
  if (s.enum || s.const !== undefined) return ['enum'];
  return [];
};

/** A plausible value for a schema: not necessarily valid by every rule, but of the right shape. */
function sample(schema: Json, depth = 0): unknown {
  const s = resolve(schema);
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alts) return sample(alts.find((a) => resolve(a).type !== 'null') ?? alts[0], depth);
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return crypto.randomUUID();
      if (s.format === 'date') return '2026-06-01';
      if (s.format === 'date-time') return '2026-06-01T00:00:00Z';
      if (s.format === 'iso-duration') return 'P1D';
      return 'x'.repeat(Math.max(1, Number(s.minLength ?? 1)));
    case 'integer':
    case 'number':
      return Number(s.minimum ?? 0);
    case 'boolean':
      return false;
    case 'array':
      return depth > 3 || !s.items ? [] : Array.from({ length: Number(s.minItems ?? 0) }, () => sample(s.items as Json, depth + 1));
    case 'object': {
      const out: Json = {};
      const props = (s.properties ?? {}) as Record<string, Json>;
      for (const name of (s.required as string[] | undefined) ?? []) if (props[name]) out[name] = depth > 3 ? {} : sample(props[name], depth + 1);
      return out;
    }
    default:
      return null;
  }
}

/** Values no schema of these types accepts: poisoned text for every string, and the wrong type for the rest. */
function invalidFor(schema: Json): unknown[] {
  const types = typesOf(schema);
  if (types.length === 0) return []; // an open schema ({}): anything is valid, nothing to violate
  const out: unknown[] = ['a\u0000b', '\ud800', 'bell\u0007', '\udc00tail'];
  const s = resolve(schema);
  if (types.includes('string') && s.format !== undefined && s.format !== 'text') out.push('urn:uuid:' + crypto.randomUUID(), '2026-02-31', '');
  if (types.includes('string') && typeof s.maxLength === 'number') out.push('长'.repeat(Number(s.maxLength) + 1));
  if (types.includes('integer') || types.includes('number')) {
    if (typeof s.maximum === 'number') out.push(Number(s.maximum) + 1);
    if (typeof s.minimum === 'number') out.push(Number(s.minimum) - 1);
    if (types.includes('integer') && !types.includes('number')) out.push(1.5, 2 ** 63);
  }
  if (!types.includes('object')) out.push({ $gt: '' });
  if (!types.includes('array')) out.push([1, 2]);
  if (!types.includes('boolean') && !types.includes('enum')) out.push(true);
  return out.filter((v) => !(typeof v === 'string' && types.includes('enum') && (s.enum as unknown[] | undefined)?.includes(v)));
}

interface Mutation {
  where: string;
  apply: (body: Json) => unknown;
}

/** Every way to break a body: each (nested) property replaced by a value its schema refuses, a required one dropped, an unknown one added. */
function bodyMutations(schema: Json): Mutation[] {
  const out: Mutation[] = [
    { where: 'body is an array', apply: () => [] },
    { where: 'body is a string', apply: () => 'x' },
    { where: 'body has __proto__', apply: (b) => JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(b).slice(1)}`.replace(', }', '}')) as unknown },
  ];
  const walk = (node: Json, path: string[], depth: number) => {
    const s = resolve(node);
    if (depth > 3 || typesOf(s).join() !== 'object') return;
    const props = (s.properties ?? {}) as Record<string, Json>;
    if (s.additionalProperties === false) out.push({ where: `${path.join('.')}.unknownField`, apply: (b) => setAt(b, [...path, 'unknownField__'], 1) });
    for (const name of (s.required as string[] | undefined) ?? []) out.push({ where: `${[...path, name].join('.')} missing`, apply: (b) => deleteAt(b, [...path, name]) });
    for (const [name, prop] of Object.entries(props)) {
      for (const bad of invalidFor(prop)) out.push({ where: `${[...path, name].join('.')}=${JSON.stringify(bad).slice(0, 30)}`, apply: (b) => setAt(b, [...path, name], bad) });
      walk(prop, [...path, name], depth + 1);
    }
  };
  walk(schema, [], 0);
  return out;
}

function setAt(body: Json, path: string[], value: unknown): Json {
  const copy = structuredClone(body);
  let node: Json = copy;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object' || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[path[path.length - 1]] = value;
  return copy;
}
function deleteAt(body: Json, path: string[]): Json {
  const copy = structuredClone(body);
  let node: Json | undefined = copy;
  for (const key of path.slice(0, -1)) node = node?.[key] as Json | undefined;
  if (node) delete node[path[path.length - 1]];
  return copy;
}

/** Every table's content, as one digest per table. */
async function fingerprint(): Promise<Map<string, string>> {
  const tables = await stack.db.raw<{ rows: { tablename: string }[] }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  const out = new Map<string, string>();
  for (const { tablename } of tables.rows) {
    if (ALLOWED_TO_CHANGE.has(tablename) || tablename === KEYS) continue;
    const r = await stack.db.raw<{ rows: { digest: string | null }[] }>('SELECT md5(string_agg(md5(t::text), \'\' ORDER BY md5(t::text))) AS digest FROM ?? t', [tablename]);
    out.set(tablename, r.rows[0].digest ?? 'empty');
  }
  return out;
}

/** Percent-encoding that keeps a lone surrogate hostile: as the raw bytes of its (invalid) UTF-8 form. */
const encode = (v: string) =>
  v.replace(/[\ud800-\udfff]|[^\ud800-\udfff]+/g, (part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%' + (0x80 | ((part.charCodeAt(0) >> 6) & 0x3f)).toString(16).toUpperCase() + '%' + (0x80 | (part.charCodeAt(0) & 0x3f)).toString(16).toUpperCase() : encodeURIComponent(part)));

function urlFor(op: Operation, overrides: Record<string, string> = {}, query: Record<string, unknown> = {}): string {
  let url = op.path;
  for (const p of op.parameters.filter((x) => x.in === 'path')) url = url.replace(`{${p.name}}`, encode(overrides[p.name] ?? String(sample(p.schema))));
  const s = Object.entries(query)
    .map(([k, v]) => `${encode(k)}=${encode(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
  return s ? `${url}?${s}` : url;
}

interface Case {
  what: string;
  url: string;
  body?: unknown;
}

function casesFor(op: Operation): Case[] {
  const cases: Case[] = [];
  const validBody = op.body ? (sample(op.body) as Json) : undefined;
  for (const p of op.parameters.filter((x) => x.in === 'path')) {
    for (const bad of invalidFor(p.schema).filter((v): v is string => typeof v === 'string' && v !== '')) {
      cases.push({ what: `path ${p.name}=${JSON.stringify(bad)}`, url: urlFor(op, { [p.name]: bad }), body: validBody });
    }
  }
  for (const p of op.parameters.filter((x) => x.in === 'query')) {
    // A URL cannot carry a lone surrogate: its bytes arrive as invalid UTF-8, which the query parser keeps as literal text.
    const bads: unknown[] = invalidFor(p.schema).filter((v) => (typeof v === 'string' && !/[\ud800-\udfff]/.test(v)) || typeof v === 'number');
    const types = typesOf(p.schema);
    // Numbers and dates PostgreSQL would refuse, for the parameters that are numbers, dates or cursors.
    if (p.name === 'cursor' || types.includes('integer') || resolve(p.schema).format === 'date') bads.push('99999999999999999999', '2026-02-31');
    if (types.includes('integer')) bads.push(String(2 ** 31));
    for (const bad of bads) {
      cases.push({ what: `query ${p.name}=${JSON.stringify(bad)}`, url: urlFor(op, {}, { [p.name]: String(bad) }), body: validBody });
    }
  }
  if (op.body && validBody !== undefined) {
    const mutations = bodyMutations(op.body);
    // All single-field mutations at the top level, and a sample of the rest drawn with the fixed seed.
    const sampled = fc.sample(fc.constantFrom(...mutations), { numRuns: GENERATED_CASES, seed: SEED + op.operationId.length });
    for (const m of [...mutations.filter((x) => !x.where.includes('.')), ...sampled]) cases.push({ what: `body ${m.where}`, url: urlFor(op), body: m.apply(validBody) });
  }
  return cases;
}

test('every operation answers hostile input with a documented 4xx problem and writes nothing', async () => {
  expect(operations.length).toBeGreaterThan(100);
  const failures: string[] = [];
  let sent = 0;
  for (const op of operations) {
    const cases = casesFor(op);
    if (cases.length === 0) continue;
    const before = await fingerprint();
    for (const c of cases) {
      const call = (request(stack.app) as unknown as Record<string, (url: string) => request.Test>)[op.method](c.url)
        .set('Authorization', `Bearer ${everyone.token}`)
        .set('Idempotency-Key', crypto.randomUUID());
      const res = c.body === undefined ? await call : await call.set('Content-Type', 'application/json').send(JSON.stringify(c.body));
      sent++;
      if (process.env.FUZZ_DEBUG && op.operationId === process.env.FUZZ_DEBUG) console.log(c.what, res.status, JSON.stringify(res.body).slice(0, 300));
      const problem = res.headers['content-type']?.startsWith('application/problem+json') && typeof res.body?.type === 'string' && typeof res.body?.title === 'string';
      if (res.status < 400 || res.status >= 500 || !problem || !(String(res.status) in op.responses)) {
        failures.push(`${op.operationId} ${c.what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    const after = await fingerprint();
    const changed = [...after].filter(([t, d]) => before.get(t) !== d).map(([t]) => t);
    if (changed.length) failures.push(`${op.operationId}: hostile requests changed ${changed.join(', ')}`);
  }
  const kept = await stack.db(KEYS).where({ user_id: everyone.id }).where('status', '<', 400).count<{ count: string }[]>('* as count');
  expect(Number(kept[0].count)).toBe(0);
  expect(failures).toEqual([]);
  if (process.env.FUZZ_DEBUG) console.log(`${operations.length} operations, ${sent} hostile requests`);
  expect(sent).toBeGreaterThan(1000);
}, 600_000);
