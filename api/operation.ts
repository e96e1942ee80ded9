// One operation of the API, declared in one object: where it lives, who may call it, the JSON Schema of each part of
// the request and of its answer (TypeBox: the same object is the schema ajv checks, the schema the OpenAPI document
// carries and, through Static<>, the TypeScript type the handler sees), the problems it may answer, and its handler.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Knex } from 'knex';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Principal } from './auth';
import type { AppDeps } from './deps';
import { says, ValidationError, type FieldError } from './errors';
import type { Logger } from './logger';
import type { Role } from '../db/repositories/users';
import { CANONICAL_UUID, isCleanText, isOptionalBody, TEXT_FORMAT, withCleanStrings } from './schema';
import { isDuration } from '../workflows/rules/duration';
import type { Language, MessageKey } from '../i18n';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Who may call an operation: a list of roles, any signed-in user, or anyone. */
export type Access = readonly Role[] | 'authenticated' | 'public';

/**
 * Problem statuses an operation may answer besides the ones every operation of its kind may: 400 (when it takes
 * input), 401 and 403 (when not public), 413 and 415 (when it takes a body), 503 (moves).
 */
export type ProblemStatus = 404 | 409 | 422 | 429 | 503;

export interface OtherAnswer {
  status: number;
  description: string;
}

export interface Reply<R = unknown> {
  status?: number;
  body?: R;
  /** For non-JSON answers (CSV exports, the docs page). */
  raw?: { contentType: string; data: string | Buffer; filename?: string };
  headers?: Record<string, string>;
}

export interface OperationContext<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  body: B;
  user: Principal;
  requestId: string;
  /** The caller's address (Express's req.ip: the socket's peer unless the app trusts a proxy): sign-in throttling keys on it. */
  ip: string;
  /** The language the answer's texts are rendered in: Accept-Language's preference among zh-CN and en, zh-CN by default. */
  lang: Language;
  /** The request's Idempotency-Key scoped to the caller, when sent: stage moves use it as the Temporal update id. */
  idempotencyKey?: string;
  /**
   * The transaction an operation declared with `transaction: true` runs in: its rows and the Idempotency-Key's
   * stored answer commit together, so a crash can neither lose the answer nor let a retry write twice.
   */
  trx: Knex.Transaction;
  log: Logger;
  deps: AppDeps;
}

type StaticOr<T extends TSchema | undefined, D> = T extends TSchema ? Static<T> : D;

export interface OperationSpec<P extends TSchema | undefined, Q extends TSchema | undefined, B extends TSchema | undefined, R extends TSchema | undefined> {
  operationId: string;
  method: Method;
  /** Express style, e.g. /api/v1/projects/:id/review/decision */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The JSON answer of a success; leave out for an answer without a body (204) or a non-JSON one (`produces`). */
  response?: R;
  /** Status of a success (default 200). */
  status?: 200 | 201 | 202 | 204;
  /** Answers something other than JSON. */
  produces?: string;
  /** Problem statuses this operation answers for reasons of its own (404 unknown object, 409 illegal move, 422 rule). */
  problems?: readonly ProblemStatus[];
  /** Other statuses whose body is the declared response, not a problem (readiness answers 503 with its checks). */
  answers?: readonly OtherAnswer[];
  /** Run the handler in one transaction together with the Idempotency-Key's record (direct writes). */
  transaction?: boolean;
  handler: (ctx: OperationContext<StaticOr<P, Record<string, never>>, StaticOr<Q, Record<string, never>>, StaticOr<B, undefined>>) => Promise<Reply<StaticOr<R, undefined>>>;
}

export interface Operation {
  operationId: string;
  method: Method;
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  response?: TSchema;
  status: number;
  produces?: string;
  problems: readonly ProblemStatus[];
  answers: readonly OtherAnswer[];
  transaction: boolean;
  /**
   * Its answer declares a project's colour reasons, which the registry renders in the request's language as the answer
   * leaves (api/localise.ts); other operations' answers are sent as they are.
   */
  localised: boolean;
  /** Checks and coerces {params, query, body}; throws ValidationError naming each failing field and rule. */
  validateRequest: (parts: RequestParts) => RequestParts;
  /** Field errors of a success body against the declared answer (empty when it matches). */
  responseErrors: (body: unknown) => FieldError[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: (ctx: OperationContext<any, any, any>) => Promise<Reply>;
}

export function defineOperation<
  P extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
  R extends TSchema | undefined = undefined,
>(spec: OperationSpec<P, Q, B, R>): Operation {
  const status = spec.status ?? 200;
  if (status !== 204 && !spec.produces && !spec.response) throw new Error(`${spec.operationId}: declare its response schema`);
  let responseValidator: ValidateFunction | undefined;
  return {
    ...spec,
    status,
    problems: spec.problems ?? [],
    answers: spec.answers ?? [],
    transaction: spec.transaction ?? false,
    localised: declares(spec.response, 'colourReasons'),
    validateRequest: requestValidator(spec.operationId, spec.params, spec.query, spec.body),
    responseErrors: (body) => {
      if (!spec.response) return [];
      responseValidator ??= responseAjv.compile(spec.response);
      return responseValidator(body) ? [] : toFieldErrors(responseValidator.errors, '/response');
    },
    handler: spec.handler as Operation['handler'],
  };
}

/** Whether a schema declares a property of this name anywhere within it. */
function declares(schema: unknown, property: string): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const s = schema as { properties?: Record<string, unknown> };
  if (s.properties && Object.prototype.hasOwnProperty.call(s.properties, property)) return true;
  return Object.values(schema).some((v) => (Array.isArray(v) ? v.some((x) => declares(x, property)) : declares(v, property)));
}

