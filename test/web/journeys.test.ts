import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { ensureConsoleBuilt } from '../../bin/console-build';
import { createUser, creditCode, startStack, type Stack, type TestUser } from '../helpers/stack';
import { Journey, launchChromium } from './browser';

// One journey per role, through the console in Debian's Chromium against the real stack. Only the accounts, the
// region tree, the applicant organisation and a listed need are put in directly; everything else is done in the UI.
jest.setTimeout(600_000);

let stack: Stack;
let server: http.Server;
let baseUrl: string;
let browser: Browser;
let officer: TestUser;
let applicant: TestUser;
let reviewer: TestUser;

const SUFFIX = String(Date.now() % 100000);
const PROGRAMME = `幸福邻里计划${SUFFIX}`;
const PROJECT = `银龄陪伴${SUFFIX}`;

async function seed(): Promise<void> {
  const names = ['嘉兴市', '南湖区', '建设街道', '紫阳社区'];
  const levels = ['city', 'district', 'street', 'community'];
  let parent: string | null = null;
  let path = '/';
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const [row]: { id: string }[] = await stack.db('regions').insert({ parent_id: parent, level: levels[i], name: names[i], path: '/tmp/' }).returning('id');
    path += `${row.id}/`;
    await stack.db('regions').where({ id: row.id }).update({ path });
    parent = row.id;
    ids.push(row.id);
  }
  const [org] = await stack.db('organisations')
    .insert({ name: '紫阳社工服务中心', kind: 'social_work_organisation', grade: '4A', credit_code: creditCode(700000 + Math.floor(Math.random() * 90000)), staff_count: 8, certified_social_worker_count: 5, volunteer_count: 40, region_id: ids[3] })
    .returning('id');
  officer = await createUser(stack, ['officer'], { regionId: ids[0] });
  applicant = await createUser(stack, ['applicant'], { organisationId: org.id });
  reviewer = await createUser(stack, ['reviewer']);
  await stack.db('users').where({ id: officer.id }).update({ display_name: '王官员' });
  await stack.db('users').where({ id: applicant.id }).update({ display_name: '李社工' });
  await stack.db('users').where({ id: reviewer.id }).update({ display_name: '张专家' });
  const [survey] = await stack.db('surveys').insert({ region_id: ids[3], title: '紫阳社区需求调研', conducted_on: '2026-11-01', created_by: officer.id }).returning('id');
  await stack.db('needs').insert({ survey_id: survey.id, region_id: ids[3], category: '居家探访', target_group: 'elderly', people_affected: 120, urgency: 'high', source: 'grid_worker', description: '独居老人缺少日常陪伴' });
}

