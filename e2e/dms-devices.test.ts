import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  type AppPage,
  closeAppAndBrowser,
  createRoomViaUi,
  joinRoomViaUi,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  screenshot,
  sendViaUi,
  signInViaUi,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

const dmEntry = (page: Page, username: string) =>
  page.getByRole('list', { name: /Private chats/ }).getByRole('button', { name: username });
const dmTexts = (page: Page) => page.locator('[data-testid=dm-message] [data-testid=dm-text]').allTextContents();
const dmStatuses = (page: Page) =>
  page.locator('[data-testid=dm-message]').evaluateAll((els) => els.map((el) => el.getAttribute('data-status')));

async function openDmFromMembers(page: Page, username: string): Promise<void> {
  await page.getByRole('button', { name: `${username}: private chat` }).click();
  await page.getByRole('region', { name: `Private conversation with ${username}` }).waitFor();
}

/** The copies of every dm:send the page sent, by the usernames they were for. */
function recordCopies(page: Page): { username: string; deviceId: string }[][] {
  const sends: { username: string; deviceId: string }[][] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      const json = /^42\d*(\[.*)$/s.exec(String(f.payload))?.[1];
      if (!json) return;
      const [event, payload] = JSON.parse(json) as [string, { copies?: { username: string; deviceId: string }[] }];
      if (event === 'dm:send' && payload.copies) sends.push(payload.copies);
    }),
  );
  return sends;
}