// ---- validation -------------------------------------------------------------------------------------------------

function addFormatsTo(ajv: Ajv): Ajv {
  addFormats(ajv);
  ajv.addFormat('uuid', CANONICAL_UUID);
  ajv.addFormat(TEXT_FORMAT, { type: 'string', validate: isCleanText });
  // The same parser the workflows compute deadlines with: one definition of what a duration is.
  ajv.addFormat('iso-duration', { type: 'string', validate: isDuration });
  return ajv;
}

/** Path and query values arrive as strings: this instance coerces them to the declared types and fills defaults. */
const inputAjv = addFormatsTo(new Ajv({ allErrors: true, strict: true, useDefaults: true, coerceTypes: 'array', allowUnionTypes: true }));
/** Bodies are JSON already: no coercion. */
const bodyAjv = addFormatsTo(new Ajv({ allErrors: true, strict: true, useDefaults: true, allowUnionTypes: true }));
const responseAjv = addFormatsTo(new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }));

export interface RequestParts {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}

const EMPTY_OBJECT = { type: 'object', additionalProperties: false, properties: {} };

function requestValidator(operationId: string, params?: TSchema, query?: TSchema, body?: TSchema): Operation['validateRequest'] {
  try {
    const pq = inputAjv.compile(withCleanStrings({ type: 'object', required: ['params', 'query'], properties: { params: params ?? EMPTY_OBJECT, query: query ?? EMPTY_OBJECT } }));
    const b = body ? bodyAjv.compile(withCleanStrings(body)) : undefined;
    const bodyOptional = isOptionalBody(body);
    const arrayKeys = Object.entries((query?.properties ?? {}) as Record<string, TSchema>)
      .filter(([, s]) => s.type === 'array')
      .map(([k]) => k);
    return (parts) => {
      const query = { ...parts.query };
      // A list in a query string may come as repeated keys or comma-separated.
      for (const k of arrayKeys) if (typeof query[k] === 'string') query[k] = (query[k] as string).split(',');
      const candidate = { params: { ...parts.params }, query };
      const errors: FieldError[] = [];
      if (!pq(candidate)) errors.push(...toFieldErrors(pq.errors));
      let value: unknown;
      const emptyObject = typeof parts.body === 'object' && parts.body !== null && !Array.isArray(parts.body) && Object.keys(parts.body).length === 0;
      if (b) {
        if (parts.body === undefined) {
          if (!bodyOptional) errors.push({ field: '/body', rule: 'required', message: 'a JSON body is required' });
        } else if (!b(parts.body)) errors.push(...toFieldErrors(b.errors, '/body'));
        value = parts.body;
      } else if (parts.body !== undefined && !emptyObject) {
        errors.push({ field: '/body', rule: 'additionalProperties', message: 'this operation takes no body' });
      }
      if (errors.length) throw new ValidationError(errors);
      return { params: candidate.params, query: candidate.query, body: value };
    };
  } catch (err) {
    throw new Error(`${operationId}: its request schema does not compile: ${(err as Error).message}`);
  }
}

function fieldOf(e: ErrorObject, prefix: string): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `${prefix}${e.instancePath}/${String(p.missingProperty)}`;
  if (e.keyword === 'additionalProperties') return `${prefix}${e.instancePath}/${String(p.additionalProperty)}`;
  return `${prefix}${e.instancePath}` || '/';
}

const LIMIT_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']);
const KEYED_FORMATS = new Set([TEXT_FORMAT, 'uuid', 'date', 'date-time', 'iso-duration']);

/** A schema failure as a catalogue message (rendered in the request's language; `message` keeps the English). */
function messageOf(e: ErrorObject): Pick<FieldError, 'message' | 'key' | 'params'> {
  const p = e.params as Record<string, unknown>;
  const k = e.keyword;
  if (LIMIT_KEYWORDS.has(k)) return says(`schema.${k}` as MessageKey, { limit: Number(p.limit) });
  switch (k) {
    case 'required':
    case 'additionalProperties':
    case 'pattern':
      return k === 'pattern' ? says('schema.pattern', { pattern: String(p.pattern) }) : says(`schema.${k}`);
    case 'type':
      return says('schema.type', { type: String(p.type) });
    case 'enum':
      return says('schema.enum', { values: (p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ') });
    case 'const':
      return says('schema.const', { value: JSON.stringify(p.allowedValue) });
    case 'multipleOf':
      return says('schema.multipleOf', { multipleOf: Number(p.multipleOf) });
    case 'uniqueItems':
      return says('schema.uniqueItems', { i: Number(p.i), j: Number(p.j) });
    case 'format':
      return KEYED_FORMATS.has(String(p.format)) ? says(`schema.format.${String(p.format)}` as MessageKey) : says('schema.format', { format: String(p.format) });
    default:
      return says('schema.other', { keyword: k });
  }
}

export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors ?? []) {
    // A union's branches each report; the union's own error says it best.
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const inside = out.filter((o) => o.field.startsWith(`${prefix}${e.instancePath}`));
      if (inside.length) continue;
    }
    const fe: FieldError = { field: fieldOf(e, prefix), rule: e.keyword, ...messageOf(e) };
    // A union of constants reports each branch: one error listing the values says it once.
    const sibling = e.keyword === 'const' ? out.find((o) => o.field === fe.field && o.rule === 'const') : undefined;
    if (sibling) {
      const values = [String(sibling.params?.values ?? sibling.params?.value), JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)].join(', ');
      Object.assign(sibling, says('schema.enum', { values }));
      continue;
    }
    const k = `${fe.field}|${fe.rule}|${fe.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(fe);
    }
  }
  return out;
}
