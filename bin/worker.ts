import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, Worker, DefaultLogger, type LogLevel as CoreLogLevel, type ActivityInboundCallsInterceptor, type Next } from '@temporalio/worker';
import type { ActivityExecuteInput } from '@temporalio/worker/lib/interceptors';
import { Context } from '@temporalio/activity';
import { Counter } from 'prom-client';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { createActivities } from '../activities';
import type { Logger } from '../api/logger';
import type { Metrics } from '../api/metrics';

/** Name of the prebuilt workflow bundle `npm run build` writes into dist/. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/**
 * The workflow bundle to load: FUHUA_WORKFLOW_BUNDLE, else the one `npm run build` put beside the compiled code
 * (dist/workflow-bundle.js); undefined from the sources, where the worker bundles the workflows itself.
 */
export function prebuiltWorkflowBundle(configured: string | null): string | undefined {
  if (configured) return configured;
  const built = path.join(__dirname, '..', WORKFLOW_BUNDLE_FILE);
  return fs.existsSync(built) ? built : undefined;
}

let runtimeInstalled = false;

/** Route the Temporal core's own logs into our JSON log, once per process. */
export function installRuntime(log: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level: CoreLogLevel = 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...(entry.meta ?? {}), source: 'temporal' };
      if (entry.level === 'ERROR') log.error(entry.message, fields);
      else log.warn(entry.message, fields);
    }),
  });
}

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  db: Knex;
  client: Client;
  log: Logger;
  metrics: Metrics;
  clock?: () => Date;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled from source. */
  workflowBundlePath?: string;
  /** Workflows kept in memory between tasks; the SDK's default grows with the machine's memory. */
  maxCachedWorkflows?: number;
}

/** Operator alerts: activities that failed past their retry bound (one per alert, not per attempt). */
function alertCounter(metrics: Metrics): Counter<'activity'> {
  const name = 'fuhua_worker_activity_alerts_total';
  return (metrics.registry.getSingleMetric(name) as Counter<'activity'> | undefined)
    ?? new Counter({ name, help: 'Operator alerts raised for an activity that failed past its retry bound, or whose write for a passed deadline was refused', labelNames: ['activity'], registers: [metrics.registry] });
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  installRuntime(opts.log);
  const connection = await NativeConnection.connect({ address: opts.address });
  const metrics = opts.metrics;
  const activities = createActivities({ db: opts.db, clock: opts.clock ?? (() => new Date()), log: opts.log, temporal: opts.client, alerts: alertCounter(metrics) });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath: require.resolve('../workflows') }),
    activities,
    interceptors: {
      activity: [
        () => ({
          inbound: new (class implements ActivityInboundCallsInterceptor {
            async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
              const info = Context.current().info;
              if (info.attempt > 1) metrics.activityRetries.inc({ activity: info.activityType });
              const end = metrics.activityDuration.startTimer({ activity: info.activityType });
              try {
                const result = await next(input);
                end({ outcome: 'ok' });
                return result;
              } catch (err) {
                end({ outcome: 'error' });
                throw err;
              }
            }
          })(),
        }),
      ],
    },
    shutdownGraceTime: '10s',
    // Half the workflow-task polls on the task queue itself, not the default fifth: every service order and project
    // starts a workflow, whose first task waits there (a running workflow's next task comes on the sticky queue).
    nonStickyToStickyPollRatio: 0.5,
    ...(opts.maxCachedWorkflows ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
  });
  // Close the connection once the worker has drained.
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      await run();
    } finally {
      await connection.close();
    }
  };
  return worker;
}
