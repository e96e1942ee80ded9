import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page, type Response } from 'playwright-core';
import { ensureConsoleBuilt } from '../../bin/console-build';
import { startStack, type Stack } from '../helpers/stack';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(__dirname, 'artifacts');

/**
 * Debian's Chromium (Playwright's own browser download cannot work here). Missing, and running as root, it is
 * installed with apt-get together with the CJK fonts (progress shown); otherwise the error says what to install.
 */
export function ensureChromium(): string {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(`the browser journeys need Chromium at ${CHROMIUM}: install the Debian packages chromium and fonts-noto-cjk (apt-get install chromium fonts-noto-cjk)`);
  }
  process.stderr.write('[test web] installing chromium and fonts-noto-cjk with apt-get\n');
  for (const args of [['update'], ['install', '-y', 'chromium', 'fonts-noto-cjk']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status}); install chromium and fonts-noto-cjk by hand`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

// Without these, Chromium's own background connections are refused here, many at a time.
export const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-dev-shm-usage'];

export function launchChromium(): Promise<Browser> {
  const executablePath = ensureChromium();
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])] });
}

/** What a browser test file runs against: the stack, the console served on a free port, and Chromium. */
export interface BrowserStack {
  stack: Stack;
  baseUrl: string;
  browser: Browser;
  /** Closes the browser, the server and the stack (whatever of them started). */
  close: () => Promise<void>;
}

/**
 * A browser test file's setup: the console built when it is stale, the real stack, the app served on 127.0.0.1 (a free
 * port) and Chromium launched. If a step fails, what had started is closed before the error is thrown.
 */
export async function startBrowserStack(): Promise<BrowserStack> {
  await ensureConsoleBuilt({ log: (l) => process.stderr.write(`[test web] ${l}\n`) });
  let stack: Stack | undefined;
  let server: http.Server | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    if (server) await new Promise((resolve) => server!.close(resolve));
    await stack?.close();
  };
  try {
    stack = await startStack();
    const listening = http.createServer(stack.app);
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    browser = await launchChromium();
    return { stack, baseUrl, browser, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/**
 * jest's `test` for a browser journey: when it fails, the error also says what each of its journeys' pages shows (a
 * field's error, an alert, a refused request), since in CI the screenshots do not survive the clone.
 */
export function journeyTest(name: string, fn: () => Promise<void>, timeout?: number): void {
  test(
    name,
    async () => {
      Journey.forget();
      try {
        await fn();
      } catch (err) {
        throw await Journey.explain(err);
      }
    },
    timeout,
  );
}

// Latin letters a person may read in the console: none, but for grades (4A) which are single letters.
const LATIN_WORD = /[A-Za-z]{2,}/g;

/**
 * One role's walk through the console. It fails on a console error, an uncaught error, a failed request or a
 * response of 400 and above that the step did not say it expects, and on Latin words on screen (an untranslated
 * string). Each page gets a screenshot in test/web/artifacts/<role>/.
 */
export class Journey {
  readonly problems: string[] = [];
  private expected: { status: number; path: RegExp }[] = [];
  private expectedOnConsole: number[] = [];
  private shots = 0;

  private constructor(
    readonly page: Page,
    readonly role: string,
    readonly baseUrl: string,
  ) {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // Chromium reports every 4xx answer on the console too; an expected one is not a problem.
      const status = msg.text().match(/Failed to load resource: the server responded with a status of (\d+)/)?.[1];
      const i = status ? this.expectedOnConsole.indexOf(Number(status)) : -1;
      if (i >= 0) {
        this.expectedOnConsole.splice(i, 1);
        return;
      }
      this.problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.problems.push(`uncaught: ${err.message}`));
    page.on('requestfailed', (req) => {
      const why = req.failure()?.errorText ?? '';
      // Aborted by the page itself (it navigated away, or a query was cancelled): nothing a person sees failed.
      // A server that answers badly shows as a response below; one that does not answer, as another error.
      if (why === 'net::ERR_ABORTED') return;
      this.problems.push(`request failed: ${req.method()} ${req.url()} ${why}`);
    });
    page.on('response', (res: Response) => {
      if (res.status() < 400) return;
      const url = new URL(res.url()).pathname;
      const i = this.expected.findIndex((e) => e.status === res.status() && e.path.test(url));
      if (i >= 0) this.expected.splice(i, 1);
      else this.problems.push(`HTTP ${res.status()} ${res.request().method()} ${url}`);
    });
  }

  /** A journey in a new browser context `width` px wide; with `touch`, a phone's touch screen (tap() sends touches). */
  static async start(browser: Browser, role: string, baseUrl: string, width = 1280, touch = false): Promise<Journey> {
    const screen = touch ? { isMobile: true, hasTouch: true } : {};
    const context = await browser.newContext({ viewport: { width, height: width < 500 ? 800 : 900 }, ...screen, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    fs.rmSync(path.join(ARTIFACTS, role), { recursive: true, force: true });
    fs.mkdirSync(path.join(ARTIFACTS, role), { recursive: true });
    const journey = new Journey(await context.newPage(), role, baseUrl);
    Journey.started.push(journey);
    return journey;
  }

  /** The next response with this status on a path matching `path` is part of the step. */
  expect(status: number, pathPattern: RegExp): void {
    this.expected.push({ status, path: pathPattern });
    this.expectedOnConsole.push(status);
  }

  /** From now on, the value of `param` in each request the page sends to `pathname`, in order (what a search asked for). */
  recordQueries(pathname: string, param: string): string[] {
    const asked: string[] = [];
    this.page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname === pathname && url.searchParams.has(param)) asked.push(url.searchParams.get(param)!);
    });
    return asked;
  }

  /** Fails with everything that went wrong so far. */
  check(): void {
    if (this.problems.length) throw new Error(`${this.role}: ${this.problems.join('\n')}`);
  }

  /** Waits for the page to settle, checks for untranslated strings, and saves a screenshot. */
  async shot(name: string): Promise<string> {
    await this.page.waitForLoadState('networkidle');
    await this.page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
    // A closing Select's dropdown, caught mid-animation, would cover the page in the screenshot.
    await this.page.locator('.ant-select-dropdown:visible').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    // rc-select's accessibility list (role=listbox, 0 px high) names option values (ids, codes) for screen readers
    // while a dropdown is open or closing: no one sees it, so it is left out of the text checked.
    const text = await this.page.evaluate<string>(`(() => {
      const lists = [...document.querySelectorAll('[role="listbox"]')].filter((e) => e.offsetHeight === 0);
      const display = lists.map((e) => e.style.display);
      for (const e of lists) e.style.display = 'none';
      try {
        return document.body.innerText;
      } finally {
        lists.forEach((e, i) => (e.style.display = display[i]));
      }
    })()`);
    const latin = text.match(LATIN_WORD);
    if (latin) this.problems.push(`untranslated on ${name}: ${[...new Set(latin)].join(', ')}`);
    const file = path.join(ARTIFACTS, this.role, `${String(++this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    this.check();
    return file;
  }

  async goto(pathname: string): Promise<void> {
    await this.page.goto(this.baseUrl + pathname);
  }

  async signIn(login: string, password: string): Promise<void> {
    await this.goto('/');
    await this.page.getByLabel('用户名').fill(login);
    await this.page.getByLabel('密码').fill(password);
    await this.shot('sign-in');
    await this.page.getByRole('button', { name: '登 录' }).or(this.page.getByRole('button', { name: '登录' })).click();
    await this.page.getByTestId('me').waitFor();
  }

  async signOut(): Promise<void> {
    await this.page.getByTestId('sign-out').click();
    await this.page.getByLabel('用户名').waitFor();
    this.check();
    await this.page.context().close();
  }

  /** Chooses an option of the antd Select labelled `label` (the nth such field). */
  async pick(label: string, option: string | RegExp, nth = 0): Promise<void> {
    const input = this.page.getByLabel(label, { exact: true }).nth(nth);
    await input.click();
    await this.chooseOption(input, option);
  }

  /** Types `typed` into the Select labelled `label` (its options filter on it) and chooses `option` among those left. */
  async typeAndPick(label: string, typed: string, option: string | RegExp): Promise<void> {
    const input = this.page.getByLabel(label, { exact: true });
    await input.click();
    await input.fill(typed);
    await this.chooseOption(input, option);
  }

  /**
   * Types `text` a key at a time into the searching Select labelled `label`, waits until the page has asked `pathname`
   * for it (query parameter `param`), and chooses the option showing it.
   */
  async searchAndPick(label: string, text: string, search: { pathname: string; param: string }): Promise<void> {
    const input = this.page.getByLabel(label, { exact: true });
    await input.click();
    const searched = this.page.waitForResponse((r) => new URL(r.url()).pathname === search.pathname && new URL(r.url()).searchParams.get(search.param) === text);
    await input.pressSequentially(text);
    await searched;
    await this.chooseOption(input, text);
  }

  /** Clicks the option of an open Select's dropdown. */
  private async chooseOption(input: Locator, option: string | RegExp): Promise<void> {
    // Each Select's dropdown holds the listbox its input names; a closing dropdown of another field stays in the DOM.
    const list = await input.getAttribute('aria-controls');
    const choice = this.page.locator(`.ant-select-dropdown:has([id="${list}"]) .ant-select-item-option`).filter({ hasText: option }).first();
    await this.clickUntilTaken(choice, 'ant-select-item-option-selected');
  }

  /**
   * Clicks `choice` (an option in an open dropdown) until it is taken: it shows as selected (`selectedClass`), or its
   * dropdown has closed. Under load a click once landed while the list re-rendered and selected nothing (the dropdown
   * stayed open over the next button): a person clicks again, so does this, at most three times.
   */
  private async clickUntilTaken(choice: Locator, selectedClass: string): Promise<void> {
    const taken = async () => {
      if (!(await choice.isVisible())) return true;
      const cls = await choice.getAttribute('class', { timeout: 1_000 }).catch(() => null);
      return cls === null || cls.includes(selectedClass);
    };
    for (let attempt = 1; ; attempt++) {
      await choice.click();
      const until = Date.now() + 3_000;
      while (!(await taken()) && Date.now() < until) await this.page.waitForTimeout(100);
      if ((await taken()) || attempt === 3) return;
    }
  }

  /** Closes an open Select's dropdown and waits until none is shown (its hidden option list holds the raw values). */
  async closeDropdowns(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.ant-select-dropdown:visible').first().waitFor({ state: 'detached' });
  }

  /**
   * Opens the tab named `name` with a click (or, on a touch screen, a `tap`) and returns the presses it took. One is
   * right: on a 375 px screen a press on a tab peeking in at the edge once slid the tab list and opened nothing
   * (web/src/lib/tab-taps.ts). Should a press still open nothing, it presses again (at most five times) so the journey
   * goes on; the phone journeys report any second press.
   */
  async openTab(name: string, press: 'click' | 'tap' = 'click'): Promise<number> {
    const tab = this.page.getByRole('tab', { name, exact: true });
    for (let presses = 1; ; presses++) {
      await tab[press]();
      try {
        await this.page.getByRole('tab', { name, exact: true, selected: true }).waitFor({ timeout: 3_000 });
        return presses;
      } catch (err) {
        if (presses >= 5) throw err;
      }
    }
  }

  /** Chooses a node of the antd TreeSelect labelled `label`. */
  async pickTree(label: string, node: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).click();
    // Only the open dropdown's nodes are visible; a closed TreeSelect's tree stays in the DOM.
    const choice = this.page.locator('.ant-select-tree-node-content-wrapper:visible').filter({ has: this.page.locator('.ant-select-tree-title', { hasText: node }) }).first();
    await this.clickUntilTaken(choice, 'ant-select-tree-node-selected');
  }

  /** What the page shows that may explain a failed step: each field's error with its label, alerts and messages. */
  private async onScreen(): Promise<string> {
    const fields = await this.page.locator('.ant-form-item-has-error:visible').evaluateAll((items) =>
      items.map((item) => `${item.querySelector('label')?.textContent ?? '?'}: ${item.querySelector('.ant-form-item-explain')?.textContent ?? ''}`),
    );
    const notes = await this.page.locator('.ant-alert:visible, .ant-message-notice:visible').allInnerTexts();
    return JSON.stringify({ url: this.page.url(), fieldErrors: fields, alerts: notes, problems: this.problems });
  }

  /** The journeys started in the running test (see journeyTest). */
  private static started: Journey[] = [];

  /** `err` with, for each journey of the test whose page is still open, what its page shows. */
  static async explain(err: unknown): Promise<unknown> {
    if (!(err instanceof Error)) return err;
    const open = Journey.started.filter((j) => !j.page.isClosed());
    // A hung page must not hang the failure: what is not read within 10 s is left out.
    const read = (j: Journey) => Promise.race([j.onScreen(), new Promise<string>((resolve) => setTimeout(() => resolve('(not read within 10 s)'), 10_000).unref())]);
    const shown = await Promise.all(open.map(async (j) => `${j.role}: ${await read(j).catch((e: Error) => `(not read: ${e.message})`)}`));
    if (!shown.length) return err;
    // A new error: jest prints an error's message and stack in ways that differ between Playwright's errors and others.
    const explained = new Error(`${err.message}\n\nOn screen when it failed (no screenshot survives a CI run):\n${shown.join('\n')}`);
    const frames = err.stack?.indexOf('\n    at ') ?? -1;
    explained.stack = `Error: ${explained.message}${frames >= 0 ? err.stack!.slice(frames) : ''}`;
    return explained;
  }

  /** Forgets the journeys of the last test. */
  static forget(): void {
    Journey.started = [];
  }
}