beforeAll(async () => {
  await ensureConsoleBuilt({ log: (l) => process.stderr.write(`[test web] ${l}\n`) });
  stack = await startStack();
  await seed();
  server = http.createServer(stack.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await stack?.close();
});

describe('the console in a real browser', () => {
  let projectId: string;

  test('an officer signs in, finds an empty inbox, sets up a programme with its rules, and sees it listed and stored', async () => {
    const j = await Journey.start(browser, 'officer-programme', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.page.getByText('暂无待办事项').waitFor();
    await j.shot('tasks');

    await j.page.getByRole('menuitem', { name: '项目计划' }).click();
    await j.page.getByTestId('open-programme-form').click();
    await j.page.getByTestId('create-programme').waitFor();
    await j.page.getByLabel('计划名称').fill(PROGRAMME);
    await j.pickTree('所属区域', '嘉兴市');
    await j.page.getByLabel('评审组人数').fill('1');
    await j.page.getByLabel('最少持证社工').fill('4');
    await j.shot('programme-form');
    await j.page.getByTestId('create-programme').click();
    await j.page.getByRole('cell', { name: PROGRAMME }).waitFor();
    await j.shot('programmes');

    const row = await stack.db('programmes').where({ name: PROGRAMME }).first();
    expect(row).toMatchObject({ status: 'open', created_by: officer.id });
    expect(row.rules.review.panelSize).toBe(1);
    expect(row.rules.eligibility.minCertifiedSocialWorkers).toBe(4);

    await j.page.getByRole('menuitem', { name: '项目库' }).click();
    await j.page.getByText('暂无').first().waitFor();
    await j.shot('library-empty');
    await j.signOut();
    // Signing out revoked the session in the database.
    const live = await stack.db('sessions').where({ user_id: officer.id }).whereNull('revoked_at').count({ n: '*' }).first();
    expect(Number(live!.n)).toBe(1); // only the helper's bearer session is left
  });

  test('an applicant on a phone creates a project whose budget must add up, sees the refusal next to the budget, fixes it and submits it for review', async () => {
    const j = await Journey.start(browser, 'applicant', baseUrl, 375);
    await j.signIn(applicant.login, applicant.password);
    await j.shot('tasks');
    await j.goto('/projects/new');
    await j.page.getByLabel('项目名称').waitFor();
    await j.pick('项目计划', PROGRAMME);
    await j.page.getByLabel('项目名称').fill(PROJECT);
    await j.page.getByLabel('项目简介').fill('为独居老人提供每周探访和志愿陪伴');
    await j.pickTree('实施区域', '紫阳社区');
    await j.pick('回应的需求', '居家探访');
    await j.page.keyboard.press('Escape');
    await j.pick('服务对象', '老年人');
    await j.page.keyboard.press('Escape');
    await j.page.getByLabel('项目目标').fill('减少独居老人的孤独感');
    await j.page.getByLabel('指标名称').fill('上门探访');
    await j.page.getByLabel('单位', { exact: true }).fill('次');
    await j.page.getByLabel('目标值').fill('120');
    await j.page.getByLabel('工作人员').fill('6');
    await j.page.getByLabel('持证社工').fill('4');
    await j.page.getByLabel('志愿者', { exact: true }).fill('30');
    await j.page.getByLabel('项目负责人').fill('李华');
    await j.page.getByLabel('申请资助（元）').fill('50000');
    await j.page.getByLabel('支出项目').fill('活动经费');
    await j.page.getByLabel('金额（元）').fill('40000');
    // The sum is shown as they type: 10,000 yuan short.
    await j.page.getByTestId('budget-sum').filter({ hasText: '相差 10,000.00 元' }).waitFor();
    await j.shot('budget-off');

    j.expect(422, /\/api\/v1\/programmes\/[^/]+\/projects$/);
    await j.page.getByTestId('create-project').click();
    await j.page.getByText('预算明细之和须等于总预算').waitFor();
    await j.shot('budget-refused');
    expect(await stack.db('projects').where({ title: PROJECT }).count({ n: '*' }).first()).toEqual({ n: '0' });

    await j.page.getByLabel('金额（元）').fill('50000');
    await j.page.getByTestId('budget-sum').filter({ hasText: '预算明细与总预算一致' }).waitFor();
    await j.page.getByTestId('create-project').click();
    await j.page.getByTestId('submit-design').waitFor();
    projectId = j.page.url().split('/projects/')[1];
    await j.shot('project-design');
    const created = await stack.db('projects').where({ id: projectId }).first();
    expect(created).toMatchObject({ title: PROJECT, stage: 'design', organisation_id: expect.any(String) });
    expect(Number(created.amount_asked_fen)).toBe(5_000_000);

    await j.page.getByTestId('submit-design').click();
    await j.page.getByTestId('stage').filter({ hasText: '项目论证' }).waitFor();
    await j.shot('project-submitted');
    expect((await stack.db('projects').where({ id: projectId }).first()).stage).toBe('review');
    await j.signOut();
  });

  test('the officer opens the new task, has a panel assigned automatically, and the assignment is stored', async () => {
    const j = await Journey.start(browser, 'officer-review', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.page.getByRole('link', { name: '分配评审组' }).waitFor();
    await j.shot('tasks');
    await j.page.getByRole('link', { name: '分配评审组' }).click();
    await j.page.getByTestId('assign-panel').click();
    await j.page.getByRole('cell', { name: '张专家' }).waitFor();
    await j.shot('panel');
    const seats = await stack.db('review_assignments').where({ project_id: projectId });
    expect(seats.map((s) => s.reviewer_id)).toEqual([reviewer.id]);
    await j.signOut();
  });

  test('the reviewer on a phone scores the rubric from the task, and the scores are stored', async () => {
    const j = await Journey.start(browser, 'reviewer', baseUrl, 375);
    await j.signIn(reviewer.login, reviewer.password);
    await j.page.getByRole('link', { name: '评审打分' }).waitFor();
    await j.shot('tasks');
    await j.page.getByRole('link', { name: '评审打分' }).click();
    await j.page.getByTestId('score-needFit').waitFor();
    for (const key of ['needFit', 'design', 'team', 'budget', 'sustainability']) await j.page.getByTestId(`score-${key}`).fill('8');
    await j.page.getByLabel('评审意见').fill('需求明确，团队专业');
    await j.shot('score-form');
    await j.page.getByTestId('submit-score').click();
    await j.page.getByText('暂无待办事项').waitFor();
    await j.shot('tasks-done');
    const seat = await stack.db('review_assignments').where({ project_id: projectId, reviewer_id: reviewer.id }).first();
    expect(seat.status).toBe('scored');
    expect(seat.scores).toMatchObject({ needFit: 8, sustainability: 8 });
    await j.signOut();
  });

  test('the officer decides to approve from the task; the project page shows it approved and the decision is stored', async () => {
    const j = await Journey.start(browser, 'officer-decision', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.page.getByRole('link', { name: '作出评审决定' }).click();
    await j.page.getByText('通过', { exact: true }).click();
    await j.page.getByLabel('意见').fill('同意立项');
    await j.shot('decision');
    await j.page.getByTestId('decide').click();
    await j.page.getByTestId('stage').filter({ hasText: '已立项' }).waitFor();
    await j.shot('project-approved');
    const decision = await stack.db('review_decisions').where({ project_id: projectId }).first();
    expect(decision).toMatchObject({ decision: 'approve', comment: '同意立项' });
    expect((await stack.db('projects').where({ id: projectId }).first()).stage).toBe('approved');

    await j.page.getByRole('menuitem', { name: '项目库' }).click();
    await j.page.getByRole('link', { name: PROJECT }).waitFor();
    await j.shot('library');
    await j.page.getByRole('menuitem', { name: '区域看板' }).click();
    await j.page.getByTestId('chart-stage').waitFor();
    await j.shot('dashboard');
    await j.signOut();
  });
});
