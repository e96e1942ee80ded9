// The project library (项目库) query of the lifecycle section (issue 3): 100,000 projects loaded with batched
// INSERTs over the region tree, ANALYZE, then `GET /api/v1/projects` as a district officer and as an admin with
// several filter combinations, ~200 requests each. For each case the SQL the API ran is captured and EXPLAINed.
import { Client as PgClient } from 'pg';
import type { Seed, User } from './seed';
import type { BenchStack } from './stack';
import { call, heading, latencyStats, log, print, prng, round, table, target, type LatencyStats, type TargetResult } from './util';

const TOTAL = Number(process.env.BENCH_LIBRARY_PROJECTS || 100_000);
const REQUESTS = Number(process.env.BENCH_LIBRARY_REQUESTS || 200);
const BATCH = 1000;
const P99_TARGET_MS = 50;

const STAGES: [string, number][] = [
  ['design', 10], ['review', 8], ['revision', 3], ['approved', 7], ['in_contest', 3], ['delivery', 35], ['rectification', 2], ['evaluation', 5], ['closed', 22], ['rejected', 3], ['withdrawn', 2],
];
const COLOURS: [string, number][] = [['green', 70], ['blue', 15], ['yellow', 10], ['red', 5]];
const GROUPS: [string, number][] = [['elderly', 30], ['children', 25], ['new_employment_workers', 10], ['migrants', 8], ['people_with_disabilities', 10], ['women_and_families', 12], ['others', 5]];
const TITLES: [string, string][] = [
  ['银龄陪伴', 'Silver companions'], ['四点半课堂', 'After-school club'], ['骑手驿站', 'Rider station'], ['新市民融入', 'Newcomer integration'], ['助残就业', 'Disability employment'],
  ['家庭教育支持', 'Family education'], ['邻里互助', 'Neighbour mutual aid'], ['心理关爱', 'Mental wellbeing'], ['长者食堂', 'Seniors canteen'], ['儿童友好社区', 'Child-friendly community'],
  ['妇女微创业', 'Women micro-enterprise'], ['社区议事厅', 'Community council'], ['时间银行', 'Time bank'], ['困境儿童关护', 'Children in difficulty'], ['健康小屋', 'Health corner'],
];

function weighted<T>(rand: () => number, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [v, w] of items) if ((x -= w) < 0) return v;
  return items[items.length - 1][0];
}

