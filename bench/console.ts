// The console (issue 12), measured in headless Chromium against a bench stack, never in a test:
// - the JavaScript the sign-in page loads, gzipped (target: at most 300 kB);
// - the library's first page with 100,000 projects: from navigation to the first row on screen (target: within 1 s);
// - the API calls each page issues to render, on a full load (target: at most 3).
import zlib from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../bin/console-build';
import { launchChromium } from '../test/web/browser';
import { seed, PASSWORD, type Seed } from './seed';
import { startBenchStack, type BenchStack } from './stack';
import { heading, latencyStats, log, print, round, table, target, type TargetResult } from './util';

const PROJECTS = Number(process.env.BENCH_CONSOLE_PROJECTS || 100_000);
const LIBRARY_RUNS = 7;
const SIGN_IN_JS_KB = 300;
const LIBRARY_MS = 1000;
const MAX_CALLS = 3;

/** Projects straight into the table, in one INSERT ... SELECT over generate_series, spread over the communities. */
async function loadProjects(stack: BenchStack, s: Seed): Promise<number> {
  const existing = Number((await stack.db('projects').count({ n: '*' }))[0].n);
  const n = Math.max(0, PROJECTS - existing);
  if (n > 0) {
    const draft = JSON.stringify({ targetGroups: ['elderly'], objectives: [{ description: '陪伴独居老人', indicators: [{ name: '探访', unit: '次', target: 100 }] }], milestones: [], team: { staff: 6, certifiedSocialWorkers: 4, volunteers: 30, lead: '李华' }, budgetLines: [{ item: '活动经费', amountFen: 5_000_000 }], amountAskedFen: 5_000_000, coFundingFen: 0 });
    await stack.db.raw(
      `INSERT INTO projects (programme_id, organisation_id, region_id, region_level, region_path, title, summary, target_groups, stage, colour, amount_asked_fen, draft, created_at, updated_at)
       SELECT (?::uuid[])[1 + g % ?], (?::uuid[])[1 + g % ?], (?::uuid[])[1 + g % ?], 'community', (?::text[])[1 + g % ?],
              (ARRAY['银龄陪伴','四点半课堂','骑手驿站','邻里互助','长者食堂'])[1 + g % 5] || ' ' || g, '社区服务项目', ARRAY['elderly'],
              (ARRAY['design','review','approved','delivery','closed'])[1 + g % 5], (ARRAY['green','blue','yellow','red'])[1 + g % 4], 5000000, ?::jsonb,
              now() - make_interval(mins => g), now() - make_interval(mins => g)
       FROM generate_series(1, ?) AS g`,
      [
        s.programmes, s.programmes.length, s.organisations, s.organisations.length,
        s.communities.map((c) => c.id), s.communities.length, s.communities.map((c) => c.path), s.communities.length,
        draft, n,
      ],
    );
    await stack.db.raw('ANALYZE projects');
  }
  return existing + n;
}

async function signedIn(browser: Browser, baseUrl: string, login: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const res = await context.request.post(`${baseUrl}/api/v1/auth/session`, { data: { login, password: PASSWORD } });
  if (res.status() !== 201) throw new Error(`console sign-in failed: ${res.status()}`);
  return context;
}

/** Every JavaScript file a page loads, with its size as served and gzipped. */
async function scriptsOf(page: Page, url: string): Promise<{ url: string; bytes: number; gzip: number }[]> {
  const scripts: Promise<{ url: string; bytes: number; gzip: number }>[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script') scripts.push(r.body().then((b) => ({ url: new URL(r.url()).pathname, bytes: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length })));
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  return Promise.all(scripts);
}

/** API calls made from a full load of `path` until the network is idle. */
async function callsToRender(context: BrowserContext, baseUrl: string, path: string): Promise<string[]> {
  const page = await context.newPage();
  const calls: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) calls.push(`${r.method()} ${u.pathname}`);
  });
  await page.goto(baseUrl + path, { waitUntil: 'networkidle' });
  await page.close();
  return calls;
}

