// Schema pieces every operation shares, written once with TypeBox: each is plain JSON Schema (for ajv and the
// OpenAPI document) and a TypeScript type (Static<>), so a handler never casts what it was given.
import { OptionalKind, Type, type Static, type TSchema, type SchemaOptions, type StringOptions } from '@sinclair/typebox';

export { Type, type Static, type TSchema };

/**
 * The `uuid` format, canonical form only (8-4-4-4-12 hex digits): ajv-formats also takes `urn:uuid:<id>`, which
 * PostgreSQL then refuses. Every ajv instance of the API uses this definition.
 */
export const CANONICAL_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const Uuid = (opts: StringOptions = {}) => Type.String({ format: 'uuid', description: 'A UUID in canonical form', ...opts });

/**
 * Free text a person typed: no NUL, no lone UTF-16 surrogate, no C0 control but tab and newline (and carriage return
 * before a newline). PostgreSQL refuses NUL and lone surrogates, so letting them through would fail a write later.
 */
export const TEXT_FORMAT = 'text';
export function isCleanText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20) {
      if (c === 0x09 || c === 0x0a) continue;
      if (c === 0x0d && value.charCodeAt(i + 1) === 0x0a) continue;
      return false;
    }
    if (c === 0x7f) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}
/**
 * The schema with every string that has no format, pattern, enum or const of its own held to the text format: the
 * rule covers every string a request carries, so no operation can forget it. Returns a plain copy.
 */
export function withCleanStrings<T>(schema: T): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === 'enum' || k === 'const' || k === 'default' || k === 'examples' ? v : walk(v);
    // A pattern does not exempt a string: few patterns think of NUL or lone surrogates.
    if (out.type === 'string' && out.format === undefined && out.enum === undefined && out.const === undefined) out.format = TEXT_FORMAT;
    return out;
  };
  return walk(schema) as T;
}

export const Text = (maxLength = 5000, opts: StringOptions = {}) => Type.String({ format: TEXT_FORMAT, maxLength, ...opts });
/** A short name or title: 1-200 characters of clean text. */
export const Name = (opts: StringOptions = {}) => Type.String({ format: TEXT_FORMAT, minLength: 1, maxLength: 200, ...opts });

export const Fen = (opts: SchemaOptions = {}) => Type.Integer({ minimum: 0, maximum: 100_000_000_000, description: 'Money in fen (1/100 yuan)', ...opts });
export const Count = (opts: SchemaOptions = {}) => Type.Integer({ minimum: 0, maximum: 1_000_000_000, ...opts });
export const IsoDate = (opts: StringOptions = {}) => Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD', ...opts });
export const Instant = (opts: StringOptions = {}) => Type.String({ format: 'date-time', description: 'An instant in UTC, ISO 8601', ...opts });
export const IsoDuration = (opts: StringOptions = {}) => Type.String({ format: 'iso-duration', maxLength: 40, description: 'An ISO 8601 duration, e.g. P14D or PT36H', ...opts });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * One of a list of strings as JSON Schema's `enum` (a refusal names the rule `enum` and lists the allowed values,
 * where a union of literals reports one `const` per branch), typed as that union.
 */
export const StringEnum = <T extends string>(values: readonly T[], opts: SchemaOptions = {}) => Type.Unsafe<T>({ type: 'string', enum: [...values], ...opts });

/** Path parameters of an operation on one object. */
export const IdParams = Type.Object({ id: Uuid() }, { additionalProperties: false });

export const MAX_PAGE = 100;
/** Keyset paging: `limit` (1-100, default 20) and the opaque `cursor` from the previous page's `nextCursor`. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 20, description: 'Items a page (1-100)' }),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,400}$', description: 'nextCursor of the previous page' })),
};
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) }, { additionalProperties: false });

export const FieldError = Type.Object({
  field: Type.String({ description: 'JSON pointer into the request, e.g. /body/budgetLines/0/amountFen' }),
  rule: Type.String({ description: 'The schema keyword or business rule that failed' }),
  message: Type.String(),
});

/** RFC 9457 problem details: every error this API answers has this shape. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    currentStage: Type.Optional(Type.String({ description: 'On 409: the stage (or phase, or status) the object is in' })),
    errors: Type.Optional(Type.Array(FieldError)),
  },
  { additionalProperties: true },
);

/** An empty JSON object (what a move answers when it has nothing to say). */
export const Empty = Type.Object({}, { additionalProperties: false });

/** A request body declared `Type.Optional(...)`: the request may come without one (a move that needs nothing more). */
export function isOptionalBody(schema: TSchema | undefined): boolean {
  return !!schema && (schema as unknown as Record<symbol, unknown>)[OptionalKind] === 'Optional';
}
