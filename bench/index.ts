// `npm run bench [-- --only <section>]`: runs the benchmark sections against the real stack, prints a block of
// figures per section and a summary of the targets, and writes everything to bench/results.json.
//
// Sections: startup, http (issue 2; `me` is another name for it: GET /api/v1/me beside a bare Express route),
// lifecycle (issue 3: lifecycles + bare engine + library query), library (issue 3's library query alone, on its
// own stack), contest (issue 4, when its routes exist), service-orders (issue 11), console (issue 12), cluster.
// Smaller runs: each section reads its sizes from BENCH_* variables (docs/benchmarks.md lists them).
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, heading, machine, print, runCleanups, table, target, type TargetResult } from './util';
import { runStartup, stopSummary, type FuhuaProcess } from './startup';
import { runHttp } from './http';
import { runLifecycle } from './lifecycle';
import { runContest } from './contest';
import { runCluster } from './cluster';
import { runServiceOrders } from './service-orders';
import { runConsole } from './console';

const SECTIONS = ['startup', 'http', 'me', 'lifecycle', 'library', 'contest', 'service-orders', 'console', 'cluster'] as const;
type Section = (typeof SECTIONS)[number];
/** What a plain `npm run bench` runs (lifecycle includes the library query). */
const DEFAULT: Section[] = ['startup', 'http', 'lifecycle', 'contest', 'service-orders'];

function parseArgs(argv: string[]): Section[] {
  const i = argv.indexOf('--only');
  if (i < 0) return DEFAULT;
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !SECTIONS.includes(n as Section));
  if (names.length === 0 || unknown.length) {
    process.stderr.write(`usage: npm run bench [-- --only ${SECTIONS.join('|')}[,...]]${unknown.length ? `\nunknown section(s): ${unknown.join(', ')}` : ''}\n`);
    process.exit(2);
  }
  // `me` is the http section under the name of what it measures; asked for twice, it runs once.
  return [...new Set(names.map((n) => (n === 'me' ? 'http' : n)))] as Section[];
}

/** The contest benchmark needs the contest operations (api/contests/, api/contest-entries/, api/contest-judging/). */
function contestAvailable(): { ok: boolean; why: string } {
  const missing = ['contests', 'contest-entries', 'contest-judging'].filter((f) => !fs.existsSync(path.join(REPO_ROOT, 'api', f, 'operations.ts')));
  return missing.length ? { ok: false, why: `no api/${missing.join(', api/')} operations` } : { ok: true, why: '' };
}

async function main(): Promise<void> {
  const sections = parseArgs(process.argv.slice(2));
  const started = new Date();
  const results: Record<string, unknown> = {};
  const targets: TargetResult[] = [];
  const failures: { section: string; error: string }[] = [];
  const skipped: { section: string; why: string }[] = [];
  let stack: FuhuaProcess | null = null;

  let interrupted = false;
  const onSignal = (sig: string) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n[bench] ${sig}: stopping everything the benchmark started\n`);
    void runCleanups().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const run = async (section: Section, fn: () => Promise<{ result: unknown; targets: TargetResult[] }>) => {
    const t0 = performance.now();
    try {
      const out = await fn();
      results[section] = { ...(out.result as object), seconds: Math.round((performance.now() - t0) / 100) / 10 };
      targets.push(...out.targets);
    } catch (err) {
      const error = (err as Error)?.stack ?? String(err);
      process.stderr.write(`[bench] section ${section} failed: ${error}\n`);
      failures.push({ section, error: (err as Error)?.message ?? String(err) });
      results[section] = { failed: (err as Error)?.message ?? String(err) };
    }
  };

  try {
    for (const section of sections) {
      if (section === 'startup') {
        // When http follows, the warm stack stays up for it ("on that same running stack").
        await run('startup', async () => {
          const out = await runStartup({ keep: sections.includes('http') });
          stack = out.running;
          return out;
        });
      } else if (section === 'http') {
        await run('http', async () => {
          try {
            return await runHttp(stack);
          } finally {
            if (stack) {
              // The warm stack of the startup section ends here: its SIGTERM is checked like the cold one's.
              const s = await stack.stop();
              stack = null;
              const clean = !s.portsStillOpen.length && !s.leftovers.length && !s.forced;
              targets.push(target('startup', 'warm stack: SIGTERM (after the http load) leaves nothing behind', stopSummary([s]), clean));
            }
          }
        });
      } else if (section === 'lifecycle' || section === 'library') {
        await run(section, async () => {
          return runLifecycle({ lifecycles: section === 'lifecycle', library: true });
        });
      } else if (section === 'cluster') {
        await run('cluster', runCluster);
      } else if (section === 'contest') {
        const available = contestAvailable();
        if (!available.ok) {
          heading('contest (issue 4)');
          print(`skipped: ${available.why}`);
          skipped.push({ section, why: available.why });
          continue;
        }
        await run('contest', runContest);
      } else if (section === 'service-orders') {
        await run('service-orders', runServiceOrders);
      } else if (section === 'console') {
        await run('console', runConsole);
      }
    }
  } finally {
    await runCleanups();
  }

  heading('summary');
  if (targets.length) print(table(targets.map((t) => [t.section, t.target, t.measured, t.met ? 'met' : 'MISSED']), ['section', 'target', 'measured', 'result']));
  for (const s of skipped) print(`skipped ${s.section}: ${s.why}`);
  for (const f of failures) print(`FAILED ${f.section}: ${f.error.split('\n')[0]}`);
  const file = path.join(__dirname, 'results.json');
  const doc = { startedAt: started.toISOString(), finishedAt: new Date().toISOString(), command: `npm run bench${process.argv.includes('--only') ? ` -- --only ${sections.join(',')}` : ''}`, machine: machine(), sections: results, targets, skipped, failures };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  print(`figures written to ${path.relative(process.cwd(), file) || file}`);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch(async (err: unknown) => {
  process.stderr.write(`[bench] ${(err as Error)?.stack ?? String(err)}\n`);
  await runCleanups();
  process.exit(1);
});
