import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError } from './errors';
import { toFieldErrors } from './operation';
import { CANONICAL_UUID, isCleanText, TEXT_FORMAT, withCleanStrings } from './schema';
import { isDuration } from '../workflows/rules/duration';

export type JsonSchema = Record<string, unknown>;

const SCHEMA_DIR = path.join(__dirname, 'schemas');

// One ajv instance for the whole process; each schema is compiled once, at load.
const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addFormat('iso-duration', { type: 'string', validate: isDuration });
ajv.addFormat(TEXT_FORMAT, { type: 'string', validate: isCleanText });
ajv.addFormat('uuid', CANONICAL_UUID);

const schemas = new Map<string, JsonSchema>();
const validators = new Map<string, ValidateFunction>();

function loadSchemas(): void {
  const files = fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    // Every free-text string is held to the shared text format (no NUL, lone surrogates or control characters).
    const schema = withCleanStrings(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as JsonSchema);
    const id = file.replace(/\.json$/, '');
    if (schema.$id !== id) throw new Error(`schema ${file} must have "$id": "${id}"`);
    schemas.set(id, schema);
    ajv.addSchema(schema);
  }
  for (const id of schemas.keys()) if (id !== 'common') validators.set(id, ajv.getSchema(id) as ValidateFunction);
}
loadSchemas();

export function getSchema(id: string): JsonSchema {
  const schema = schemas.get(id);
  if (!schema) throw new Error(`no schema "${id}" in api/schemas`);
  return schema;
}

export function allSchemaIds(): string[] {
  return [...schemas.keys()];
}

type Part = Record<string, unknown>;

/** Query and path values arrive as strings: coerce them to the types the operation's schema declares. */
// Looks the target up in the loaded files: ajv.getSchema would compile it as a root, where strict mode refuses `default` (the page limit).
function resolve(s: JsonSchema | undefined): JsonSchema | undefined {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 10; i++) {
    const [id, pointer = ''] = cur.$ref.split('#');
    let target: unknown = schemas.get(id);
    for (const key of pointer.split('/').slice(1)) target = (target as Record<string, unknown> | undefined)?.[key];
    cur = target as JsonSchema | undefined;
  }
  return cur;
}

function coerce(values: Part, partSchema: JsonSchema | undefined): Part {
  const props = (resolve(partSchema)?.properties ?? {}) as Record<string, JsonSchema>;
  const out: Part = {};
  for (const [key, raw] of Object.entries(values)) {
    const s = props[key];
    out[key] = s ? coerceValue(raw, s) : raw;
  }
  // ajv's useDefaults does not look through $ref, so defaults of referenced schemas (limit) are filled in here.
  for (const [key, s] of Object.entries(props)) {
    const fallback = resolve(s)?.default;
    if (!(key in out) && fallback !== undefined) out[key] = fallback;
  }
  return out;
}

function coerceValue(raw: unknown, schema: JsonSchema): unknown {
  const s = resolve(schema) ?? {};
  const type = s.type;
  if (type === 'array') {
    const items = (s.items ?? {}) as JsonSchema;
    const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [raw];
    return list.map((v) => coerceValue(v, items));
  }
  if (typeof raw !== 'string') return raw;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

export interface RequestParts {
  params: Part;
  query: Part;
  body?: unknown;
}

/** Validates {params, query, body} against the operation's schema; returns the coerced, defaulted parts. */
export function validateRequest(operationId: string, parts: RequestParts): RequestParts {
  const schema = getSchema(operationId);
  const validate = validators.get(operationId)!;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const candidate: RequestParts = { params: coerce(parts.params, props.params), query: coerce(parts.query, props.query) };
  // An empty JSON object on an operation that takes no body is the same as no body.
  const emptyObject = typeof parts.body === 'object' && parts.body !== null && !Array.isArray(parts.body) && Object.keys(parts.body).length === 0;
  if (parts.body !== undefined && !(emptyObject && !props.body)) candidate.body = parts.body;
  if (!validate(candidate)) throw new ValidationError(toFieldErrors(validate.errors));
  return candidate;
}
