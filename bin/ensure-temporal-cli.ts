/**
 * Make sure a Temporal CLI is available (finding, downloading or building it — see bin/temporal-cli.ts) and print
 * its absolute path on stdout; progress goes to stderr. Useful to warm a CI cache before the tests:
 *
 *   npx tsx bin/ensure-temporal-cli.ts
 */
import { findTemporalCli } from './temporal-cli';

async function main(): Promise<void> {
  const cli = await findTemporalCli({ log: (line) => process.stderr.write(`[temporal-cli] ${line}\n`) });
  process.stdout.write(`${cli}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