/** How many devices (published keys) each user has, as the server knows them. */
async function devicesOf(usernames: string[]): Promise<number[]> {
  const db = server.database.db;
  return Promise.all(
    usernames.map(async (username) => {
      const row = await db
        .selectFrom('device_keys')
        .innerJoin('users', 'users.id', 'device_keys.user_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('users.username_lower', '=', username.toLowerCase())
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    }),
  );
}

async function signIn(username: string): Promise<AppPage> {
  const app = await openApp(browser, server);
  await signInViaUi(app.page, username);
  await app.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
  return app;
}

async function signOut(app: AppPage): Promise<void> {
  await app.page.getByRole('button', { name: 'Sign out' }).click();
  await app.page
    .getByRole('button', { name: /Sign in/ })
    .first()
    .waitFor();
}

describe('private messages on every device', () => {
  const ana = uniqueName('ana');
  const ben = uniqueName('ben');
  let ana1: AppPage;
  let ana2: AppPage;
  let ben1: AppPage;
  let ben2: AppPage;
  let copies: { username: string; deviceId: string }[][];

  it("ben reads every message on both his browsers, and ana's other browser shows what she sent", async () => {
    ana1 = await openApp(browser, server);
    ben1 = await openApp(browser, server);
    copies = recordCopies(ana1.page);
    await registerViaUi(ana1.page, ana);
    await registerViaUi(ben1.page, ben);
    const room = uniqueName('hall');
    await createRoomViaUi(ana1.page, room);
    await joinRoomViaUi(ben1.page, room);
    ben2 = await signIn(ben);
    ana2 = await signIn(ana);
    // A browser is a device once its key is published (after sign-in, once its key pair is made,
    // which takes a while on a loaded machine): only then can a message be sealed for it.
    await expect.poll(() => devicesOf([ana, ben]), { timeout: 15_000 }).toEqual([2, 2]);

    await ana1.page.locator('#member-panel').getByText(ben).waitFor();
    await openDmFromMembers(ana1.page, ben);
    await sendViaUi(ana1.page, 'one for every device');
    for (const page of [ben1.page, ben2.page]) {
      await dmEntry(page, ana).click();
      await expect.poll(() => dmTexts(page), { timeout: 15_000 }).toEqual(['one for every device']);
    }
    // Ana's second browser shows what she sent from the first, as hers.
    await dmEntry(ana2.page, ben).click();
    await expect.poll(() => dmTexts(ana2.page), { timeout: 15_000 }).toEqual(['one for every device']);
    expect(await ana2.page.locator('[data-testid=dm-message] .sender').first().textContent()).toBe(ana);
    await expect.poll(() => dmStatuses(ana1.page), { timeout: 10_000 }).toEqual(['delivered']);
    await expect.poll(() => dmStatuses(ana2.page), { timeout: 10_000 }).toEqual(['delivered']);
    // One copy per device: ben's two, and ana's other one (in the send the server took: a first
    // try sealed before ana's second browser was known is refused and sealed again).
    expect(
      copies
        .at(-1)
        ?.map((c) => c.username)
        .sort(),
    ).toEqual([ana, ben, ben].sort());

    // Ben answers from his second browser: ana sees it on both, and ben's first browser shows it as his.
    await ben2.page.getByTestId('dm-request').getByRole('button', { name: 'Accept' }).click();
    await sendViaUi(ben2.page, 'got it on the second');
    for (const page of [ana1.page, ana2.page, ben1.page]) {
      await expect
        .poll(() => dmTexts(page), { timeout: 15_000 })
        .toEqual(['one for every device', 'got it on the second']);
    }
    await screenshot(ben1.page, 'dm-two-devices');
    for (const app of [ana1, ana2, ben1, ben2]) expect([...app.problems, ...app.dialogs]).toEqual([]);
    // Four browsers on a loaded machine: generous, as every wait above is for a condition.
  }, 120_000);

  it('signing out one device stops its copies; a verified contact whose identity changed gets the strong warning', async () => {
    // Ana compares the safety number with ben and marks him verified.
    await ana1.page.locator('.safety summary').click();
    await ana1.page.getByRole('button', { name: /mark as verified/ }).click();
    await ana1.page.getByTestId('dm-verified').waitFor();

    await signOut(ben2);
    await sendViaUi(ana1.page, 'after one sign-out');
    await expect.poll(() => dmTexts(ben1.page), { timeout: 15_000 }).toContain('after one sign-out');
    // That message went to ben's one remaining device (and ana's other), not to the signed-out one.
    expect(copies.at(-1)?.filter((c) => c.username === ben)).toHaveLength(1);
    await signOut(ana2);
    expect(await ana1.page.getByTestId('key-warning').count()).toBe(0);

    // Every device ana verified is gone and a new one stands in: that is the warning that matters.
    await signOut(ben1);
    const ben3 = await signIn(ben);
    await ana1.page.getByRole('button', { name: 'End', exact: true }).click();
    await openDmFromMembers(ana1.page, ben);
    const warning = ana1.page.getByTestId('key-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain(`${ben}'s identity changed since you verified it`);
    await ana1.page.locator('#composer-input').fill('is that you?');
    expect(await ana1.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await screenshot(ana1.page, 'dm-identity-changed');
    await warning.getByRole('button', { name: /verify again/ }).click();
    await warning.waitFor({ state: 'detached' });
    await ana1.page.locator('#composer-input').press('Enter');
    await dmEntry(ben3.page, ana).click();
    await expect.poll(() => dmTexts(ben3.page), { timeout: 15_000 }).toEqual(['is that you?']);
    ben1 = ben3;
  }, 120_000);

  it('a block stops delivery', async () => {
    await ben1.page.getByRole('button', { name: 'Block', exact: true }).click();
    await ben1.page
      .getByRole('status')
      .filter({ hasText: `You blocked ${ana}` })
      .waitFor();
    await sendViaUi(ana1.page, 'can you hear me?');
    await expect.poll(async () => (await dmStatuses(ana1.page)).at(-1), { timeout: 10_000 }).toBe('failed');
    expect(await ana1.page.locator('[data-testid=dm-message]').last().textContent()).toContain(
      'cannot exchange private messages',
    );
    expect(await ben1.page.getByRole('list', { name: /Private chats/ }).count()).toBe(0);
    expect([...ana1.problems, ...ben1.problems]).toEqual([]);
  });
});
