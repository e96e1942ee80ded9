import type { Browser } from 'playwright-core';
import { createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { contestBody, expectStatus, onlineRound, openContest } from '../helpers/contests';
import { chineseProposal, seedApprovedProject, seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { Journey, journeyTest, startBrowserStack, type BrowserStack } from './browser';

// The organiser runs a contest through the console, unhappy paths included: judges picked by name (searched once the
// typing pauses) and one taken out, a judge replaced on an entry, the funder taking back a subscription and what is
// left of a pledge, the results tables, a partial award re-scoped by the applicant on a phone, another one declined,
// and a contest cancelled before judging, shown as cancelled with its reason.
// Put in directly: the accounts, the region tree, the organisations, the programme and its approved projects;
// the contests are created and their entries made through the API, the judges score through the API (the third
// contest is run through the API up to its award).
jest.setTimeout(900_000);

let web: BrowserStack;
let stack: Stack;
let baseUrl: string;
let browser: Browser;
let organiser: TestUser;
let applicant: TestUser;
let funder: TestUser;
let judges: TestUser[];
let s: Seeded;

const SUFFIX = String(Date.now() % 100000);
const JUDGE_NAMES = ['钱专家', '孙专家', '周专家'];
const TITLES = [`长者助餐${SUFFIX}`, `童心课堂${SUFFIX}`, `邻里互助${SUFFIX}`];
const ASKED = [3_000_000, 2_000_000, 1_000_000];

const approvedProject = (title: string, amountAskedFen: number): Promise<string> =>
  seedApprovedProject(stack, s, judges[0].id, { title, amountAskedFen, proposal: chineseProposal(amountAskedFen), reviewComments: '好', decisionComment: '同意立项' });

async function seed(): Promise<string[]> {
  s = await seedProgramme(stack, testRules(), { regions: ['湖州市', '吴兴区', '月河街道', '南园社区'], organisation: '南园社工服务中心', programme: `湖州社区计划${SUFFIX}` });
  const [funderOrg] = await stack.db('organisations')
    .insert({ name: '湖光集团', kind: 'company', grade: null, credit_code: creditCode(200000 + Math.floor(Math.random() * 90000)), staff_count: 0, certified_social_worker_count: 0, volunteer_count: 0, region_id: s.cityId })
    .returning('id');

  organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  applicant = await createUser(stack, ['applicant'], { organisationId: s.organisationId });
  funder = await createUser(stack, ['funder'], { organisationId: funderOrg.id });
  judges = [];
  for (const name of JUDGE_NAMES) {
    const j = await createUser(stack, ['reviewer']);
    await stack.db('users').where({ id: j.id }).update({ display_name: name });
    judges.push(j);
  }
  for (const [u, name] of [[organiser, '吴组织'], [applicant, '郑社工'], [funder, '冯出资']] as const) {
    await stack.db('users').where({ id: u.id }).update({ display_name: name });
  }
  const projectIds: string[] = [];
  for (let i = 0; i < TITLES.length; i++) projectIds.push(await approvedProject(TITLES[i], ASKED[i]));
  return projectIds;
}

let projectIds: string[];

/** An instant as the console shows it (the browser runs in Asia/Shanghai, UTC+8 all year): YYYY-MM-DD HH:mm:ss. */
const shanghai = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

beforeAll(async () => {
  web = await startBrowserStack();
  ({ stack, baseUrl, browser } = web);
  projectIds = await seed();
});
afterAll(() => web?.close());

/** A contest of one track and one online round (one judge an entry), open for entries, the projects entered; no matching pool unless given. */
async function contestWith(name: string, projects: string[], pool: { matchingPoolFen?: number; matchingCapPerEntryFen?: number } = {}): Promise<string> {
  const round = onlineRound({
    name: '网络初评',
    judgesPerEntry: 1,
    criteria: [
      { key: 'need', name: '需求契合', weight: 60, minScore: 0, maxScore: 10 },
      { key: 'design', name: '项目设计', weight: 40, minScore: 0, maxScore: 10 },
    ],
  });
  const id = await openContest(stack, organiser, contestBody(s, { name, tracks: [{ key: 'elderly', name: '为老服务' }], rounds: [round], ...pool }));
  for (const projectId of projects) expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId, trackKey: 'elderly' }), 201);
  return id;
}

