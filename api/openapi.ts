import { getSchema, type JsonSchema } from './validation';
import type { RouteRegistry, RouteSpec } from './registry';

type Json = Record<string, unknown>;

/** Refs into common.json become refs into the document's components, so one definition serves both. */
export function toOpenApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (schema && typeof schema === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('common#/$defs/')) out[k] = `#/components/schemas/${v.slice('common#/$defs/'.length)}`;
      else if (k !== '$id') out[k] = toOpenApiSchema(v);
    }
    return out;
  }
  return schema;
}

function resolvePart(part: JsonSchema | undefined): JsonSchema | undefined {
  if (part && typeof part.$ref === 'string' && part.$ref.startsWith('common#/$defs/')) {
    return (getSchema('common').$defs as Record<string, JsonSchema>)[part.$ref.slice('common#/$defs/'.length)];
  }
  return part;
}

/** The request parts of one operation as the document states them: path and query parameters, and the body. */
export function documentedRequest(operationId: string): { parameters: Json[]; body?: unknown } {
  const props = (getSchema(operationId).properties ?? {}) as Record<string, JsonSchema>;
  const parameters: Json[] = [];
  for (const where of ['params', 'query'] as const) {
    const part = resolvePart(props[where]);
    const required = new Set((part?.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((part?.properties ?? {}) as Record<string, JsonSchema>)) {
      parameters.push({ name, in: where === 'params' ? 'path' : 'query', required: where === 'params' || required.has(name), schema: toOpenApiSchema(schema) });
    }
  }
  return { parameters, body: props.body ? toOpenApiSchema(props.body) : undefined };
}

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Malformed or invalid request (problem+json lists each failing field and rule)',
  '401': 'Missing, expired or revoked token',
  '403': 'Your role may not call this operation',
  '404': 'No such object, or not one you may see',
  '409': 'Illegal stage move (names the current stage) or conflict',
  '413': 'Body too large',
  '415': 'Body is not application/json',
  '422': 'A business rule refuses the request',
  '503': 'A stage move did not finish in time (Retry-After; retry with the same Idempotency-Key), or a server it needs is down',
};

function operation(route: RouteSpec): Json {
  const { parameters, body } = documentedRequest(route.operationId);
  const status = String(route.status ?? 200);
  const problem = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const responses: Json = {
    [status]: {
      description: route.summary,
      ...(status === '204' ? {} : { content: { [route.produces ?? 'application/json']: { schema: route.produces ? { type: 'string' } : {} } } }),
    },
  };
  for (const [code, description] of Object.entries(ERROR_STATUSES)) {
    if (route.access === 'public' && (code === '401' || code === '403')) continue;
    if (!body && (code === '413' || code === '415')) continue;
    if (code === '503' && route.method === 'get') continue;
    responses[code] = { description, ...problem };
  }
  if (route.operationId === 'auth.login') responses['429'] = { description: 'Too many failed sign-ins: the account is locked for a while (Retry-After)', ...problem };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    'x-roles': route.access,
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: { required: true, content: { 'application/json': { schema: body } } },
        }
      : {}),
    ...(route.method === 'post' && route.access !== 'public'
      ? { 'x-idempotency': 'Send an Idempotency-Key header to make retries safe: the same key and body replay the first answer.' }
      : {}),
    responses,
  };
}

/** OpenAPI 3.1, built from the same registry and schemas the app validates with. */
export function buildOpenApi(registry: RouteRegistry): Json {
  const paths: Record<string, Json> = {};
  for (const route of registry.routes) {
    const p = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[p] ??= {};
    paths[p][route.method] = operation(route);
  }
  const commonDefs = toOpenApiSchema(getSchema('common').$defs) as Json;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fuhua (孵化) API',
      version: '1.0.0',
      description:
        'Incubation of community service projects: demand research, design, review, venture-funding contests, delivery, monitoring, evaluation and closure. JSON fields are camelCase; money is integer fen; times are UTC ISO 8601.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'Token from POST /api/v1/auth/login' } },
      schemas: {
        ...commonDefs,
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            currentStage: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', properties: { field: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
  };
}
