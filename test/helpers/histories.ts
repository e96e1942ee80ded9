import fs from 'node:fs';
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode, type ReplayWorkerOptions, type WorkflowBundle } from '@temporalio/worker';

// The standard Temporal history JSON (as the CLI and the UI download it), written and read with the
// protobufjs copy that @temporalio/proto itself resolves. The SDK's historyToJSON/historyFromJSON
// (@temporalio/common/lib/proto-utils) throw "type must be a Type" in this install: @temporalio/common
// carries its own nested protobufjs, whose protojson refuses the types built by @temporalio/proto's copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [path.dirname(require.resolve('@temporalio/proto/package.json'))] })) as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');
const HistoryMessage = proto.temporal.api.history.v1.History;

export function historyToJson(history: History): string {
  return `${JSON.stringify(protojson.toJson(historyType, HistoryMessage.fromObject(history)), null, 2)}\n`;
}

/** A History message (not JSON) for Worker.runReplayHistories, which would otherwise parse JSON with the failing SDK helper. */
export function historyFromJson(text: string): History {
  return HistoryMessage.fromObject(protojson.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true }) as object);
}

export function eventTypes(history: History): string[] {
  return (JSON.parse(historyToJson(history)) as { events: { eventType: string }[] }).events.map((e) => e.eventType);
}

/** A local activity's failure as its marker keeps it: the activity, the failure's type and the attempt it ended on. */
export interface LocalActivityFailure {
  activityType: string;
  /** The failure's type (an ApplicationFailure's `type`). */
  type: string | undefined;
  attempt: number | undefined;
}

/** Every local activity in a history that ended failed, in order. */
export function localActivityFailures(history: History): LocalActivityFailure[] {
  type Failure = { applicationFailureInfo?: { type: string }; cause?: Failure };
  const events = (JSON.parse(historyToJson(history)) as { events: {
    markerRecordedEventAttributes?: { markerName: string; details?: { data?: { payloads?: { data?: string }[] } }; failure?: Failure };
  }[] }).events;
  return events.flatMap(({ markerRecordedEventAttributes: marker }) => {
    if (marker?.markerName !== 'core_local_activity' || !marker.failure) return [];
    const data = JSON.parse(Buffer.from(marker.details?.data?.payloads?.[0]?.data ?? '', 'base64').toString('utf8') || '{}') as { activity_type?: string; attempt?: number };
    const failure = marker.failure.applicationFailureInfo ? marker.failure : marker.failure.cause;
    return [{ activityType: data.activity_type ?? '?', type: failure?.applicationFailureInfo?.type, attempt: data.attempt }];
  });
}

/**
 * Adds a recorded history as `<dir>/<prefix>-<release>.json`. Recorded histories are kept per release so the
 * replay tests guard every one of them: an existing file is never overwritten.
 */
export function recordHistory(dir: string, prefix: string, release: string, history: History): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(release) || release === '1') throw new Error(`RECORD_HISTORIES must name the release (letters, digits, . _ -), e.g. 2026-12-02; got "${release}"`);
  const file = path.join(dir, `${prefix}-${release}.json`);
  fs.writeFileSync(file, historyToJson(history), { flag: 'wx' }); // wx: fails if the file exists
  return file;
}

/** The same workflow code the test workers run: the bundle the global setup built for this run, else the sources. */
export function currentWorkflowCode(): Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = process.env.FUHUA_TEST_WORKFLOW_BUNDLE;
  return bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('../../workflows') };
}

/** Replays each history on the given code; answers, per history, the error it raised (null when it replayed). */
export async function replayAll(options: ReplayWorkerOptions, histories: { workflowId: string; history: History }[]): Promise<{ workflowId: string; error: string | null }[]> {
  const results: { workflowId: string; error: string | null }[] = [];
  for await (const r of Worker.runReplayHistories(options, histories)) results.push({ workflowId: r.workflowId, error: r.error ? `${r.error.name}: ${r.error.message}` : null });
  return results;
}

/** A workflow variant bundled quietly (the replay tests' deliberately non-deterministic fixtures). */
export function bundleVariant(workflowsPath: string): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never });
}
