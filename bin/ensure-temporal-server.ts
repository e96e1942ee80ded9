/**
 * Make sure the Temporal server, temporal-sql-tool and the module's schema files are cached (building them with Go
 * if needed, see bin/temporal-server.ts) and print where they are. CI runs it before the tests, so the cluster fault
 * test always runs there:
 *
 *   node bin/run-ts.js bin/ensure-temporal-server.ts
 */
import { findTemporalServer } from './temporal-server';

async function main(): Promise<void> {
  const files = await findTemporalServer({ log: (line) => process.stderr.write(`[temporal-server] ${line}\n`) });
  process.stdout.write(`${JSON.stringify(files, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