describe('a contest run in the console, unhappy paths included', () => {
  journeyTest('the organiser picks judges by name and takes one out, replaces a judge on an entry, the funder cancels a subscription and withdraws what is left of a pledge, the results show who gave what, and the partial award is re-scoped by the applicant on a phone', async () => {
    const CONTEST = `第二届公益创投大赛${SUFFIX}`;
    const contestId = await contestWith(CONTEST, projectIds.slice(0, 2));

    // Judges picked by name from the people directory, one taken out before judging.
    const o = await Journey.start(browser, 'contest-organiser', baseUrl);
    await o.signIn(organiser.login, organiser.password);
    await o.goto(`/contests/${contestId}`);
    await o.page.getByTestId('phase').filter({ hasText: '报名中' }).waitFor();
    await o.openTab('评委');
    const asked = o.recordQueries('/api/v1/people', 'q');
    for (const name of JUDGE_NAMES) {
      asked.length = 0;
      await o.searchAndPick('选择评委', name, { pathname: '/api/v1/people', param: 'q' });
      // Typed a key at a time, the name is asked for once the typing pauses, not once a key.
      expect(asked[asked.length - 1]).toBe(name);
      expect(asked.length).toBeLessThan([...name].length);
    }
    await o.closeDropdowns();
    await o.shot('judges-picked');
    await o.page.getByTestId('add-judges').click();
    for (const name of JUDGE_NAMES) await o.page.getByTestId('judges').getByRole('cell', { name }).waitFor();
    expect((await stack.db('contest_judges').where({ contest_id: contestId }).pluck('user_id')).sort()).toEqual(judges.map((j) => j.id).sort());
    await o.page.getByTestId('judges').getByRole('row', { name: new RegExp(JUDGE_NAMES[2]) }).getByTestId('remove-judge').click();
    await o.page.getByText(`将${JUDGE_NAMES[2]}移出评委库？`).waitFor();
    await o.page.getByTestId('confirm-remove-judge').click();
    await o.page.getByTestId('judges').getByRole('cell', { name: JUDGE_NAMES[2] }).waitFor({ state: 'detached' });
    await o.shot('judge-removed');
    expect((await stack.db('contest_judges').where({ contest_id: contestId }).pluck('user_id')).sort()).toEqual([judges[0].id, judges[1].id].sort());

    await o.page.getByTestId('move-closeEntries').click();
    await o.page.getByTestId('phase').filter({ hasText: '资格审查' }).waitFor();
    await o.page.getByTestId('move-startJudging').click();
    await o.page.getByTestId('phase').filter({ hasText: '评审中' }).waitFor();

    // A reassignment: the judge of the first entry is replaced by the least-loaded one, the other judge of the pool.
    const [entryA, entryB] = await Promise.all(projectIds.slice(0, 2).map((id) => stack.db('contest_entries').where({ contest_id: contestId, project_id: id }).first()));
    const before = await stack.db('contest_assignments').where({ contest_id: contestId, entry_id: entryA.id, status: 'assigned' }).first();
    const to = judges.slice(0, 2).find((j) => j.id !== before.judge_id)!;
    await o.openTab('评委');
    const rowA = o.page.getByTestId('assignments').getByRole('row', { name: new RegExp(TITLES[0]) });
    await rowA.getByTestId('open-reassign').click();
    await o.shot('reassign');
    await o.page.getByTestId('reassign').click();
    await rowA.getByRole('cell', { name: JUDGE_NAMES[judges.indexOf(to)], exact: true }).waitFor();
    await o.shot('reassigned');
    const rowsA = await stack.db('contest_assignments').where({ contest_id: contestId, entry_id: entryA.id }).select('judge_id', 'status');
    expect(rowsA).toEqual(expect.arrayContaining([{ judge_id: before.judge_id, status: 'replaced' }, { judge_id: to.id, status: 'assigned' }]));

    // The judges score through the API; the organiser closes the round and publishes the ranking in the console.
    const open = await stack.db('contest_assignments').where({ contest_id: contestId, status: 'assigned' }).select('entry_id', 'judge_id');
    for (const a of open) {
      const scores = a.entry_id === entryA.id ? { need: 9, design: 8 } : { need: 7, design: 6 };
      expectStatus(await as(stack, judges.find((j) => j.id === a.judge_id)!).put(`/api/v1/contests/${contestId}/rounds/preliminary/scores/${a.entry_id}`, { scores }), 200);
    }
    await o.page.reload();
    await o.page.getByTestId('move-closeRound').click();
    await o.page.getByTestId('phase').filter({ hasText: '结果待发布' }).waitFor();
    await o.page.getByTestId('move-publishRanking').click();
    await o.page.getByTestId('phase').filter({ hasText: '认购中' }).waitFor();

    // The funder on a phone pledges, subscribes both entries, then cancels one subscription and withdraws what is left.
    const f = await Journey.start(browser, 'contest-funder', baseUrl, 375);
    await f.signIn(funder.login, funder.password);
    await f.goto(`/contests/${contestId}`);
    await f.page.getByTestId('pledge').waitFor();
    await f.page.getByLabel('认捐价值（元）').fill('30000');
    await f.page.getByTestId('pledge').click();
    await f.page.getByTestId('pledge-remaining').filter({ hasText: '30,000.00' }).waitFor();
    for (const [title, amount, left] of [[TITLES[0], '20000', '10,000.00'], [TITLES[1], '5000', '5,000.00']]) {
      await f.pick('认购项目', title);
      await f.pick('使用认捐', '现金');
      await f.page.getByLabel('认购金额（元）').fill(amount);
      // The subscription's own answer first: a failure then names the request (or its absence), not only the figure.
      const answered = f.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/contests/${contestId}/subscriptions`);
      await f.page.getByTestId('subscribe').click();
      expect((await answered).status()).toBe(201);
      await f.page.getByTestId('pledge-remaining').filter({ hasText: left }).waitFor();
    }
    await f.page.getByTestId('subscriptions').getByRole('row', { name: new RegExp(TITLES[1]) }).getByTestId('cancel-subscription').click();
    await f.page.getByText('5,000.00 元退回认捐').waitFor();
    await f.shot('cancel-subscription');
    await f.page.getByTestId('confirm-cancel-subscription').click();
    await f.page.getByTestId('pledge-remaining').filter({ hasText: '10,000.00' }).waitFor();
    await f.page.getByTestId('subscriptions').getByRole('cell', { name: TITLES[1] }).waitFor({ state: 'detached' });
    const subs = await stack.db('contest_subscriptions').where({ contest_id: contestId }).select('entry_id', 'amount_fen');
    expect(subs.map((x) => [x.entry_id, Number(x.amount_fen)])).toEqual([[entryA.id, 2_000_000]]);
    expect(Number((await stack.db('contest_entries').where({ id: entryB.id }).first()).subscribed_fen ?? 0)).toBe(0);

    await f.page.getByTestId('withdraw-pledge').click();
    await f.page.getByText('撤回尚未认购的 10,000.00 元，已认购的 20,000.00 元保留。').waitFor();
    await f.shot('withdraw-pledge');
    await f.page.getByTestId('confirm-withdraw').click();
    await f.page.getByTestId('pledge-remaining').filter({ hasText: '0.00' }).waitFor();
    await f.shot('withdrawn');
    const [pledgeRow] = await stack.db('contest_pledges').where({ contest_id: contestId });
    expect([Number(pledgeRow.value_fen), Number(pledgeRow.allocated_fen)]).toEqual([2_000_000, 2_000_000]);
    await f.signOut();

    // The results tables on the ranking tab: who gave what, per funder, per track, per kind.
    await o.page.reload();
    await o.openTab('排名');
    const results = o.page.getByTestId('results-entries');
    await results.getByRole('row', { name: new RegExp(TITLES[0]) }).getByText('湖光集团（现金）20,000.00').waitFor();
    await o.page.getByTestId('results-funders').getByRole('row', { name: /湖光集团/ }).getByRole('cell', { name: '20,000.00' }).first().waitFor();
    await o.page.getByTestId('results-tracks').getByRole('row', { name: /为老服务/ }).getByRole('cell', { name: '50,000.00' }).waitFor();
    await o.page.getByTestId('results-kinds').getByRole('row', { name: /现金/ }).getByRole('cell', { name: '20,000.00' }).waitFor();
    await o.shot('results');
    const funderRow = o.page.getByTestId('results-funders').getByRole('row', { name: /湖光集团/ });
    expect(await funderRow.locator('td').allInnerTexts()).toEqual(['湖光集团', '20,000.00', '20,000.00', '0.00']);

    // The award: the first entry gets 20,000 of the 30,000 it asked for and waits for its applicant.
    await o.page.getByTestId('move-award').click();
    await o.page.getByTestId('phase').filter({ hasText: '已授予' }).waitFor();
    await o.signOut();
    await eventually(async () => expect((await stack.db('projects').where({ id: projectIds[0] }).first()).stage).toBe('rescoping'), 60_000);

    // The applicant on a phone, from the task: a budget that does not add up is refused, then one that does.
    const a = await Journey.start(browser, 'contest-applicant', baseUrl, 375);
    await a.signIn(applicant.login, applicant.password);
    await a.page.getByRole('link', { name: '按资助额调整预算' }).first().click();
    await a.page.getByTestId('rescoping').getByText('大赛资助 20,000.00 元，少于申请的 30,000.00 元').waitFor();
    await a.page.getByTestId('open-accept-rescoping').click();
    await a.page.getByLabel('第 1 项金额（元）').fill('15000');
    await a.page.getByLabel('第 2 项金额（元）').fill('4000');
    await a.page.getByTestId('rescoping-sum').filter({ hasText: '合计 19,000.00 元，资助额 20,000.00 元，相差 1,000.00 元' }).waitFor();
    await a.shot('rescoping-off');
    a.expect(422, /\/rescoping\/accept$/);
    await a.page.getByTestId('accept-rescoping').click();
    await a.page.getByTestId('rescoping-error').filter({ hasText: '预算明细之和须等于资助额' }).waitFor();
    await a.page.getByLabel('第 2 项金额（元）').fill('5000');
    await a.page.getByTestId('rescoping-sum').filter({ hasText: '与资助额 20,000.00 元一致' }).waitFor();
    await a.shot('rescoping-ok');
    await a.page.getByTestId('accept-rescoping').click();
    await a.page.getByTestId('stage').filter({ hasText: '项目实施' }).waitFor({ timeout: 60_000 });
    await a.shot('rescoped');
    const project = await stack.db('projects').where({ id: projectIds[0] }).first();
    expect(project.stage).toBe('delivery');
    const version = await stack.db('design_versions').where({ project_id: projectIds[0], version: project.current_version }).first();
    expect(version.proposal.budgetLines).toEqual([{ item: '活动经费', amountFen: 1_500_000 }, { item: '人员经费', amountFen: 500_000 }]);
    expect((await stack.db('contest_entries').where({ id: entryA.id }).first()).rescoping_status).toBe('accepted');
    await a.signOut();
  });

  journeyTest('a partly funded applicant on a phone declines the award with the reason (required); the page shows the project back in the library, and the organiser sees the award returned to the pool', async () => {
    // A third contest, run through the API up to the award: the matching pool gives the one entry 5,000 of the 20,000 it asked.
    const TITLE = `助残就业${SUFFIX}`;
    const REASON = '资助额不足以开展服务，待下一轮申报';
    const projectId = await approvedProject(TITLE, 2_000_000);
    const contestId = await contestWith(`第三届公益创投大赛${SUFFIX}`, [projectId], { matchingPoolFen: 500_000, matchingCapPerEntryFen: 500_000 });
    const org = as(stack, organiser);
    const path = (x: string) => `/api/v1/contests/${contestId}${x}`;
    expectStatus(await org.post(path('/close-entries')), 200);
    expectStatus(await org.post(path('/judges'), { userIds: [judges[1].id] }), 200);
    expectStatus(await org.post(path('/start-judging')), 200);
    const entry = await stack.db('contest_entries').where({ contest_id: contestId, project_id: projectId }).first();
    expectStatus(await as(stack, judges[1]).put(path(`/rounds/preliminary/scores/${entry.id}`), { scores: { need: 8, design: 7 } }), 200);
    expectStatus(await org.post(path('/close-round')), 200);
    expectStatus(await org.post(path('/publish-ranking')), 200);
    expectStatus(await org.post(path('/award'), { startDate: '2027-01-01', endDate: '2027-12-31' }), 200);
    const stageOf = async () => (await stack.db('projects').where({ id: projectId }).first()).stage as string;
    await eventually(async () => expect(await stageOf()).toBe('rescoping'), 60_000);

    const a = await Journey.start(browser, 'contest-decline', baseUrl, 375);
    await a.signIn(applicant.login, applicant.password);
    await a.goto(`/projects/${projectId}`);
    await a.page.getByTestId('rescoping').getByText('大赛资助 5,000.00 元，少于申请的 20,000.00 元').waitFor();
    await a.page.getByTestId('open-decline-rescoping').click();
    await a.page.getByText('放弃后项目退回项目库，资助额退回配捐池').waitFor();
    // The reason is required: declining without it is refused next to the field, nothing sent.
    await a.page.getByTestId('decline-rescoping').click();
    await a.page.getByTestId('rescoping').getByText('此项必填').waitFor();
    expect(await stageOf()).toBe('rescoping');
    await a.page.getByLabel('放弃理由').fill(REASON);
    await a.shot('decline-confirm');
    await a.page.getByTestId('decline-rescoping').click();
    // The page shows what declining did: said so, the project back in the library (已立项), the offer gone.
    await a.page.getByText('已放弃资助').waitFor();
    await a.page.getByTestId('stage').filter({ hasText: '已立项' }).waitFor({ timeout: 60_000 });
    await a.page.getByTestId('rescoping').waitFor({ state: 'detached' });
    await a.shot('declined');
    await a.openTab('时间线');
    // The timeline keeps the applicant's reason beside the event.
    await a.page.getByText(`放弃调整预算（郑社工）：${REASON}`).waitFor();
    await a.shot('declined-timeline');
    expect(await stageOf()).toBe('approved');
    expect(await stack.db('contest_entries').where({ id: entry.id }).first()).toMatchObject({ rescoping_status: 'declined', rescoping_reason: REASON });
    expect(Number((await stack.db('contest_entries').where({ id: entry.id }).first()).returned_fen)).toBe(500_000);
    expect(await stack.db('tasks').where({ project_id: projectId, kind: 'rescope_budget', status: 'open' }).first()).toBeUndefined();
    await a.signOut();

    // The organiser's results: the entry's award declined, its amount back in the pool.
    const o = await Journey.start(browser, 'contest-declined-results', baseUrl);
    await o.signIn(organiser.login, organiser.password);
    await o.goto(`/contests/${contestId}`);
    await o.openTab('排名');
    await o.page.getByTestId('results-entries').getByRole('row', { name: new RegExp(TITLE) }).getByRole('cell', { name: '已放弃', exact: true }).waitFor();
    await o.page.getByTestId('results-overall').filter({ hasText: '其中 5,000.00 元退回配捐池，实际资助 0.00 元' }).waitFor();
    await o.shot('declined-results');
    await o.signOut();
  });

  journeyTest('an organiser cancels a contest before judging, with the reason, after confirming; the contest and the list show it cancelled with when and why, and its entered project goes back to the library', async () => {
    const CONTEST = `停办的创投大赛${SUFFIX}`;
    const contestId = await contestWith(CONTEST, [projectIds[2]]);
    const o = await Journey.start(browser, 'contest-cancel', baseUrl, 375);
    await o.signIn(organiser.login, organiser.password);
    await o.goto(`/contests/${contestId}`);
    await o.page.getByTestId('phase').filter({ hasText: '报名中' }).waitFor();
    await o.page.getByTestId('move-cancel').click();
    await o.page.getByText('已报名的 1 个项目退回项目库').waitFor();
    // The reason is required: confirming without it is refused next to the field, nothing sent.
    await o.page.getByTestId('confirm-cancel').click();
    await o.page.getByText('此项必填').waitFor();
    await o.page.getByLabel('取消理由').fill('财政预算调整，本届暂停');
    await o.shot('cancel-confirm');
    await o.page.getByTestId('confirm-cancel').click();
    // The workflow ends a cancelled contest as closed; the page says cancelled (not 已结束), when and why.
    await o.page.getByTestId('phase').filter({ hasText: '已取消' }).waitFor();
    await o.page.getByTestId('move-cancel').waitFor({ state: 'detached' });
    await o.page.getByTestId('cancel-reason').filter({ hasText: '财政预算调整，本届暂停' }).waitFor();
    const row = await stack.db('contests').where({ id: contestId }).first();
    expect(row).toMatchObject({ phase: 'closed', cancel_reason: '财政预算调整，本届暂停' });
    expect(await o.page.getByTestId('cancelled-at').innerText()).toBe(shanghai(row.cancelled_at).slice(0, 16));
    await o.shot('cancelled');
    // The list says the same: cancelled on that day, with the reason.
    await o.goto('/contests');
    const listed = o.page.getByRole('row', { name: new RegExp(CONTEST) });
    await listed.getByTestId('contest-phase').filter({ hasText: '已取消' }).waitFor();
    expect(await listed.getByTestId('contest-cancelled').innerText()).toBe(`${shanghai(row.cancelled_at).slice(0, 10)} 取消：财政预算调整，本届暂停`);
    await o.shot('cancelled-in-list');
    // A cancelled contest is closed with its entries cancelled, the reason kept; the project is back in the library.
    expect(await stack.db('contest_entries').where({ contest_id: contestId }).first()).toMatchObject({ status: 'cancelled', reason: '财政预算调整，本届暂停' });
    await eventually(async () => expect((await stack.db('projects').where({ id: projectIds[2] }).first()).stage).toBe('approved'), 60_000);
    await o.signOut();
  });
});
