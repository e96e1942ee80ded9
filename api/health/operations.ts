// Liveness and readiness probes. Prometheus metrics are not on the API's port: bin/http.ts serves them on
// FUHUA_METRICS_PORT (127.0.0.1 by default), as text, outside the typed operations.
import { defineOperation } from '../operation';
import { Type } from '../schema';
import { readiness } from './service';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'health.live',
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    tag: 'operations',
    access: 'public',
    response: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }),
    handler: async () => ({ body: { status: 'ok' as const } }),
  }),

  defineOperation({
    operationId: 'health.ready',
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: PostgreSQL and Temporal reachable, migrations current',
    tag: 'operations',
    access: 'public',
    response: Type.Object(
      {
        status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
        checks: Type.Record(Type.String(), Check, { description: 'postgres, migrations and temporal: each ok, or what failed' }),
      },
      { additionalProperties: false },
    ),
    // Not ready is an answer of the same shape, not a problem: a probe reads which check failed.
    answers: [{ status: 503, description: 'Not ready: a check failed (the body names it)' }],
    handler: async ({ deps }) => {
      const body = await readiness(deps);
      return { status: body.status === 'ready' ? 200 : 503, body };
    },
  }),
];
