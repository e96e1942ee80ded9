/**
 * The second half of `npm run build` (run from dist/ after tsc): copies what tsc does not (the `fuhua` entry point) and prebuilds the workflow bundle, as Temporal's production sample does, so the
 * worker in production starts without webpack (`workflowBundle: { codePath }`) and nothing runs through tsx.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_FILE } from './worker';

async function main(): Promise<void> {
  const dist = path.resolve(__dirname, '..');
  const root = path.resolve(dist, '..');
  fs.copyFileSync(path.join(root, 'bin', 'fuhua.js'), path.join(dist, 'bin', 'fuhua.js'));
  const started = Date.now();
  const quiet = { info() {}, warn: (m: string) => process.stderr.write(`[build] ${m}\n`), error: (m: string) => process.stderr.write(`[build] ${m}\n`), debug() {}, trace() {}, log() {} };
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet as never });
  fs.writeFileSync(path.join(dist, WORKFLOW_BUNDLE_FILE), code);
  process.stderr.write(`[build] dist/${WORKFLOW_BUNDLE_FILE}: ${(code.length / 1024).toFixed(0)} KiB in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[build] ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
