import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { createProject, expectStatus, inDays, indicatorScores, rubricScores, today } from '../helpers/lifecycle';
import { seedApprovedProject, seedRegionTree, seedSocialWorkOrganisation, type Seeded } from '../helpers/projects';
import { Journey, journeyTest, startBrowserStack, type BrowserStack } from './browser';

// One journey per role, through the console in Debian's Chromium against the real stack. Only the accounts, the
// region tree, the applicant organisation and a listed need are put in directly; everything else is done in the UI.
jest.setTimeout(600_000);

let stack: Stack;
let web: BrowserStack;
let baseUrl: string;
let browser: Browser;
let officer: TestUser;
let applicant: TestUser;
let reviewer: TestUser;
let supervisor: TestUser;
let ownSupervisor: TestUser;
let evaluator: TestUser;
let organiser: TestUser;
let funder: TestUser;
let admin: TestUser;
let regionIds: string[];
let regionPath: string;
let applicantOrg: string;

const SUFFIX = String(Date.now() % 100000);
const PROGRAMME = `幸福邻里计划${SUFFIX}`;
const PROJECT = `银龄陪伴${SUFFIX}`;

async function seed(): Promise<void> {
  const { ids, path } = await seedRegionTree(stack, ['嘉兴市', '南湖区', '建设街道', '紫阳社区']);
  const orgId = await seedSocialWorkOrganisation(stack, ids[3], '紫阳社工服务中心');
  officer = await createUser(stack, ['officer'], { regionId: ids[0] });
  applicant = await createUser(stack, ['applicant'], { organisationId: orgId });
  reviewer = await createUser(stack, ['reviewer']);
  // A supervisor of the applicant organisation itself: the officer's choice of them is refused beside the field.
  ownSupervisor = await createUser(stack, ['supervisor'], { organisationId: orgId });
  await stack.db('users').where({ id: ownSupervisor.id }).update({ display_name: '钟督导' });
  await stack.db('users').where({ id: officer.id }).update({ display_name: '王官员' });
  await stack.db('users').where({ id: applicant.id }).update({ display_name: '李社工' });
  await stack.db('users').where({ id: reviewer.id }).update({ display_name: '张专家' });
  const [funderOrg] = await stack.db('organisations')
    .insert({ name: '海天集团', kind: 'company', grade: null, credit_code: creditCode(600000 + Math.floor(Math.random() * 90000)), staff_count: 0, certified_social_worker_count: 0, volunteer_count: 0, region_id: ids[0] })
    .returning('id');
  supervisor = await createUser(stack, ['supervisor']);
  evaluator = await createUser(stack, ['evaluator']);
  organiser = await createUser(stack, ['organiser'], { regionId: ids[0] });
  funder = await createUser(stack, ['funder'], { organisationId: funderOrg.id });
  admin = await createUser(stack, ['admin']);
  for (const [u, name] of [[supervisor, '赵督导'], [evaluator, '钱评估'], [organiser, '孙组织'], [funder, '周出资'], [admin, '吴管理']] as const) {
    await stack.db('users').where({ id: u.id }).update({ display_name: name });
  }
  regionIds = ids;
  regionPath = path;
  applicantOrg = orgId;
  const [survey] = await stack.db('surveys').insert({ region_id: ids[3], title: '紫阳社区需求调研', conducted_on: '2026-11-01', created_by: officer.id }).returning('id');
  await stack.db('needs').insert({ survey_id: survey.id, region_id: ids[3], category: '居家探访', target_group: 'elderly', people_affected: 120, urgency: 'high', source: 'grid_worker', description: '独居老人缺少日常陪伴' });
}

beforeAll(async () => {
  web = await startBrowserStack();
  ({ stack, baseUrl, browser } = web);
  await seed();
});
afterAll(() => web?.close());

