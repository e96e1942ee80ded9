import crypto from 'node:crypto';
import type { Browser } from 'playwright-core';
import { createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';
import { seedProgramme } from '../helpers/projects';
import { Journey, journeyTest, startBrowserStack, type BrowserStack } from './browser';

// A city's lists are longer than one page of the API (100): a thousand communities, 279 organisations in Linping, an
// officer's inbox after a busy month. The console reads such a list whole where a page picks from it or sorts it:
// the last community and organisation added can be chosen (the pickers once showed the first page only), and every
// open task is in the inbox. Put in directly: the regions, organisations and tasks; the choosing is done in the UI.
jest.setTimeout(600_000);

let web: BrowserStack;
let stack: Stack;
let baseUrl: string;
let browser: Browser;
let admin: TestUser;

const SUFFIX = String(Date.now() % 100000);
const COMMUNITIES = 150;
const ORGANISATIONS = 130;
const TASKS = 120;
const LAST_COMMUNITY = `望海社区${COMMUNITIES}号`;
const LAST_ORGANISATION = `海港社工服务中心${ORGANISATIONS}号`;

beforeAll(async () => {
  web = await startBrowserStack();
  ({ stack, baseUrl, browser } = web);
  const s = await seedProgramme(stack, undefined, { regions: ['威海市', '环翠区', '鲸园街道', '海港社区'] });
  const street = await stack.db('regions').where({ name: '鲸园街道' }).first();
  // Each added after the last: the newest come first in the API's pages, so the first one added is on the last page.
  for (let i = 1; i <= COMMUNITIES; i++) {
    const id = crypto.randomUUID();
    await stack.db('regions').insert({ id, parent_id: street.id, level: 'community', name: `望海社区${COMMUNITIES + 1 - i}号`, path: `${street.path}${id}/` });
  }
  for (let i = 1; i <= ORGANISATIONS; i++) {
    await stack.db('organisations').insert({ name: `海港社工服务中心${ORGANISATIONS + 1 - i}号`, kind: 'social_work_organisation', grade: '3A', credit_code: creditCode(70_000 + i), region_id: s.communityId });
  }
  // Logins without Latin words: the users table behind the form is checked for untranslated text.
  admin = await createUser(stack, ['admin', 'officer'], { login: `w${SUFFIX}` });
  await stack.db('users').where({ id: admin.id }).update({ display_name: '吴管理' });
  await stack.db('tasks').insert(
    Array.from({ length: TASKS }, (_, i) => ({ key: `long-list-${SUFFIX}-${i}`, user_id: admin.id, kind: 'dispatch_order', title: `派单 ${i + 1}`, due_at: new Date(Date.now() + (i + 1) * 3_600_000) })),
  );
});
afterAll(() => web?.close());

journeyTest('with more communities, organisations and open tasks than a page of the API, the admin finds the last community by typing its name, picks the last organisation, and the inbox lists every open task', async () => {
  const j = await Journey.start(browser, 'admin', baseUrl);
  await j.signIn(admin.login, admin.password);
  await j.page.getByTestId('task').nth(TASKS - 1).waitFor();
  expect(await j.page.getByTestId('task').count()).toBe(TASKS);

  await j.page.getByRole('menuitem', { name: '系统管理' }).click();
  await j.page.getByTestId('new-user').click();
  const login = `y${SUFFIX}`;
  await j.page.getByLabel('用户名', { exact: true }).fill(login);
  await j.page.getByLabel('姓名').fill('于社工');
  await j.page.getByLabel('初始密码').fill('a-long-enough-password-1');
  await j.pick('角色', '申报机构');
  await j.closeDropdowns();
  await j.typeAndPick('所属机构', LAST_ORGANISATION, LAST_ORGANISATION);
  await j.closeDropdowns();
  // A tree this size opens down to the streets; the community is found by its name.
  const region = j.page.getByLabel('所属区域', { exact: true });
  await region.click();
  await region.fill(LAST_COMMUNITY);
  await j.page.locator('.ant-select-tree-node-content-wrapper:visible').filter({ hasText: LAST_COMMUNITY }).first().click();
  await j.shot('user-form');
  await j.page.getByTestId('save-user').click();
  await j.page.getByRole('cell', { name: '于社工' }).waitFor();

  const user = await stack.db('users').where({ login }).first();
  expect(user.organisation_id).toBe((await stack.db('organisations').where({ name: LAST_ORGANISATION }).first()).id);
  expect(user.region_id).toBe((await stack.db('regions').where({ name: LAST_COMMUNITY }).first()).id);
  await j.signOut();
});
