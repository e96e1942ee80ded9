import { keyedWrite, type RegisteredOperation, type RouteRegistry } from './registry';
import { isOptionalBody, Problem, withCleanStrings } from './schema';

type Json = Record<string, unknown>;

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Malformed or invalid request (problem+json lists each failing field and rule)',
  '401': 'Missing, expired or revoked token',
  '403': 'Your role may not call this operation',
  '404': 'No such object, or not one you may see',
  '409': 'Illegal stage move (names the current stage), a conflict, or the Idempotency-Key held by a request still running (Retry-After)',
  '413': 'Body too large',
  '415': 'Body is not application/json',
  '422': 'A business rule refuses the request',
  '429': 'Too many attempts (Retry-After)',
  '503': 'A stage move did not finish in time (Retry-After; retry with the same Idempotency-Key), or a server it needs is down',
};

/** A TypeBox schema as plain JSON Schema (its symbol keys dropped). */
function plain(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

/** A request schema as the API checks it: every free-text string held to the text format. */
const asChecked = (schema: unknown): Json => plain(withCleanStrings(schema));

function typedRequest(op: RegisteredOperation): { parameters: Json[]; body?: unknown } {
  const parameters: Json[] = [];
  for (const [where, part] of [['path', op.params], ['query', op.query]] as const) {
    if (!part) continue;
    const p = asChecked(part) as { properties?: Record<string, Json>; required?: string[] };
    const required = new Set(p.required ?? []);
    for (const [name, schema] of Object.entries(p.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  return { parameters, body: op.body ? asChecked(op.body) : undefined };
}

/** The problem statuses an operation may answer: those of its kind, and the ones it declares. */
export function problemStatuses(route: RegisteredOperation): string[] {
  const { body } = typedRequest(route);
  const out = new Set<string>();
  out.add('400');
  if (route.access !== 'public') {
    out.add('401');
    out.add('403');
  }
  if (body) {
    out.add('413');
    out.add('415');
  }
  for (const c of route.problems) out.add(String(c));
  if (keyedWrite(route)) out.add('409');
  return [...out].sort();
}

function operation(route: RegisteredOperation): Json {
  const { parameters, body } = typedRequest(route);
  const status = String(route.status ?? 200);
  const problem = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const success = route.produces ? { type: 'string' } : route.response ? plain(route.response) : {};
  const responses: Json = {
    [status]: {
      description: route.summary,
      ...(status === '204' ? {} : { content: { [route.produces ?? 'application/json']: { schema: success } } }),
    },
  };
  for (const code of problemStatuses(route)) responses[code] = { description: ERROR_STATUSES[code], ...problem };
  for (const other of route.answers) responses[String(other.status)] = { description: other.description, content: { 'application/json': { schema: success } } };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    'x-roles': route.access,
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: { required: !isOptionalBody(route.body), content: { 'application/json': { schema: body } } },
        }
      : {}),
    ...(route.method === 'post' && route.access !== 'public'
      ? { 'x-idempotency': 'Send an Idempotency-Key header to make retries safe: the same key and body replay the first answer for 24 hours.' }
      : {}),
    responses,
  };
}

export interface OpenApiDocument {
  openapi: string;
  info: Json;
  servers: Json[];
  security: Json[];
  paths: Record<string, Json>;
  components: Json;
}

/** OpenAPI 3.1, built from the same registry and schemas the app validates with. */
export function buildOpenApi(registry: RouteRegistry): OpenApiDocument {
  const paths: Record<string, Json> = {};
  for (const route of registry.routes) {
    const p = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[p] ??= {};
    paths[p][route.method] = operation(route);
  }
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
        Problem: plain(Problem),
      },
    },
  };
}
