import { pendingMigrations } from '../../db/knex';
import type { RouteRegistry } from '../registry';

export function registerHealthRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/healthz',
    operationId: 'health.live',
    summary: 'Liveness: the process answers',
    tag: 'operations',
    access: 'public',
    handler: async () => ({ body: { status: 'ok' } }),
  });

  registry.add({
    method: 'get',
    path: '/readyz',
    operationId: 'health.ready',
    summary: 'Readiness: PostgreSQL and Temporal reachable, migrations current',
    tag: 'operations',
    access: 'public',
    handler: async ({ deps }) => {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      try {
        await deps.db.raw('select 1');
        const pending = await pendingMigrations(deps.db);
        checks.postgres = { ok: true };
        checks.migrations = pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(', ')}` };
      } catch (err) {
        checks.postgres = { ok: false, detail: (err as Error).message };
      }
      try {
        if (!deps.temporal) throw new Error('no Temporal client configured');
        await deps.temporal.client.workflowService.getSystemInfo({});
        checks.temporal = { ok: true };
      } catch (err) {
        checks.temporal = { ok: false, detail: (err as Error).message };
      }
      const ok = Object.values(checks).every((c) => c.ok) && checks.migrations !== undefined;
      return { status: ok ? 200 : 503, body: { status: ok ? 'ready' : 'not ready', checks } };
    },
  });

  // Prometheus metrics are not on the API's port: bin/http.ts serves them on FUHUA_METRICS_PORT (127.0.0.1 by default).
}
