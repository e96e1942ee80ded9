import type { AppDeps } from '../deps';
import { pendingMigrations } from '../../db/knex';

export interface Check {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  status: 'ready' | 'not ready';
  checks: Record<string, Check>;
}

/** PostgreSQL reachable with every migration applied, and Temporal reachable: each check says what failed. */
export async function readiness(deps: AppDeps): Promise<Readiness> {
  const checks: Record<string, Check> = {};
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
  return { status: ok ? 'ready' : 'not ready', checks };
}
