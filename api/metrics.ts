import { Registry, Histogram, Counter, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  activityDuration: Histogram<'activity' | 'outcome'>;
  activityRetries: Counter<'activity'>;
  subscriptionBatchSize: Histogram;
  subscriptionBatchDuration: Histogram;
}

/** One registry per process (the all-in-one start shares it between the API and the worker). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'fuhua_http_request_duration_seconds',
      help: 'HTTP request latency by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    activityDuration: new Histogram({
      name: 'fuhua_worker_activity_duration_seconds',
      help: 'Temporal activity execution time by activity and outcome',
      labelNames: ['activity', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    activityRetries: new Counter({
      name: 'fuhua_worker_activity_retries_total',
      help: 'Activity attempts beyond the first',
      labelNames: ['activity'],
      registers: [registry],
    }),
    subscriptionBatchSize: new Histogram({
      name: 'fuhua_subscription_batch_size',
      help: "Funders' subscriptions decided together in one transaction (the funding desk's batches)",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    subscriptionBatchDuration: new Histogram({
      name: 'fuhua_subscription_batch_duration_seconds',
      help: "Time to decide and write one batch of subscriptions, commit included",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}