/** Batched INSERTs of projects spread over the region tree, stages, colours, target groups and three years. */
async function load(stack: BenchStack, s: Seed): Promise<{ inserted: number; seconds: number; total: number }> {
  const existing = Number((await stack.db('projects').count({ n: '*' }))[0].n);
  const toInsert = Math.max(0, TOTAL - existing);
  const rand = prng(20261123);
  const t0 = performance.now();
  const now = Date.now();
  const threeYears = 3 * 365 * 86_400_000;
  for (let done = 0; done < toInsert; done += BATCH) {
    const rows = [];
    for (let k = 0; k < Math.min(BATCH, toInsert - done); k++) {
      const r = rand();
      // Most projects hang on a community, some on a street or a district.
      const region = r < 0.9 ? s.communities[Math.floor(rand() * s.communities.length)] : r < 0.98 ? s.streets[Math.floor(rand() * s.streets.length)] : s.districts[Math.floor(rand() * s.districts.length)];
      const groups = [weighted(rand, GROUPS)];
      if (rand() < 0.3) {
        const second = weighted(rand, GROUPS);
        if (second !== groups[0]) groups.push(second);
      }
      const [cn, en] = TITLES[Math.floor(rand() * TITLES.length)];
      const stage = weighted(rand, STAGES);
      const amount = (20 + Math.floor(rand() * 180)) * 10_000_00; // 20,000 - 200,000 yuan in fen
      const created = new Date(now - Math.floor(rand() * threeYears));
      const serial = existing + done + k + 1;
      rows.push({
        programme_id: s.programmes[Math.floor(rand() * s.programmes.length)],
        organisation_id: s.organisations[Math.floor(rand() * s.organisations.length)],
        region_id: region.id, region_level: region.level, region_path: region.path,
        title: `${cn} ${en} ${serial}`,
        summary: `${cn}：面向${groups.join('、')}的社区服务项目 (${en})`,
        target_groups: groups, stage, colour: weighted(rand, COLOURS), amount_asked_fen: amount,
        draft: JSON.stringify({
          targetGroups: groups,
          objectives: [{ description: `${en}: measurable outcomes for the community`, indicators: [{ name: 'people served', unit: 'people', target: 50 + Math.floor(rand() * 500) }] }],
          milestones: [{ name: 'Team trained', due: '2027-03-31' }, { name: 'Mid-term review', due: '2027-09-30' }],
          team: { staff: 6, certifiedSocialWorkers: 4, volunteers: 30, lead: '李华' },
          budgetLines: [{ item: 'Activities', amountFen: amount - 1_000_000 }, { item: 'Training', amountFen: 1_000_000 }],
          amountAskedFen: amount, coFundingFen: 0,
        }),
        current_version: stage === 'design' ? 0 : 1,
        created_at: created, updated_at: created,
      });
    }
    await stack.db('projects').insert(rows);
    if ((done / BATCH) % 20 === 19) log(`  loaded ${done + rows.length}/${toInsert}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await stack.db.raw('ANALYZE');
  return { inserted: toInsert, seconds, total: existing + toInsert };
}

interface Case {
  name: string;
  query: string;
  /** Follow nextCursor to this page (each request counts). */
  pages?: number;
}

export interface CaseResult extends LatencyStats {
  user: string;
  case: string;
  query: string;
  itemsFirstAnswer: number;
  page5?: LatencyStats;
  sql?: string;
  plan?: string[];
  executionMs?: number;
}

export interface LibraryResult {
  projects: number;
  loaded: number;
  loadSeconds: number;
  rowsPerSecond: number;
  requestsPerCase: number;
  cases: CaseResult[];
  peakRssMiB?: number;
}

/** Captures the projects query the API runs for one request, to EXPLAIN it. */
function captureSql(stack: BenchStack) {
  let armed = false;
  let captured: { sql: string; bindings: unknown[] } | null = null;
  const listener = (q: { sql: string; bindings?: unknown[] }) => {
    if (armed && /from "projects"/.test(q.sql) && /order by/i.test(q.sql)) {
      captured = { sql: q.sql, bindings: q.bindings ?? [] };
      armed = false;
    }
  };
  stack.db.on('query', listener);
  return {
    arm: () => {
      armed = true;
      captured = null;
    },
    take: () => captured as { sql: string; bindings: unknown[] } | null,
    off: () => stack.db.removeListener('query', listener),
  };
}

async function explain(pg: PgClient, stack: BenchStack, q: { sql: string; bindings: unknown[] }): Promise<{ plan: string[]; executionMs: number | null; sql: string }> {
  const native = /\$\d/.test(q.sql) ? { sql: q.sql, bindings: q.bindings } : (stack.db.raw(q.sql, q.bindings as never[]).toSQL().toNative() as { sql: string; bindings: unknown[] });
  const res = await pg.query(`EXPLAIN (ANALYZE, BUFFERS) ${native.sql}`, native.bindings as unknown[]);
  const plan = res.rows.map((r: Record<string, string>) => r['QUERY PLAN']);
  const exec = plan.map((l) => /Execution Time: ([\d.]+) ms/.exec(l)).find(Boolean);
  return { plan, executionMs: exec ? Number(exec[1]) : null, sql: native.sql };
}

export async function runLibrary(stack: BenchStack, s: Seed): Promise<{ result: LibraryResult; targets: TargetResult[] }> {
  heading(`library: GET /api/v1/projects with ${TOTAL.toLocaleString('en')} projects, ${REQUESTS} requests a case`);
  log(`loading projects up to ${TOTAL} with batched INSERTs of ${BATCH}`);
  const loaded = await load(stack, s);
  log(`loaded ${loaded.inserted} projects in ${round(loaded.seconds, 1)} s (${round(loaded.inserted / loaded.seconds, 0)} rows/s); ANALYZE done`);

  const district = s.districts[0];
  const street = s.streets.find((x) => x.path.startsWith(district.path))!;
  const cases: Case[] = [
    { name: 'first page, no filter', query: '' },
    { name: 'stage + colour', query: 'stage=delivery&colour=yellow' },
    { name: 'targetGroup', query: 'targetGroup=children' },
    { name: 'q text (latin)', query: 'q=companion' },
    { name: 'q text (2 Chinese chars)', query: `q=${encodeURIComponent('陪伴')}` },
    { name: 'regionId subtree (a street)', query: `regionId=${street.id}` },
    { name: 'stage + targetGroup + regionId', query: `stage=delivery,evaluation&targetGroup=elderly&regionId=${district.id}` },
    { name: 'pages 1-5 via nextCursor', query: '', pages: 5 },
  ];
  const users: [string, User][] = [['district officer', s.districtOfficer], ['admin', s.admin]];
  const capture = captureSql(stack);
  const pg = new PgClient({ connectionString: stack.pgUrl });
  await pg.connect();
  const results: CaseResult[] = [];
  try {
    for (const [userName, user] of users) {
      for (const c of cases) {
        const get = async (query: string) => {
          const r = await call(stack.baseUrl, 'GET', `/api/v1/projects${query ? `?${query}` : ''}`, user.token);
          if (r.status !== 200) throw new Error(`GET /api/v1/projects?${query} as ${userName} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
          return r;
        };
        const samples: number[] = [];
        const page5: number[] = [];
        let items = -1;
        let sqlInfo: { sql: string; bindings: unknown[] } | null = null;
        const iterations = c.pages ? Math.ceil(REQUESTS / c.pages) : REQUESTS;
        for (let k = -10; k < iterations; k++) {
          // The first ten are warm-up.
          let query = c.query;
          for (let page = 1; page <= (c.pages ?? 1); page++) {
            const last = page === (c.pages ?? 1);
            if (k === 0 && last) capture.arm();
            const r = await get(query);
            if (k === 0 && last) sqlInfo = capture.take();
            if (k >= 0) {
              samples.push(r.ms);
              if (c.pages && last) page5.push(r.ms);
            }
            if (items < 0) items = (r.body.items as unknown[]).length;
            if (!last) {
              if (!r.body.nextCursor) throw new Error(`${c.name}: no nextCursor on page ${page}`);
              query = `${c.query ? `${c.query}&` : ''}cursor=${encodeURIComponent(r.body.nextCursor as string)}`;
            }
          }
        }
        const st = latencyStats(samples);
        const cr: CaseResult = { user: userName, case: c.name, query: c.query, itemsFirstAnswer: items, ...st, ...(c.pages ? { page5: latencyStats(page5) } : {}) };
        if (sqlInfo) {
          const ex = await explain(pg, stack, sqlInfo);
          cr.sql = ex.sql;
          cr.plan = ex.plan;
          cr.executionMs = ex.executionMs ?? undefined;
        }
        results.push(cr);
        log(`  ${userName} / ${c.name}: p50 ${st.p50} ms, p99 ${st.p99} ms (${items} items on the first page${cr.executionMs !== undefined ? `, SQL ${cr.executionMs} ms` : ''})`);
      }
    }
  } finally {
    capture.off();
    await pg.end();
  }

  const result: LibraryResult = { projects: loaded.total, loaded: loaded.inserted, loadSeconds: round(loaded.seconds, 1), rowsPerSecond: round(loaded.inserted / loaded.seconds, 0), requestsPerCase: REQUESTS, cases: results };
  print(
    table(
      results.map((r) => [r.user, r.case, r.n, r.p50, r.p90, r.p99, r.max, r.executionMs ?? '-', r.itemsFirstAnswer]),
      ['user', 'case', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'SQL exec ms', 'items'],
    ),
  );
  const walks = results.filter((r) => r.page5);
  for (const w of walks) print(`${w.user}: page 5 alone p50 ${w.page5!.p50} ms, p99 ${w.page5!.p99} ms`);
  const slow = results.filter((r) => r.p99 >= P99_TARGET_MS);
  for (const r of slow) {
    print(`\nmissed (${r.user} / ${r.case}, p99 ${r.p99} ms): the query and its plan\n  ${r.sql}\n  ${(r.plan ?? []).join('\n  ')}`);
  }
  const worst = results.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  return {
    result,
    targets: [
      target('library', `library query p99 < ${P99_TARGET_MS} ms (every case, ${loaded.total.toLocaleString('en')} projects)`, `worst ${worst.p99} ms (${worst.user} / ${worst.case}); ${slow.length} of ${results.length} cases over`, slow.length === 0),
    ],
  };
}
