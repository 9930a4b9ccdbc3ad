import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../packages/server/src/test-support/index.js';

export const WEB_ROOT = fileURLToPath(new URL('../../packages/web/dist/', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
export const PASSWORD = 'correct horse battery';

/** A real server serving the built app; the browser tests never run against a stale or missing build. */
export function startAppServer(env: Record<string, string> = {}): Promise<TestServer> {
  if (!existsSync(path.join(WEB_ROOT, 'index.html'))) {
    throw new Error(`The web app is not built (${WEB_ROOT}): run \`npm run build\` before the browser tests.`);
  }
  return startTestServer({ env: { WEB_ROOT, ...env } });
}

/** A file's usual fixtures: the app server and one browser, started together. */
export async function openAppAndBrowser(
  env: Record<string, string> = {},
): Promise<{ server: TestServer; browser: Browser }> {
  const server = await startAppServer(env);
  return { server, browser: await launchBrowser() };
}

export async function closeAppAndBrowser(server: TestServer | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close();
  await server?.close();
}

/** `extraArgs`: more Chromium switches: the calls' fake camera and microphone, `--host-resolver-rules`… */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

export interface AppPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught page errors and JavaScript dialogs: a healthy run has none. */
  problems: string[];
  dialogs: string[];
}

export interface OpenOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  query?: string;
}

/** A fresh browser profile (its own cookies and localStorage) on the app. */
export async function openApp(browser: Browser, server: TestServer, options: OpenOptions = {}): Promise<AppPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`${server.url}/${options.query ?? ''}`);
  return { page, context, problems, dialogs };
}

export async function registerViaUi(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByRole('tab', { name: 'Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
}

export async function signInViaUi(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function createRoomViaUi(page: Page, name: string, topic = '', capacity?: number): Promise<void> {
  await page.getByRole('button', { name: 'New room' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  await dialog.getByLabel('Name').fill(name);
  if (topic) await dialog.getByLabel('Topic (optional)').fill(topic);
  if (capacity !== undefined) await dialog.getByLabel('Capacity').fill(String(capacity));
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await dialog.waitFor({ state: 'detached' });
}

export async function joinRoomViaUi(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Browse rooms' }).click();
  const dialog = page.getByRole('dialog', { name: 'Browse rooms' });
  await dialog.getByRole('button', { name: `Join ${name}`, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

export async function sendViaUi(page: Page, text: string): Promise<void> {
  const box = page.locator('#composer-input');
  await box.fill(text);
  await box.press('Enter');
}

/** The text of every message in the open room, pending ones included, top to bottom. */
export function messageTexts(page: Page, status?: 'sent' | 'pending' | 'failed'): Promise<string[]> {
  const selector = status ? `[data-testid=message][data-status=${status}]` : '[data-testid=message]';
  return page.locator(`${selector} [data-testid=message-text]`).allTextContents();
}

/** The seq of every confirmed message shown, to check order and the absence of duplicates. */
export async function shownSeqs(page: Page): Promise<number[]> {
  const seqs = await page
    .locator('[data-testid=message][data-seq]')
    .evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-seq'))));
  return seqs;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.mouse.move(0, 0); // no hover highlight in the picture
  await page.screenshot({ path: file });
  return file;
}

/** Polls `check` until it returns true; the last failure message makes a readable test error. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