export async function runConsole(): Promise<{ result: unknown; targets: TargetResult[] }> {
  heading('console (issue 12)');
  await ensureConsoleBuilt({ log });
  const stack = await startBenchStack();
  let browser: Browser | null = null;
  try {
    const s = await seed(stack, { panelSize: 1 });
    const t0 = performance.now();
    const total = await loadProjects(stack, s);
    log(`  ${total} projects in the library (${round((performance.now() - t0) / 1000, 1)} s to load)`);
    browser = await launchChromium();

    // 1. The sign-in page's JavaScript.
    const anon = await browser.newContext();
    const scripts = await scriptsOf(await anon.newPage(), `${stack.baseUrl}/signin`);
    await anon.close();
    const signInGzipKb = round(scripts.reduce((sum, x) => sum + x.gzip, 0) / 1024, 1);
    const signInKb = round(scripts.reduce((sum, x) => sum + x.bytes, 0) / 1024, 1);
    print(table(scripts.map((x) => [x.url, round(x.bytes / 1024, 1), round(x.gzip / 1024, 1)]), ['sign-in page script', 'kB', 'kB gzipped']));

    // 2. The library's first page at 100,000 projects, as the city officer (who sees them all) and as admin.
    const libraryMs: number[] = [];
    const context = await signedIn(browser, stack.baseUrl, s.admin.login);
    const warm = await context.newPage();
    await warm.goto(`${stack.baseUrl}/projects`, { waitUntil: 'networkidle' }); // the browser cache holds the assets, as for a returning user
    await warm.close();
    for (let i = 0; i < LIBRARY_RUNS; i++) {
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${stack.baseUrl}/projects`);
      try {
        await page.locator('.ant-table-row').first().waitFor({ state: 'visible', timeout: 60_000 });
      } catch (err) {
        throw new Error(`no library row on screen: ${(await page.innerText('body')).slice(0, 300)} (${(err as Error).message.split('\n')[0]})`);
      }
      libraryMs.push(performance.now() - started);
      await page.close();
    }
    const library = latencyStats(libraryMs);

    // 3. API calls per page to render, on a full load.
    const projectId = (await stack.db('projects').first('id')).id as string;
    const pages = ['/', '/projects', `/projects/${projectId}`, '/projects/new', `/projects/${projectId}/review`, '/programmes', '/dashboard'];
    const calls: [string, string[]][] = [];
    for (const p of pages) calls.push([p.replace(projectId, ':id'), await callsToRender(context, stack.baseUrl, p)]);
    await context.close();
    const reviewerContext = await signedIn(browser, stack.baseUrl, s.reviewers[0].login);
    calls.push(['/projects/:id/score (reviewer)', await callsToRender(reviewerContext, stack.baseUrl, `/projects/${projectId}/score`)]);
    await reviewerContext.close();
    print(table(calls.map(([p, c]) => [p, c.length, c.join(', ')]), ['page (admin)', 'API calls', 'which']));
    const mostCalls = Math.max(...calls.map(([, c]) => c.length));

    print(table([[`library first row, ${total} projects (ms)`, round(library.p50, 0), round(library.p99, 0), round(Math.max(...libraryMs), 0)]], ['', 'p50', 'p99', 'max']));
    const result = { projects: total, signInScripts: scripts, signInKb, signInGzipKb, libraryFirstRowMs: libraryMs.map((x) => round(x, 0)), library, callsPerPage: Object.fromEntries(calls.map(([p, c]) => [p, c])) };
    const targets = [
      target('console', `sign-in page JavaScript <= ${SIGN_IN_JS_KB} kB gzipped`, `${signInGzipKb} kB (${signInKb} kB raw, ${scripts.length} files)`, signInGzipKb <= SIGN_IN_JS_KB),
      target('console', `library first page at ${total} projects visible <= ${LIBRARY_MS} ms after navigation`, `max ${round(Math.max(...libraryMs), 0)} ms, median ${round(library.p50, 0)} ms over ${LIBRARY_RUNS}`, Math.max(...libraryMs) <= LIBRARY_MS),
      target('console', `no page issues more than ${MAX_CALLS} API calls to render`, `most: ${mostCalls} (${calls.filter(([, c]) => c.length === mostCalls).map(([p]) => p).join(', ')})`, mostCalls <= MAX_CALLS),
    ];
    return { result, targets };
  } finally {
    await browser?.close();
    await stack.stop();
  }
}
