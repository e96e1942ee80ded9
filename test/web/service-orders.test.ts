import type { Browser } from 'playwright-core';
import { createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedOrderWorld, type OrderWorld } from '../service-orders/fixtures';
import { Journey, journeyTest, startBrowserStack, type BrowserStack } from './browser';

// The residents' service-order loop through the console only (点单-派单-接单-评单, then the time bank), in Debian's
// Chromium against the real stack. Put in directly: the region tree, a project in delivery, the workers' accounts and
// two registered volunteers (one with the account that serves). Through the console: the project's applicant publishes
// the service menu item, the resident registers their own account and signs in with it. Residents and the volunteer
// are on a 375 px phone. A third order goes to the project's team, whose applicant accepts it.
jest.setTimeout(600_000);

let stack: Stack;
let web: BrowserStack;
let baseUrl: string;
let browser: Browser;
let w: OrderWorld;
let resident: { id: string; login: string; password: string };
let dispatcher: TestUser;
let volunteerUser: TestUser;
let volunteerId: string;

async function seed(): Promise<void> {
  w = await seedOrderWorld(stack, { volunteers: 0, terms: { acceptWithin: 'PT2H', maxFailedDispatches: 3, ratingWindow: 'P3D', pointsPerHour: 10 } });
  // Every name a person reads is Chinese (the journey fails on Latin words on screen).
  const community = await stack.db('regions').where({ id: w.s.communityId }).first('path');
  const ids = (community.path as string).split('/').filter(Boolean);
  const names = ['嘉兴市', '南湖区', '建设街道', '紫阳社区'];
  for (let i = 0; i < ids.length; i++) await stack.db('regions').where({ id: ids[i] }).update({ name: names[i] });
  await stack.db('organisations').where({ id: w.s.organisationId }).update({ name: '紫阳社工服务中心' });
  // The applicant publishes the menu through the console.
  await stack.db('service_menu_items').where({ id: w.menuItemId }).del();
  await stack.db('projects').where({ id: w.projectId }).update({ title: '紫阳社区独居老人关爱项目', summary: '为独居老人提供上门探访' });
  dispatcher = await createUser(stack, ['dispatcher'], { regionId: w.s.communityId });
  // The volunteer signs in with a resident's account of the same community, registered as a volunteer.
  volunteerUser = await createUser(stack, ['resident'], { regionId: w.s.communityId });
  for (const [u, name] of [[dispatcher, '刘调度'], [volunteerUser, '陈志愿']] as const) await stack.db('users').where({ id: u.id }).update({ display_name: name });
  const [v] = await stack.db('volunteers')
    .insert({ name: '陈志愿', phone: '13900001234', id_number_masked: '3304**********0011', skills: ['陪伴聊天'], community_ids: [w.s.communityId], organisation_id: w.s.organisationId, user_id: volunteerUser.id, region_path: w.s.communityPath })
    .returning('id');
  volunteerId = v.id;
  await stack.db('users').where({ id: w.applicant.id }).update({ display_name: '李社工' });
  await stack.db('resources').insert({ region_id: w.s.communityId, survey_id: null, unit: '紫阳社区居委会', kind: 'services', offer: '理发券', contact: null });
  await stack.db('volunteers').insert({ name: '林志愿', phone: '13900005678', id_number_masked: '3304**********0022', skills: ['理发'], community_ids: [w.s.communityId], organisation_id: w.s.organisationId, user_id: null, region_path: w.s.communityPath });
}

beforeAll(async () => {
  web = await startBrowserStack();
  ({ stack, baseUrl, browser } = web);
  await seed();
});
afterAll(() => web?.close());