describe('the console in a real browser', () => {
  let projectId: string;

  journeyTest('an officer signs in, finds an empty inbox, sets up a programme with its rules, and sees it listed and stored', async () => {
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

  journeyTest('an applicant on a phone creates a project whose budget must add up, sees the refusal next to the budget, fixes it and submits it for review', async () => {
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

  journeyTest('the officer opens the new task, has a panel assigned automatically, and the assignment is stored', async () => {
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

  journeyTest('the officer replaces the reviewer who has not scored by one picked by name; "automatic" with no free reviewer left is refused beside the field; the first reviewer is put back', async () => {
    // A second reviewer joins after the panel was drawn (accounts are put in directly).
    const second = await createUser(stack, ['reviewer']);
    await stack.db('users').where({ id: second.id }).update({ display_name: '刘专家' });
    const j = await Journey.start(browser, 'officer-reassign', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.goto(`/projects/${projectId}/review`);
    await j.page.getByRole('cell', { name: '张专家' }).waitFor();
    await j.page.getByTestId('open-reassign').click();
    await j.typeAndPick('新的评审专家', '刘', '刘专家');
    await j.shot('reassign-form');
    await j.page.getByTestId('reassign').click();
    await j.page.getByRole('row', { name: /刘专家.*待评分/ }).waitFor();
    await j.page.getByRole('row', { name: /张专家.*已更换/ }).waitFor();
    await j.shot('reassigned');
    const seat = async (id: string) => (await stack.db('review_assignments').where({ project_id: projectId, reviewer_id: id }).first())?.status;
    expect([await seat(reviewer.id), await seat(second.id)]).toEqual(['replaced', 'assigned']);

    // Chosen automatically: both reviewers have sat on this panel, so none is left; the refusal is under the choice.
    await j.page.getByRole('row', { name: /刘专家/ }).getByTestId('open-reassign').click();
    j.expect(422, /\/review\/reassign$/);
    await j.page.getByTestId('reassign').click();
    await j.page.locator('.ant-form-item-explain-error').filter({ hasText: '没有足够的独立评审专家' }).waitFor();
    await j.shot('reassign-refused');
    expect(await seat(second.id)).toBe('assigned');

    await j.pick('新的评审专家', '张专家');
    await j.page.getByTestId('reassign').click();
    await j.page.getByRole('row', { name: /张专家.*待评分/ }).waitFor();
    await j.shot('reassigned-back');
    expect([await seat(reviewer.id), await seat(second.id)]).toEqual(['assigned', 'replaced']);
    await j.signOut();
  });

  journeyTest('the reviewer on a phone scores the rubric from the task, and the scores are stored', async () => {
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

  journeyTest('the officer decides to approve from the task; the project page shows it approved and the decision is stored', async () => {
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
  journeyTest('the officer signs the agreement on the project page, the tranches adding up as typed, and releases the first tranche', async () => {
    const j = await Journey.start(browser, 'officer-agreement', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.goto(`/projects/${projectId}`);
    await j.openTab('协议与拨款');
    await j.page.getByTestId('sign-agreement').waitFor();
    await j.page.getByTestId('tranche-sum').filter({ hasText: '各批次合计 50,000.00 元，协议金额 50,000.00 元' }).waitFor();
    await j.shot('agreement-form');
    await j.page.getByTestId('sign-agreement').click();
    await j.page.getByTestId('stage').filter({ hasText: '项目实施' }).waitFor();
    await j.page.getByTestId('release-1').click();
    await j.page.getByTestId('released-total').filter({ hasText: '25,000.00' }).waitFor();
    await j.shot('tranches');
    const agreement = await stack.db('agreements').where({ project_id: projectId }).first();
    expect(Number(agreement.amount_fen)).toBe(5_000_000);
    expect(agreement.tranches).toHaveLength(2);
    expect((await stack.db('projects').where({ id: projectId }).first()).stage).toBe('delivery');
    const released = await stack.db('tranche_releases').where({ project_id: projectId });
    expect(released.map((r) => [r.seq, Number(r.amount_fen)])).toEqual([[1, 2_500_000]]);
    await j.signOut();
  });

  journeyTest('the applicant on a phone records spending and a service record; the same shift again is refused next to its field, naming the record that holds it', async () => {
    // The volunteer is registered through the API (the console has no volunteer pages yet).
    const volunteer = await as(stack, applicant).post('/api/v1/volunteers').send({ name: '陈志愿' });
    expect(volunteer.status).toBe(201);
    const j = await Journey.start(browser, 'applicant-delivery', baseUrl, 375);
    await j.signIn(applicant.login, applicant.password);
    await j.goto(`/projects/${projectId}`);
    await j.openTab('实施记录');
    await j.page.getByTestId('record-spending').waitFor();
    await j.page.getByLabel('支出金额（元）').fill('1200');
    await j.page.getByTestId('record-spending').click();
    await j.page.getByTestId('spent').filter({ hasText: '1,200.00' }).waitFor();
    const spending = await stack.db('spending_entries').where({ project_id: projectId });
    expect(spending.map((e) => [e.budget_item, Number(e.amount_fen)])).toEqual([['活动经费', 120_000]]);

    const fillShift = async () => {
      await j.page.getByLabel('服务活动').fill('上门探访');
      await j.page.getByLabel('开始时间').fill('09:30');
      await j.page.getByLabel('服务地点').fill('紫阳社区活动室');
      await j.page.getByLabel('服务人数').fill('12');
      await j.pick('志愿者', '陈志愿');
      await j.page.getByLabel('服务时长（小时）').fill('2');
    };
    await fillShift();
    await j.shot('service-form');
    await j.page.getByTestId('record-service').click();
    await j.page.getByTestId('service-activity').filter({ hasText: '上门探访' }).waitFor();
    await j.page.getByTestId('work-totals').filter({ hasText: '服务记录 1 条，服务 12 人次，志愿服务 2 小时' }).waitFor();
    const records = await stack.db('service_records').where({ project_id: projectId });
    expect(records.map((r) => [r.activity, r.people_served, Number(r.volunteer_hours)])).toEqual([['上门探访', 12, 2]]);

    // The same volunteer's shift (same date and start time) again: 409, shown under the start time with the other record.
    await fillShift();
    j.expect(409, /\/api\/v1\/projects\/[^/]+\/service-records$/);
    await j.page.getByTestId('record-service').click();
    await j.page.getByText('该志愿者的这一班次已登记在服务记录「上门探访，').waitFor();
    await j.shot('service-shift-taken');
    expect(await stack.db('service_records').where({ project_id: projectId }).count({ n: '*' }).first()).toEqual({ n: '1' });
    await j.signOut();
  });

  journeyTest('the officer assigns the supervisor on the project page (one from the applicant organisation refused beside the field), records a complaint and a quarterly review; all stored', async () => {
    const j = await Journey.start(browser, 'officer-monitoring', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.goto(`/projects/${projectId}`);
    await j.openTab('督导');
    await j.page.getByTestId('supervisor-name').filter({ hasText: '尚未指派督导' }).waitFor();
    await j.pick('督导专家', '钟督导');
    j.expect(422, /\/supervisor$/);
    await j.page.getByTestId('assign-supervisor').click();
    await j.page.locator('.ant-form-item-explain-error').filter({ hasText: '属于申报机构' }).waitFor();
    await j.shot('supervisor-refused');
    expect((await stack.db('projects').where({ id: projectId }).first()).supervisor_id).toBeNull();
    await j.pick('督导专家', '赵督导');
    await j.page.getByTestId('assign-supervisor').click();
    await j.page.getByTestId('supervisor-name').filter({ hasText: '赵督导' }).waitFor();
    await j.shot('supervisor-assigned');
    expect((await stack.db('projects').where({ id: projectId }).first()).supervisor_id).toBe(supervisor.id);

    // One complaint turns the project blue: the colour history shows it later with its reason.
    await j.openTab('监测记录');
    await j.page.getByTestId('record-complaint').waitFor();
    await j.page.getByLabel('投诉内容').fill('探访时间不固定');
    await j.page.getByTestId('record-complaint').click();
    await j.page.getByTestId('complaints').getByRole('cell', { name: '探访时间不固定' }).waitFor();
    const complaints = await stack.db('complaints').where({ project_id: projectId });
    expect(complaints.map((c) => [c.description, c.recorded_by])).toEqual([['探访时间不固定', officer.id]]);

    await j.page.getByLabel('会议纪要').fill('服务进度正常，下季度增加探访频次');
    await j.page.getByLabel('参会人员').fill('王官员\n李社工');
    await j.shot('quarterly-form');
    await j.page.getByTestId('record-quarterly-review').click();
    await j.page.getByTestId('quarterly-reviews').getByRole('cell', { name: '服务进度正常，下季度增加探访频次' }).waitFor();
    await j.shot('monitoring');
    const reviews = await stack.db('quarterly_reviews').where({ project_id: projectId });
    expect(reviews.map((r) => [r.notes, r.attendees, r.recorded_by])).toEqual([['服务进度正常，下季度增加探访频次', ['王官员', '李社工'], officer.id]]);
    expect(reviews[0].quarter).toMatch(/^\d{4}-Q[1-4]$/);
    await j.signOut();
  });

  journeyTest('the supervisor on a phone records a visit from the task; the supervision index is shown and stored', async () => {
    const j = await Journey.start(browser, 'supervisor', baseUrl, 375);
    await j.signIn(supervisor.login, supervisor.password);
    await j.page.getByRole('link', { name: '督导走访' }).first().click();
    await j.openTab('督导');
    await j.page.getByTestId('record-visit').waitFor();
    for (const key of ['serviceQuality', 'professionalMethod', 'records', 'volunteerEngagement', 'teamDevelopment']) await j.page.getByTestId(`visit-${key}`).fill('90');
    await j.page.getByLabel('督导意见').fill('服务记录完整');
    await j.shot('visit-form');
    await j.page.getByTestId('record-visit').click();
    await j.page.getByTestId('supervision-index').filter({ hasText: '90.0' }).waitFor();
    await j.shot('visits');
    const visits = await stack.db('supervision_visits').where({ project_id: projectId });
    expect(visits).toHaveLength(1);
    expect(Number(visits[0].supervision_index)).toBe(90);
    expect(visits[0].supervisor_id).toBe(supervisor.id);
    await j.signOut();
  });

  journeyTest('the officer assigns the final evaluation\'s evaluator on the project page, which moves the project to evaluation; the evaluator scores it from the task; the grade and the subsidy are shown and stored', async () => {
    const o = await Journey.start(browser, 'officer-evaluator', baseUrl);
    await o.signIn(officer.login, officer.password);
    await o.goto(`/projects/${projectId}`);
    await o.openTab('评估');
    await o.page.getByTestId('assign-evaluator').waitFor();
    await o.page.getByRole('radio', { name: '结项评估' }).check();
    await o.pick('评估员', '钱评估');
    await o.shot('evaluator-form');
    await o.page.getByTestId('assign-evaluator').click();
    await o.page.getByTestId('stage').filter({ hasText: '绩效评估' }).waitFor();
    await o.page.getByRole('cell', { name: '钱评估' }).waitFor();
    await o.shot('evaluator-assigned');
    expect(await stack.db('evaluations').where({ project_id: projectId, kind: 'final' }).first()).toMatchObject({ evaluator_id: evaluator.id, submitted_at: null });
    expect((await stack.db('projects').where({ id: projectId }).first()).stage).toBe('evaluation');
    await o.signOut();

    const j = await Journey.start(browser, 'evaluator', baseUrl);
    await j.signIn(evaluator.login, evaluator.password);
    await j.page.getByRole('link', { name: '绩效评估' }).first().click();
    await j.openTab('评估');
    await j.page.getByTestId('submit-evaluation').waitFor();
    for (const key of ['outputs', 'outcomes', 'satisfaction', 'coverage', 'funds', 'professionalism', 'sustainability']) await j.page.getByTestId(`evaluation-${key}`).fill('85');
    await j.page.getByLabel('评估意见').fill('目标基本达成');
    await j.shot('evaluation-form');
    await j.page.getByTestId('submit-evaluation').click();
    await j.page.getByTestId('grade').filter({ hasText: '良好' }).waitFor();
    await j.page.getByTestId('subsidy').waitFor();
    await j.shot('evaluation');
    const evaluation = await stack.db('evaluations').where({ project_id: projectId, kind: 'final' }).first();
    expect(evaluation).toMatchObject({ grade: 'good', evaluator_id: evaluator.id });
    await j.signOut();
  });

  journeyTest('the officer orders rectification from the task, the reason required beside its field; the applicant plans it with a revised target, the officer accepts it, reads the colour history, terminates the project with a reason, and compares design versions side by side', async () => {
    const r = await Journey.start(browser, 'officer-order-rectification', baseUrl);
    await r.signIn(officer.login, officer.password);
    await r.page.getByRole('link', { name: '结项或整改' }).first().click();
    const closure = r.page.getByTestId('closure');
    await closure.getByText('结项评估等级：良好。').waitFor();
    await r.shot('close-or-rectify');
    await closure.getByTestId('open-rectify').click();
    await closure.getByTestId('order-rectification').click();
    await closure.getByText('此项必填').waitFor();
    await r.page.getByLabel('整改原因').fill('服务记录不完整');
    await r.shot('rectification-order');
    await closure.getByTestId('order-rectification').click();
    await r.page.getByTestId('stage').filter({ hasText: '整改' }).waitFor();
    await closure.waitFor({ state: 'detached' });
    await r.shot('rectification-ordered');
    expect(await stack.db('rectifications').where({ project_id: projectId }).first()).toMatchObject({ cause: 'failed_evaluation', reason: '服务记录不完整', status: 'open' });
    await r.signOut();

    const a = await Journey.start(browser, 'applicant-rectification', baseUrl, 375);
    await a.signIn(applicant.login, applicant.password);
    await a.goto(`/projects/${projectId}`);
    await a.page.getByTestId('stage').filter({ hasText: '整改' }).waitFor();
    await a.openTab('整改与终止');
    await a.page.getByTestId('submit-plan').waitFor();
    await a.page.getByLabel('整改方案').fill('补齐服务台账，每周复核');
    await a.page.getByTestId('add-target').click();
    await a.page.getByLabel('目标值').fill('100');
    await a.shot('plan-form');
    await a.page.getByTestId('submit-plan').click();
    await a.page.getByTestId('rectification-status').filter({ hasText: '待核查' }).waitFor();
    await a.shot('planned');
    const planned = await stack.db('rectifications').where({ project_id: projectId }).first();
    expect(planned).toMatchObject({ status: 'planned', plan: '补齐服务台账，每周复核', cause: 'failed_evaluation' });
    await a.signOut();

    const j = await Journey.start(browser, 'officer-rectification', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.goto(`/projects/${projectId}`);
    await j.openTab('整改与终止');
    await j.page.getByLabel('核查意见').fill('台账已补齐');
    await j.page.getByTestId('complete-rectification').click();
    await j.page.getByTestId('rectification-status').filter({ hasText: '已完成' }).waitFor();
    await j.page.getByTestId('stage').filter({ hasText: '绩效评估' }).waitFor();
    await j.shot('rectification-completed');
    expect((await stack.db('rectifications').where({ project_id: projectId }).first()).status).toBe('completed');

    await j.openTab('四色分级');
    await j.page.getByTestId('colour-history').getByRole('cell', { name: '投诉 1 起（1 起即为蓝色）' }).waitFor();
    await j.shot('colour-history');

    await j.openTab('整改与终止');
    await j.page.getByTestId('open-terminate').click();
    await j.page.getByLabel('终止理由').fill('机构无力继续实施');
    await j.shot('terminate-form');
    await j.page.getByTestId('terminate').click();
    await j.page.getByTestId('stage').filter({ hasText: '已终止' }).waitFor();
    await j.shot('terminated');
    expect((await stack.db('projects').where({ id: projectId }).first()).stage).toBe('terminated');

    // A second submitted version (put in directly: this project's design went through once) to compare with the first.
    const [first] = await stack.db('design_versions').where({ project_id: projectId, version: 1 });
    await stack.db('design_versions').insert({ project_id: projectId, version: 2, proposal: { ...first.proposal, team: { ...first.proposal.team, staff: 8 } }, submitted_by: applicant.id });
    await j.page.reload();
    await j.openTab('设计版本');
    await j.page.getByTestId('version-left').waitFor();
    await j.page.getByTestId('version-right').locator('[data-changed]').filter({ hasText: '工作人员 8' }).waitFor();
    expect(await j.page.getByTestId('version-left').locator('[data-changed]').allInnerTexts()).toEqual([expect.stringContaining('工作人员 6')]);
    await j.shot('versions');

    // The need the project answered is unanswered again, naming the terminated project; a new survey adds a need.
    await j.page.getByRole('menuitem', { name: '需求调研' }).click();
    await j.page.getByTestId('demand-list').getByRole('cell', { name: '居家探访' }).waitFor();
    await j.shot('demand-list');
    await j.openTab('未回应的需求');
    await j.page.getByTestId('ended-project').filter({ hasText: `${PROJECT}（已终止）` }).waitFor();
    await j.shot('unanswered');
    await j.openTab('登记调研');
    await j.page.getByLabel('调研名称').fill('建设街道入户调研');
    await j.pickTree('调研社区（村居）', '紫阳社区');
    await j.page.getByLabel('需求类别').fill('四点半课堂');
    await j.page.getByLabel('需求描述').fill('双职工家庭孩子放学后无人照看');
    await j.pick('服务对象', '儿童青少年');
    await j.page.getByLabel('涉及人数').fill('35');
    await j.shot('survey-form');
    await j.page.getByTestId('file-survey').click();
    await j.page.getByText('调研已登记').waitFor();
    const survey = await stack.db('surveys').where({ title: '建设街道入户调研' }).first();
    expect(survey).toMatchObject({ region_id: regionIds[3], created_by: officer.id });
    expect(await stack.db('needs').where({ survey_id: survey.id }).first()).toMatchObject({ category: '四点半课堂', people_affected: 35, target_group: 'children' });
    await j.openTab('需求清单');
    await j.page.getByTestId('demand-list').getByRole('cell', { name: '四点半课堂' }).waitFor();
    // The resource list beside it: a unit that offers a venue, added to the community's list.
    await j.openTab('资源清单');
    await j.page.getByTestId('resource-list').waitFor();
    await j.pickTree('所在区域', '紫阳社区');
    await j.page.getByLabel('单位', { exact: true }).fill('紫阳社区党群服务中心');
    await j.page.getByLabel('可提供', { exact: true }).fill('活动室每周二下午开放');
    await j.page.getByLabel('联系方式', { exact: true }).fill('0573-7654321');
    await j.shot('resource-form');
    await j.page.getByTestId('add-resource').click();
    await j.page.getByTestId('resource-list').getByRole('cell', { name: '紫阳社区党群服务中心' }).waitFor();
    await j.shot('resources');
    expect(await stack.db('resources').where({ unit: '紫阳社区党群服务中心' }).first()).toMatchObject({ region_id: regionIds[3], kind: 'venue', offer: '活动室每周二下午开放', survey_id: null });
    await j.signOut();
  });

  journeyTest('the officer closes a project from the task after its final evaluation: a refused final report is shown beside its field, then the project is closed and the report kept', async () => {
    // A second project, taken to a scored final evaluation through the API (the first one was terminated above); its
    // proposal is the first one's, so everything on screen is in Chinese.
    const programme = await stack.db('programmes').where({ name: PROGRAMME }).first();
    const s: Seeded = { cityId: regionIds[0], communityId: regionIds[3], communityPath: regionPath, organisationId: applicantOrg, programmeId: programme.id, rules: programme.rules };
    const [first] = await stack.db('design_versions').where({ project_id: projectId, version: 1 });
    const need = await stack.db('needs').where({ category: '居家探访', region_id: regionIds[3] }).first();
    const title = `邻里守望${SUFFIX}`;
    const closing = await createProject(stack, applicant, s, need.id, { title, proposal: { ...first.proposal, milestones: [{ name: '首次入户探访', due: inDays(30) }] } });
    const off = as(stack, officer);
    expectStatus(await as(stack, applicant).post(`/api/v1/projects/${closing}/design/submit`), 200);
    expectStatus(await off.post(`/api/v1/projects/${closing}/review/panel`, { reviewerIds: [reviewer.id] }), 200);
    expectStatus(await as(stack, reviewer).put(`/api/v1/projects/${closing}/review/score`, { scores: rubricScores(programme.rules, 1), comments: '设计完整' }), 200);
    expectStatus(await off.post(`/api/v1/projects/${closing}/review/decision`, { decision: 'approve', comment: '同意立项' }), 200);
    const amountFen = first.proposal.amountAskedFen as number;
    const tranches = [
      { name: '首期款', amountFen: amountFen - Math.floor(amountFen / 2), releaseOn: today() },
      { name: '尾款', amountFen: Math.floor(amountFen / 2), releaseOn: inDays(365) },
    ];
    expectStatus(await off.post(`/api/v1/projects/${closing}/agreement`, { amountFen, startDate: today(), endDate: inDays(365), tranches }), 200);
    // In delivery the applicant marks the milestone done on the 监测记录 tab (its task-style link ?tab=), confirmed first.
    const a = await Journey.start(browser, 'applicant-milestone', baseUrl, 375);
    await a.signIn(applicant.login, applicant.password);
    await a.goto(`/projects/${closing}?tab=monitoring`);
    await a.page.getByTestId('complete-milestone-1').click();
    await a.page.locator('.ant-popconfirm').getByRole('button', { name: '是' }).click();
    await a.page.getByTestId('milestone-done-1').waitFor();
    await a.shot('milestone-done');
    expect((await stack.db('milestones').where({ project_id: closing, seq: 1 }).first()).done_at).not.toBeNull();
    await a.signOut();
    expectStatus(await off.post(`/api/v1/projects/${closing}/evaluations`, { kind: 'final', evaluatorId: evaluator.id }), 200);
    expectStatus(await as(stack, evaluator).put(`/api/v1/projects/${closing}/evaluations/final`, { scores: indicatorScores(programme.rules, 92), comments: '成效明显' }), 200);

    const j = await Journey.start(browser, 'officer-closure', baseUrl);
    await j.signIn(officer.login, officer.password);
    await j.page.getByRole('link', { name: '结项或整改' }).first().click();
    await j.page.getByText(title, { exact: true }).first().waitFor();
    const closure = j.page.getByTestId('closure');
    await closure.getByText('结项评估等级：优秀。').waitFor();
    await closure.getByTestId('open-close').click();
    // A control character the API's text format refuses: the problem's field is put under the report.
    j.expect(400, /\/close$/);
    await j.page.getByLabel('结项报告').fill('项目目标全部达成\u0007');
    await closure.getByTestId('close-project').click();
    await closure.locator('.ant-form-item-explain-error').filter({ hasText: '格式不正确' }).waitFor();
    await j.shot('closure-refused');
    expect((await stack.db('projects').where({ id: closing }).first()).stage).toBe('evaluation');
    await j.page.getByLabel('结项报告').fill('项目目标全部达成，服务长者 120 人，资金按计划使用');
    await j.shot('closure-form');
    await closure.getByTestId('close-project').click();
    await j.page.getByTestId('stage').filter({ hasText: '已结项' }).waitFor();
    await closure.waitFor({ state: 'detached' });
    await j.shot('closed');
    expect((await stack.db('projects').where({ id: closing }).first()).stage).toBe('closed');
    const closed = await stack.db('project_events').where({ project_id: closing, kind: 'closed' }).first();
    expect(closed.data).toMatchObject({ finalReport: '项目目标全部达成，服务长者 120 人，资金按计划使用', grade: 'excellent' });
    expect(await stack.db('tasks').where({ project_id: closing, status: 'open' })).toHaveLength(0);
    await j.signOut();
  });

  journeyTest('the applicant on a phone withdraws a project still in design: the dialog asks the reason first, then the project is withdrawn and the reason kept', async () => {
    // A third project, created through the API (the form was walked through above), still in design.
    const programme = await stack.db('programmes').where({ name: PROGRAMME }).first();
    const s: Seeded = { cityId: regionIds[0], communityId: regionIds[3], communityPath: regionPath, organisationId: applicantOrg, programmeId: programme.id, rules: programme.rules };
    const [first] = await stack.db('design_versions').where({ project_id: projectId, version: 1 });
    const need = await stack.db('needs').where({ category: '居家探访', region_id: regionIds[3] }).first();
    const withdrawing = await createProject(stack, applicant, s, need.id, { title: `长者食堂${SUFFIX}`, proposal: first.proposal });
    const j = await Journey.start(browser, 'applicant-withdraw', baseUrl, 375);
    await j.signIn(applicant.login, applicant.password);
    await j.goto(`/projects/${withdrawing}`);
    await j.page.getByTestId('open-withdraw').click();
    await j.page.getByTestId('withdraw').click();
    await j.page.getByRole('dialog').getByText('此项必填').waitFor();
    await j.page.getByLabel('撤回理由').fill('合作场地无法落实');
    await j.shot('withdraw-dialog');
    await j.page.getByTestId('withdraw').click();
    await j.page.getByTestId('stage').filter({ hasText: '已撤回' }).waitFor();
    await j.page.getByTestId('open-withdraw').waitFor({ state: 'detached' });
    await j.shot('withdrawn');
    expect((await stack.db('projects').where({ id: withdrawing }).first()).stage).toBe('withdrawn');
    const event = await stack.db('project_events').where({ project_id: withdrawing, kind: 'withdrawn' }).first();
    expect(event.data).toMatchObject({ from: 'design', reason: '合作场地无法落实' });
    await j.signOut();
  });

  journeyTest('a contest run by its organiser: created from the defaults, two projects entered, a judge scores on a phone, the ranking published, a funder pledges and subscribes, the award', async () => {
    const programme = await stack.db('programmes').where({ name: PROGRAMME }).first();
    const s: Seeded = { cityId: regionIds[0], communityId: regionIds[3], communityPath: regionPath, organisationId: applicantOrg, programmeId: programme.id, rules: programme.rules };
    const titles = [`长者食堂${SUFFIX}`, `四点半课堂${SUFFIX}`];
    await seedApprovedProject(stack, s, reviewer.id, { title: titles[0], amountAskedFen: 3_000_000 });
    await seedApprovedProject(stack, s, reviewer.id, { title: titles[1], amountAskedFen: 2_000_000 });
    const screenedOut = `助残驿站${SUFFIX}`;
    await seedApprovedProject(stack, s, reviewer.id, { title: screenedOut, amountAskedFen: 1_000_000 });
    const CONTEST = `第一届公益创投大赛${SUFFIX}`;

    const o = await Journey.start(browser, 'organiser', baseUrl);
    await o.signIn(organiser.login, organiser.password);
    await o.page.getByRole('menuitem', { name: '公益创投' }).click();
    await o.page.getByTestId('open-contest-form').click();
    await o.page.getByLabel('大赛名称').fill(CONTEST);
    await o.pickTree('所属区域', '嘉兴市');
    await o.pick('可参赛的项目计划', PROGRAMME);
    await o.closeDropdowns();
    await o.shot('contest-form');
    await o.page.getByTestId('create-contest').click();
    await o.page.getByTestId('phase').filter({ hasText: '筹备中' }).waitFor();
    const contest = await stack.db('contests').where({ name: CONTEST }).first();
    expect(contest).toMatchObject({ phase: 'draft', created_by: organiser.id });

    await o.page.getByTestId('move-openEntries').click();
    await o.page.getByTestId('phase').filter({ hasText: '报名中' }).waitFor();
    for (const title of titles) {
      await o.pick('项目', title);
      await o.page.getByTestId('enter-project').click();
      await o.page.getByRole('cell', { name: title }).waitFor();
    }
    await o.shot('entries');
    expect(await stack.db('contest_entries').where({ contest_id: contest.id }).count({ n: '*' }).first()).toEqual({ n: '2' });
    await o.pick('项目', screenedOut);
    await o.page.getByTestId('enter-project').click();
    await o.page.getByRole('cell', { name: screenedOut }).waitFor();

    await o.openTab('评委');
    await o.pick('选择评委', '张专家');
    await o.closeDropdowns();
    await o.page.getByTestId('add-judges').click();
    await o.page.getByRole('cell', { name: '张专家' }).waitFor();
    await o.shot('judges');
    await o.page.getByTestId('move-closeEntries').click();
    await o.page.getByTestId('phase').filter({ hasText: '资格审查' }).waitFor();
    // Screening: the third entry is screened out with the reason.
    await o.openTab('参赛项目');
    await o.page.getByRole('row', { name: new RegExp(screenedOut) }).getByTestId('open-screen').click();
    await o.page.getByLabel('不通过的理由').fill('服务对象不符合赛道要求');
    await o.page.getByTestId('screen-out').click();
    await o.page.getByRole('row', { name: new RegExp(screenedOut) }).getByTestId('entry-status').filter({ hasText: '未通过初筛' }).waitFor();
    await o.shot('screening');
    const screenedProject = await stack.db('projects').where({ title: screenedOut }).first();
    expect(await stack.db('contest_entries').where({ contest_id: contest.id, project_id: screenedProject.id }).first()).toMatchObject({ status: 'screened_out', reason: '服务对象不符合赛道要求' });
    await o.page.getByTestId('move-startJudging').click();
    await o.page.getByTestId('phase').filter({ hasText: '评审中' }).waitFor();
    await o.shot('judging');

    const judge = await Journey.start(browser, 'judge', baseUrl, 375);
    await judge.signIn(reviewer.login, reviewer.password);
    await judge.page.getByRole('link', { name: '大赛评分' }).first().click();
    await judge.page.getByTestId('sheet').nth(1).waitFor();
    const sheets = [
      { need: '9', design: '8' },
      { need: '7', design: '6' },
    ];
    for (let i = 0; i < 2; i++) {
      const sheet = judge.page.getByTestId('sheet').nth(i);
      await sheet.getByTestId('contest-score-need').fill(sheets[i].need);
      await sheet.getByTestId('contest-score-design').fill(sheets[i].design);
      if (i === 0) await judge.shot('score-sheet');
      await sheet.getByTestId('submit-sheet').click();
      await sheet.getByText('您的评分').waitFor();
    }
    await judge.shot('scored');
    expect(await stack.db('contest_scores').where({ contest_id: contest.id, judge_id: reviewer.id }).count({ n: '*' }).first()).toEqual({ n: '2' });
    await judge.signOut();

    await o.page.reload();
    await o.page.getByTestId('move-closeRound').click();
    await o.page.getByTestId('phase').filter({ hasText: '结果待发布' }).waitFor();
    await o.openTab('排名');
    await o.page.getByTestId('ranking').getByRole('cell', { name: titles[0] }).waitFor();
    await o.shot('ranking');
    await o.page.getByTestId('move-publishRanking').click();
    await o.page.getByTestId('phase').filter({ hasText: '认购中' }).waitFor();
    expect((await stack.db('contests').where({ id: contest.id }).first()).published_at).not.toBeNull();
    // The results CSV downloads from the ranking tab, the Chinese intact.
    const [download] = await Promise.all([o.page.waitForEvent('download'), o.page.getByTestId('download-ranking').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    expect(csv).toContain(titles[0]);
    // The organiser watches the funding race on the entries tab: it refreshes by itself while the phase is funding.
    await o.openTab('参赛项目');

    const f = await Journey.start(browser, 'funder', baseUrl, 375);
    await f.signIn(funder.login, funder.password);
    await f.goto(`/contests/${contest.id}`);
    await f.page.getByTestId('pledge').waitFor();
    await f.page.getByLabel('认捐价值（元）').fill('40000');
    await f.page.getByTestId('pledge').click();
    await f.page.getByTestId('pledge-remaining').filter({ hasText: '40,000.00' }).waitFor();
    await f.pick('认购项目', titles[0]);
    await f.pick('使用认捐', '现金');
    await f.page.getByLabel('认购金额（元）').fill('30000');
    await f.shot('subscribe');
    // The subscription's own answer first: a failure then names the request (or its absence), not only the figure.
    const answered = f.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/contests/${contest.id}/subscriptions`);
    await f.page.getByTestId('subscribe').click();
    expect((await answered).status()).toBe(201);
    await f.page.getByTestId('pledge-remaining').filter({ hasText: '10,000.00' }).waitFor();
    await f.shot('funded');
    const subs = await stack.db('contest_subscriptions').where({ contest_id: contest.id });
    expect(subs.map((x) => Number(x.amount_fen))).toEqual([3_000_000]);
    await f.signOut();
    // No reload: the organiser's page picks the subscription up within a refresh (asked for 30,000, subscribed 30,000).
    await o.page.getByRole('row', { name: new RegExp(titles[0]) }).getByRole('cell', { name: '30,000.00 元' }).nth(1).waitFor({ timeout: 30_000 });
    await o.shot('funding-live');

    await o.page.reload();
    await o.page.getByTestId('move-award').click();
    await o.page.getByTestId('phase').filter({ hasText: '已授予' }).waitFor();
    await o.shot('awarded');
    expect((await stack.db('contests').where({ id: contest.id }).first()).phase).toBe('awarded');
    await o.signOut();
  });

  journeyTest('an admin creates an account and a region, edits an organisation, and reads the audit log', async () => {
    const j = await Journey.start(browser, 'admin', baseUrl);
    await j.signIn(admin.login, admin.password);
    await j.page.getByRole('menuitem', { name: '系统管理' }).click();
    await j.page.getByTestId('new-user').click();
    const login = `volunteer${SUFFIX}`;
    await j.page.getByLabel('用户名', { exact: true }).fill(login);
    await j.page.getByLabel('姓名').fill('郑评审');
    await j.page.getByLabel('初始密码').fill('a-long-enough-password-1');
    await j.pick('角色', '评审专家');
    await j.closeDropdowns();
    await j.shot('user-form');
    await j.page.getByTestId('save-user').click();
    await j.page.getByRole('cell', { name: '郑评审' }).waitFor();
    await j.shot('users');
    expect(await stack.db('users').where({ login }).first()).toMatchObject({ display_name: '郑评审', roles: ['reviewer'] });

    await j.openTab('机构');
    await j.page.getByRole('row', { name: /紫阳社工服务中心/ }).getByRole('button', { name: '编辑' }).click();
    await j.page.getByLabel('联系方式').fill('0573-1234567');
    await j.page.getByTestId('save-organisation').click();
    await j.page.getByTestId('save-organisation').waitFor({ state: 'detached' });
    await j.shot('organisations');
    expect((await stack.db('organisations').where({ id: applicantOrg }).first()).contact).toBe('0573-1234567');

    await j.openTab('区域');
    await j.page.getByTestId('new-region').click();
    await j.page.getByLabel('区域名称').fill(`新丰社区${SUFFIX}`);
    await j.pickTree('上级区域', '建设街道');
    await j.page.getByTestId('save-region').click();
    await j.page.getByTestId('save-region').waitFor({ state: 'detached' });
    await j.shot('regions');
    expect(await stack.db('regions').where({ name: `新丰社区${SUFFIX}` }).first()).toMatchObject({ level: 'community', parent_id: regionIds[2] });

    await j.openTab('审计日志');
    await j.page.getByTestId('audit').getByRole('cell', { name: '吴管理' }).first().waitFor();
    await j.shot('audit');
    await j.signOut();
  });
  // About two minutes on the 2-core machine (four while a tab at the screen's edge took two clicks); it runs with the rest.
  journeyTest('every page the menu offers, and the project and contest pages with each tab, as each role on a 375 px phone: nothing untranslated, no error, nothing wider than the screen', async () => {
    const contest = await stack.db('contests').orderBy('created_at', 'desc').first();
    const found: string[] = [];
    const roles: [TestUser, string, string[]][] = [
      [officer, 'officer', ['/', '/projects', `/projects/${projectId}`, '/programmes', '/demand', '/contests', `/contests/${contest.id}`, '/dashboard']],
      [applicant, 'applicant', ['/', '/projects', '/projects/new', `/projects/${projectId}`, '/contests', `/contests/${contest.id}`]],
      [reviewer, 'reviewer', ['/', '/projects', `/projects/${projectId}`, '/contests', `/contests/${contest.id}`, `/contests/${contest.id}/judge`]],
      [supervisor, 'supervisor', ['/', '/projects', `/projects/${projectId}`, '/contests']],
      [evaluator, 'evaluator', ['/', '/projects', `/projects/${projectId}`, '/contests']],
      [organiser, 'organiser', ['/', '/projects', '/contests', `/contests/${contest.id}`, '/dashboard']],
      [funder, 'funder', ['/', '/projects', '/contests', `/contests/${contest.id}`]],
      [admin, 'admin', ['/', '/projects', `/projects/${projectId}`, '/programmes', '/demand', '/contests', `/contests/${contest.id}`, '/dashboard', '/admin']],
    ];
    for (const [user, role, pages] of roles) {
      const j = await Journey.start(browser, `phone-${role}`, baseUrl, 375);
      await j.signIn(user.login, user.password);
      const look = async (name: string) => {
        await j.page.locator('.ant-skeleton-active').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
        try {
          await j.shot(name);
        } catch (err) {
          found.push(`${role} ${name}: ${(err as Error).message}`);
          j.problems.length = 0;
        }
        const width = await j.page.evaluate<number>('document.documentElement.scrollWidth');
        if (width > 376) found.push(`${role} ${name}: ${width} px wide`);
      };
      for (const page of pages) {
        await j.goto(page);
        await j.page.getByTestId('me').waitFor();
        const name = page === '/' ? 'tasks' : page.slice(1).replace(/[0-9a-f-]{36}/g, 'id').replace(/\//g, '-');
        await look(name);
        const tabs = await j.page.locator('.ant-tabs').first().getByRole('tab').allInnerTexts();
        for (const tab of tabs.slice(1)) {
          try {
            const clicks = await j.openTab(tab);
            if (clicks > 1) found.push(`${role} ${name}: tab ${tab} opened only after ${clicks} clicks`);
          } catch {
            found.push(`${role} ${name}: tab ${tab} cannot be opened`);
            continue;
          }
          await look(`${name}-${tab}`);
        }
      }
      await j.signOut();
    }
    expect(found).toEqual([]);
  });

  journeyTest("on a phone's touch screen each tab of the project page opens with one tap, also the ones peeking in at the edge", async () => {
    // Without web/src/lib/tab-taps.ts, most of its tabs needed a second tap: the first only slid the tab list.
    const j = await Journey.start(browser, 'phone-touch-tabs', baseUrl, 375, true);
    await j.signIn(officer.login, officer.password);
    await j.goto(`/projects/${projectId}`);
    await j.page.getByRole('tab', { name: '时间线', exact: true }).waitFor();
    await j.shot('project');
    const tabs = await j.page.locator('.ant-tabs').first().getByRole('tab').allInnerTexts();
    expect(tabs.length).toBeGreaterThan(6);
    const missed: string[] = [];
    for (const name of tabs.slice(1)) {
      await j.page.waitForLoadState('networkidle');
      if ((await j.openTab(name, 'tap')) > 1) missed.push(name);
    }
    expect(missed).toEqual([]);
    await j.shot('last-tab');
    await j.signOut();
  });
});
