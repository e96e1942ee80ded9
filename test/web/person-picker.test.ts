import type { Browser } from 'playwright-core';
import { createUser, type Stack, type TestUser } from '../helpers/stack';
import { chineseProposal, seedProgramme, seedProject, testRules } from '../helpers/projects';
import { createCast, driveTo, type Cast } from '../helpers/lifecycle';
import { Journey, journeyTest, startBrowserStack, type BrowserStack } from './browser';

// The person picker on a role with more people than the directory's first page: the officer finds a supervisor by
// typing their name (the server searches, asked once the typing pauses), assigns them, and the page names them.
// Put in directly: the region tree, the organisation, the programme, the accounts and the project in delivery
// (through the API); the search and the assignment are done in the UI.
jest.setTimeout(600_000);

let web: BrowserStack;
let stack: Stack;
let baseUrl: string;
let browser: Browser;
let cast: Cast;
let wanted: TestUser;
let projectId: string;

const SUFFIX = String(Date.now() % 100000);
const WANTED = '严督导';
/** More supervisors than a page of the directory (50), all added after the wanted one: it is not on the first page. */
const OTHERS = 51;

async function seed(): Promise<void> {
  const s = await seedProgramme(stack, testRules(), { regions: ['嘉兴市', '南湖区', '建设街道', '芦席汇社区'], organisation: '南湖社工服务中心', programme: `嘉兴社区计划${SUFFIX}` });

  cast = await createCast(stack, s);
  for (const [u, name] of [[cast.applicant, '陈社工'], [cast.officer, '林官员'], [cast.reviewer, '何专家'], [cast.evaluator, '罗评估']] as const) {
    await stack.db('users').where({ id: u.id }).update({ display_name: name });
  }
  wanted = await createUser(stack, ['supervisor']);
  await stack.db('users').where({ id: wanted.id }).update({ display_name: WANTED });
  await stack.db('users').insert(
    Array.from({ length: OTHERS }, (_, i) => ({ login: `supervisor-${SUFFIX}-${i}`, display_name: `督导${i + 1}号`, password_hash: 'not-for-signing-in', roles: ['supervisor'] })),
  );

  projectId = await seedProject(stack, s, { title: `银龄陪伴${SUFFIX}`, amountAskedFen: 5_000_000, proposal: chineseProposal(5_000_000) });
  await driveTo(stack, cast, s.rules, projectId, 'delivery');
}

beforeAll(async () => {
  web = await startBrowserStack();
  ({ stack, baseUrl, browser } = web);
  await seed();
});
afterAll(() => web?.close());

journeyTest('when the supervisor is not on the first page of the directory, the officer finds them by typing the name (asked once the typing pauses), assigns them, and the page names them, also after a reload', async () => {
  const j = await Journey.start(browser, 'person-picker', baseUrl);
  const asked = j.recordQueries('/api/v1/people', 'q');
  await j.signIn(cast.officer.login, cast.officer.password);
  await j.goto(`/projects/${projectId}?tab=supervision`);
  await j.page.getByTestId('supervisor-name').filter({ hasText: '尚未指派督导' }).waitFor();

  await j.searchAndPick('督导专家', WANTED, { pathname: '/api/v1/people', param: 'q' });
  // Typed a key at a time, the name is asked for once the typing pauses, not once a key.
  expect(asked[asked.length - 1]).toBe(WANTED);
  expect(asked.length).toBeLessThan([...WANTED].length);
  await j.closeDropdowns();
  await j.shot('supervisor-found');

  await j.page.getByTestId('assign-supervisor').click();
  await j.page.getByTestId('supervisor-name').filter({ hasText: WANTED }).waitFor();
  await j.shot('supervisor-named');
  expect((await stack.db('projects').where({ id: projectId }).first()).supervisor_id).toBe(wanted.id);

  // Read afresh, the name is asked for by id: the first page of supervisors does not hold it.
  await j.page.reload();
  await j.page.getByTestId('supervisor-name').filter({ hasText: WANTED }).waitFor();
  expect(await j.page.getByTestId('supervisor-name').innerText()).toBe(WANTED);
  await j.signOut();
});