describe('the service-order loop in a real browser', () => {
  let orderId: string;

  journeyTest("the project's applicant publishes a service on the project page's 服务清单 tab", async () => {
    const j = await Journey.start(browser, 'orders-menu', baseUrl);
    await j.signIn(w.applicant.login, w.applicant.password);
    await j.goto(`/projects/${w.projectId}`);
    await j.openTab('服务清单');
    await j.page.getByTestId('menu-form').waitFor();
    await j.page.getByLabel('服务名称').fill('独居老人上门探访');
    await j.page.getByLabel('服务类别').fill('居家陪伴');
    await j.pick('服务对象', '老年人');
    await j.closeDropdowns();
    await j.pick('服务社区', '紫阳社区');
    await j.closeDropdowns();
    await j.page.getByLabel('每周可服务次数').fill('50');
    await j.page.getByLabel('所需技能').fill('陪伴聊天');
    await j.page.keyboard.press('Enter');
    await j.closeDropdowns();
    await j.shot('menu-form');
    await j.page.getByTestId('add-menu-item').click();
    await j.page.getByTestId('service-menu').getByRole('row').filter({ hasText: '独居老人上门探访' }).waitFor();
    await j.shot('menu-published');
    const items = await stack.db('service_menu_items').where({ project_id: w.projectId });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ name: '独居老人上门探访', category: '居家陪伴', target_groups: ['elderly'], community_ids: [w.s.communityId], capacity_per_week: 50, skills: ['陪伴聊天'] });
    await j.signOut();
  });

  journeyTest("a resident on a phone registers from the community's sign-in link (a bad mobile number and a short password refused next to their fields), then signs in", async () => {
    const j = await Journey.start(browser, 'orders-register', baseUrl, 375);
    await j.goto(`/signin?community=${w.s.communityId}`);
    await j.page.getByRole('link', { name: '居民注册' }).click();
    await j.page.getByTestId('register-form').waitFor();
    await j.page.getByLabel('手机号码').fill('12345678901');
    await j.page.getByLabel('姓名').fill('王阿姨');
    await j.page.getByLabel('密码', { exact: true }).fill('short');
    await j.page.getByLabel('确认密码').fill('short');
    j.expect(400, /^\/api\/v1\/residents\/register$/);
    await j.page.getByTestId('register').click();
    const under = (id: string, text: string) => j.page.locator('.ant-form-item').filter({ has: j.page.locator(`#${id}`) }).locator('.ant-form-item-explain-error', { hasText: text });
    await under('mobile', '格式不正确').waitFor();
    await under('password', '内容太短').waitFor();
    await j.shot('register-refused');
    expect(await stack.db('users').where({ display_name: '王阿姨' }).count({ n: '*' }).first()).toEqual({ n: '0' });

    const password = '王阿姨的密码2026';
    await j.page.getByLabel('手机号码').fill('13812340001');
    await j.page.getByLabel('密码', { exact: true }).fill(password);
    await j.page.getByLabel('确认密码').fill(password);
    await j.page.getByTestId('register').click();
    // Back on the sign-in page with the number filled in.
    await j.page.getByRole('button', { name: /^登\s*录$/ }).waitFor();
    expect(await j.page.getByLabel('用户名').inputValue()).toBe('13812340001');
    const row = await stack.db('users').where({ login: '13812340001' }).first('id', 'roles', 'region_id', 'display_name');
    expect(row).toMatchObject({ roles: ['resident'], region_id: w.s.communityId, display_name: '王阿姨' });
    resident = { id: row.id, login: '13812340001', password };
    await j.page.getByLabel('密码').fill(password);
    await j.shot('registered');
    await j.page.getByRole('button', { name: /^登\s*录$/ }).click();
    await j.page.getByTestId('me').filter({ hasText: '王阿姨' }).waitFor();
    await j.shot('signed-in');
    await j.signOut();
  });

  journeyTest('a resident on a phone orders from the community menu, sees a bad phone number refused next to its field, fixes it, and finds the order waiting for dispatch', async () => {
    const j = await Journey.start(browser, 'orders-resident', baseUrl, 375);
    await j.signIn(resident.login, resident.password);
    await j.goto('/orders');
    await j.page.getByTestId('menu-item').filter({ hasText: '独居老人上门探访' }).waitFor();
    await j.shot('menu');
    await j.page.getByRole('button', { name: '点这项服务' }).click();
    await j.pick('希望服务时段', '下午');
    await j.page.getByLabel('联系电话').fill('12345678901');
    await j.page.getByLabel('服务地址').fill('紫阳小区3号楼2单元501');
    await j.page.getByLabel('需求说明').fill('陪老人聊天，帮忙买菜');
    j.expect(400, /^\/api\/v1\/service-orders$/);
    await j.page.getByTestId('place-order').click();
    // The API's problem names /body/phone: its rule is shown under the phone field.
    await j.page.locator('.ant-form-item').filter({ has: j.page.locator('#phone') }).locator('.ant-form-item-explain-error', { hasText: '格式不正确' }).waitFor();
    await j.shot('phone-refused');
    expect(await stack.db('service_orders').where({ resident_id: resident.id }).count({ n: '*' }).first()).toEqual({ n: '0' });

    await j.page.getByLabel('联系电话').fill('13812345678');
    await j.page.getByTestId('place-order').click();
    await j.page.getByTestId('order').filter({ hasText: '待派单' }).waitFor();
    await j.shot('my-orders');
    const row = await stack.db('service_orders').where({ resident_id: resident.id }).first();
    expect(row).toMatchObject({ status: 'ordered', project_id: w.projectId, category: '居家陪伴', phone: '13812345678', ordered_by: resident.id });
    expect(new Date(row.window_from).getUTCHours()).toBe(6); // 14:00 in Asia/Shanghai
    orderId = row.id;
    await j.signOut();
  });

  journeyTest('the dispatcher finds the task, sees the ranked candidates and dispatches the order to the first one', async () => {
    const j = await Journey.start(browser, 'orders-dispatcher', baseUrl);
    await j.signIn(dispatcher.login, dispatcher.password);
    await j.page.getByRole('link', { name: '派单' }).first().waitFor();
    await j.shot('tasks');
    await j.page.getByRole('menuitem', { name: '派单' }).click();
    const card = j.page.getByTestId('dispatch-order').filter({ hasText: '居家陪伴' });
    await card.getByText('第 1 名').waitFor();
    await card.getByText(/^陈(志愿|\*\*)$/).waitFor();
    await j.shot('dispatch-queue');
    await card.getByTestId('take-candidate').click();
    await card.waitFor({ state: 'detached' });
    await j.shot('dispatched');
    expect(await stack.db('service_orders').where({ id: orderId }).first('status', 'assignee_volunteer_id')).toEqual({ status: 'dispatched', assignee_volunteer_id: volunteerId });
    await j.signOut();
  });

  journeyTest('the volunteer on a phone accepts the order, checks in two hours back and checks out with the people served', async () => {
    const j = await Journey.start(browser, 'orders-volunteer', baseUrl, 375);
    await j.signIn(volunteerUser.login, volunteerUser.password);
    await j.page.getByRole('link', { name: '接单' }).first().waitFor();
    await j.shot('tasks');
    await j.goto('/assignments');
    const item = j.page.getByTestId('assignment').filter({ hasText: '居家陪伴' });
    await item.getByTestId('order-status').filter({ hasText: '待接单' }).waitFor();
    await j.shot('assigned');
    await item.getByTestId('accept').click();
    await item.getByTestId('order-status').filter({ hasText: '已接单' }).waitFor();
    // The accepted assignee sees the contact whole while the order is open.
    await item.getByText('13812345678').waitFor();
    await j.pick('开始服务时间', '2 小时前');
    await j.shot('accepted');
    await item.getByTestId('check-in').click();
    await item.getByTestId('order-status').filter({ hasText: '服务中' }).waitFor();
    await j.page.getByLabel('服务人数').fill('2');
    await j.shot('in-service');
    await j.page.getByTestId('check-out').click();
    await j.page.getByTestId('assignments-done').getByText('待评价').waitFor();
    await j.shot('served');
    const row = await stack.db('service_orders').where({ id: orderId }).first('status', 'accepted_by', 'people_served', 'hours');
    expect(row).toMatchObject({ status: 'served', accepted_by: volunteerUser.id, people_served: 2 });
    expect(Number(row.hours)).toBeCloseTo(2, 1);
    await j.signOut();
  });

  journeyTest('the resident on a phone rates the service five stars with a comment, and the history shows every step', async () => {
    const j = await Journey.start(browser, 'orders-resident-rates', baseUrl, 375);
    await j.signIn(resident.login, resident.password);
    await j.page.getByRole('link', { name: '评价服务' }).first().waitFor();
    await j.shot('tasks');
    await j.page.getByRole('link', { name: '评价服务' }).first().click();
    await j.page.getByTestId('my-orders').waitFor();
    await j.shot('my-orders');
    await j.page.getByTestId('order').filter({ hasText: '待评价' }).getByRole('link', { name: '查看' }).click();
    await j.page.getByTestId('rating-form').waitFor();
    await j.page.locator('[data-testid="rating-form"] .ant-rate-star').nth(4).click();
    await j.page.getByLabel('评价内容').fill('志愿者很耐心，谢谢');
    await j.shot('rating');
    await j.page.getByTestId('rate').click();
    await j.page.getByTestId('order-status').filter({ hasText: '已评价' }).waitFor();
    const history = j.page.getByTestId('order-history');
    for (const step of ['下单', '第 1 次派单：志愿者', '已接单', '签到，开始服务', '签退：服务 2 人', '评价 5 星：志愿者很耐心，谢谢']) await history.getByText(step).first().waitFor();
    await j.shot('rated');
    expect(await stack.db('service_orders').where({ id: orderId }).first('status', 'rating', 'rating_comment')).toEqual({ status: 'rated', rating: 5, rating_comment: '志愿者很耐心，谢谢' });
    await j.signOut();
  });

  journeyTest('the volunteer on a phone sees the hours and points in the time bank', async () => {
    const j = await Journey.start(browser, 'orders-time-bank', baseUrl, 375);
    await j.signIn(volunteerUser.login, volunteerUser.password);
    await j.goto('/time-bank');
    await j.page.getByTestId('ledger').getByText('服务订单').waitFor();
    await j.page.getByTestId('balance').getByText('20', { exact: true }).waitFor();
    await j.page.getByTestId('hours').getByText('2', { exact: true }).waitFor();
    await j.shot('time-bank');
    const entries = await stack.db('time_bank_entries').where({ volunteer_id: volunteerId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ cause: 'service_order', order_id: orderId, points: 20 });
    await j.signOut();
  });

  journeyTest('the dispatcher reads the community service dashboard: one order, rated', async () => {
    const j = await Journey.start(browser, 'orders-dashboard', baseUrl);
    await j.signIn(dispatcher.login, dispatcher.password);
    await j.page.getByRole('menuitem', { name: '服务看板' }).click();
    await j.page.getByTestId('chart-order-status').waitFor();
    await j.page.getByTestId('orders-total').getByText('1', { exact: true }).waitFor();
    expect(j.page.url()).toContain(`/regions/${w.s.communityId}/service-dashboard`);
    await j.shot('service-dashboard');
    await j.signOut();
  });

  journeyTest("the organisation's applicant registers a volunteer (a bad ID number refused next to its field), then redeems points from a volunteer's time bank (more than the balance refused next to the points)", async () => {
    const j = await Journey.start(browser, 'orders-volunteers', baseUrl);
    await j.signIn(w.applicant.login, w.applicant.password);
    await j.page.getByRole('menuitem', { name: '志愿者' }).click();
    await j.page.getByRole('row').filter({ hasText: '陈志愿' }).waitFor();
    await j.shot('volunteers');

    await j.openTab('登记志愿者');
    await j.page.getByLabel('姓名').fill('赵志愿');
    await j.page.getByLabel('手机号码').fill('13900009999');
    await j.page.getByLabel('身份证号').fill('12345');
    await j.page.getByLabel('技能', { exact: true }).fill('理发');
    await j.page.keyboard.press('Enter');
    await j.closeDropdowns();
    await j.pickTree('服务社区', '紫阳社区');
    await j.closeDropdowns();
    await j.page.getByRole('button', { name: '添加时段' }).click();
    j.expect(400, /^\/api\/v1\/volunteers$/);
    await j.page.getByTestId('register-volunteer').click();
    await j.page.locator('.ant-form-item').filter({ has: j.page.locator('#idNumber') }).locator('.ant-form-item-explain-error', { hasText: '格式不正确' }).waitFor();
    // Only the pattern is named: the nullable field's other branch ("not null") says nothing to the person.
    expect(await j.page.locator('.ant-form-item-explain-error', { hasText: '类型不正确' }).count()).toBe(0);
    await j.shot('volunteer-refused');
    await j.page.getByLabel('身份证号').fill('330402199001010011');
    await j.page.getByTestId('register-volunteer').click();
    await j.page.getByRole('row').filter({ hasText: '赵志愿' }).waitFor();
    await j.shot('volunteer-registered');
    const zhao = await stack.db('volunteers').where({ name: '赵志愿' }).first();
    expect(zhao).toMatchObject({ organisation_id: w.s.organisationId, skills: ['理发'], community_ids: [w.s.communityId] });
    expect(zhao.id_number_masked).not.toContain('19900101');
    expect(zhao.availability).toEqual([{ weekday: 6, from: '09:00', to: '12:00' }]);

    await j.page.getByRole('row').filter({ hasText: '陈志愿' }).getByRole('link', { name: '查看' }).click();
    await j.page.getByTestId('balance').getByText('20', { exact: true }).waitFor();
    await j.openTab('积分兑换');
    await j.pick('兑换项目', '理发券');
    await j.page.getByLabel('兑换积分').fill('30');
    j.expect(422, /\/api\/v1\/volunteers\/[^/]+\/redemptions$/);
    await j.page.getByTestId('redeem').click();
    await j.page.locator('.ant-form-item').filter({ has: j.page.locator('#points') }).locator('.ant-form-item-explain-error', { hasText: '积分余额不足' }).waitFor();
    await j.shot('redeem-refused');
    await j.page.getByLabel('兑换积分').fill('5');
    await j.page.getByTestId('redeem').click();
    await j.page.getByTestId('balance').getByText('15', { exact: true }).waitFor();
    await j.shot('redeemed');
    const redemptions = await stack.db('time_bank_entries').where({ volunteer_id: volunteerId, cause: 'redemption' });
    expect(redemptions.map((r) => r.points)).toEqual([-5]);
    await j.signOut();
  });

  /** The resident, on a phone, orders the menu's service once more (it waits for dispatch); its row. */
  async function residentOrdersAgain(journey: string): Promise<{ id: string }> {
    const r = await Journey.start(browser, journey, baseUrl, 375);
    await r.signIn(resident.login, resident.password);
    await r.goto('/orders');
    await r.page.getByRole('button', { name: '点这项服务' }).click();
    await r.page.getByLabel('联系电话').fill('13812345678');
    await r.page.getByLabel('服务地址').fill('紫阳小区3号楼2单元501');
    await r.page.getByTestId('place-order').click();
    await r.page.getByTestId('order').filter({ hasText: '待派单' }).waitFor();
    await r.signOut();
    return stack.db('service_orders').where({ resident_id: resident.id, status: 'ordered' }).first('id');
  }

  journeyTest('a second order: the volunteer on a phone declines it with a reason, it is back in the queue, and the resident cancels it with a reason; the history shows both', async () => {
    const second = await residentOrdersAgain('orders-second-resident');

    const d = await Journey.start(browser, 'orders-second-dispatcher', baseUrl);
    await d.signIn(dispatcher.login, dispatcher.password);
    await d.goto('/dispatch');
    const card = d.page.getByTestId('dispatch-order').filter({ hasText: '居家陪伴' });
    await card.getByTestId('take-candidate').click();
    await card.waitFor({ state: 'detached' });
    await d.signOut();

    const v = await Journey.start(browser, 'orders-second-volunteer', baseUrl, 375);
    await v.signIn(volunteerUser.login, volunteerUser.password);
    await v.goto('/assignments');
    const item = v.page.getByTestId('assignment').filter({ hasText: '待接单' });
    await item.getByTestId('start-decline').click();
    await v.page.getByLabel('拒单原因').fill('当天要照顾孙子');
    await v.shot('declining');
    await item.getByTestId('decline').click();
    await item.waitFor({ state: 'detached' });
    await v.shot('declined');
    await v.signOut();
    expect(await stack.db('service_orders').where({ id: second.id }).first('status', 'failed_dispatches')).toEqual({ status: 'ordered', failed_dispatches: 1 });

    const c = await Journey.start(browser, 'orders-second-cancel', baseUrl, 375);
    await c.signIn(resident.login, resident.password);
    await c.goto(`/orders/${second.id}`);
    await c.page.getByTestId('order-history').getByText('已拒单，原因：当天要照顾孙子').waitFor();
    await c.page.getByRole('button', { name: '取消订单' }).click();
    await c.page.getByLabel('取消原因').fill('家人已陪同');
    await c.page.getByRole('button', { name: '取消订单' }).click();
    await c.page.getByTestId('order-status').filter({ hasText: '已取消' }).waitFor();
    await c.page.getByTestId('order-history').getByText('订单关闭（已取消）').waitFor();
    await c.shot('cancelled');
    expect(await stack.db('service_orders').where({ id: second.id }).first('status')).toEqual({ status: 'cancelled' });
    await c.signOut();
  });

  journeyTest("a third order: the dispatcher sends it to the project's team with 派给项目团队, and the team's applicant on a phone accepts it on 接单; the history names the team", async () => {
    const third = await residentOrdersAgain('orders-team-resident');

    const d = await Journey.start(browser, 'orders-team-dispatcher', baseUrl);
    await d.signIn(dispatcher.login, dispatcher.password);
    await d.goto('/dispatch');
    const card = d.page.getByTestId('dispatch-order').filter({ hasText: '居家陪伴' });
    // The team of the project whose menu the order came from, beside the ranked volunteers.
    await card.getByText('第 1 名').waitFor();
    await card.getByTestId('team-candidates').getByText('紫阳社工服务中心').waitFor();
    await d.shot('dispatch-team');
    await card.getByTestId('take-team').click();
    await card.waitFor({ state: 'detached' });
    await d.shot('dispatched-team');
    await d.signOut();
    expect(await stack.db('service_orders').where({ id: third.id }).first('status', 'assignee_kind', 'assignee_organisation_id', 'assignee_volunteer_id')).toEqual({
      status: 'dispatched', assignee_kind: 'team', assignee_organisation_id: w.s.organisationId, assignee_volunteer_id: null,
    });

    const a = await Journey.start(browser, 'orders-team-applicant', baseUrl, 375);
    await a.signIn(w.applicant.login, w.applicant.password);
    await a.goto('/assignments');
    const item = a.page.getByTestId('assignment').filter({ hasText: '待接单' });
    await item.getByTestId('accept').waitFor();
    await a.shot('team-assigned');
    await item.getByTestId('accept').click();
    const accepted = a.page.getByTestId('assignment').filter({ has: a.page.getByTestId('order-status').filter({ hasText: '已接单' }) });
    await accepted.getByTestId('check-in').waitFor();
    await a.shot('team-accepted');
    expect(await stack.db('service_orders').where({ id: third.id }).first('status', 'accepted_by')).toEqual({ status: 'accepted', accepted_by: w.applicant.id });
    await a.goto(`/orders/${third.id}`);
    const history = a.page.getByTestId('order-history');
    for (const step of ['第 1 次派单：项目团队', '已接单']) await history.getByText(step).first().waitFor();
    await a.shot('team-history');
    await a.signOut();
  });
});
