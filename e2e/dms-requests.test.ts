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
const requestShown = (page: Page) => page.getByTestId('dm-request').count();

async function openDmFromMembers(page: Page, username: string): Promise<void> {
  await page.locator('#member-panel').getByText(username).waitFor();
  await page.getByRole('button', { name: `${username}: private chat` }).click();
  await page.getByRole('region', { name: `Private conversation with ${username}` }).waitFor();
}

/** Loads the app again at its own address, signed in (the session is kept), as after a reload. */
async function reopen(app: AppPage): Promise<void> {
  await app.page.goto(server.url);
  await app.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
}

describe('message requests across devices', () => {
  it('ben accepts a request in one browser: his other browser shows the conversation accepted without asking, also after a reload', async () => {
    const [ana, cara, ben] = [uniqueName('ana'), uniqueName('cara'), uniqueName('ben')];
    const room = uniqueName('hall');
    const ana1 = await openApp(browser, server);
    const cara1 = await openApp(browser, server);
    const ben1 = await openApp(browser, server);
    await registerViaUi(ana1.page, ana);
    await registerViaUi(cara1.page, cara);
    await registerViaUi(ben1.page, ben);
    await createRoomViaUi(ana1.page, room);
    await joinRoomViaUi(cara1.page, room);
    await joinRoomViaUi(ben1.page, room);
    const ben2 = await openApp(browser, server);
    await signInViaUi(ben2.page, ben);
    await ben2.page.getByRole('navigation', { name: 'Rooms' }).waitFor();

    // Ana is no buddy of ben's: her message is a request in both his browsers.
    await openDmFromMembers(ana1.page, ben);
    await sendViaUi(ana1.page, 'hello from a stranger');
    for (const page of [ben1.page, ben2.page]) {
      await dmEntry(page, ana).click();
      await expect.poll(() => dmTexts(page), { timeout: 15_000 }).toEqual(['hello from a stranger']);
      await page.getByTestId('dm-request').waitFor();
    }

    // Accepted in the first browser: the second stops asking at once.
    await ben1.page.getByTestId('dm-request').getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => requestShown(ben2.page), { timeout: 10_000 }).toBe(0);
    expect(await dmTexts(ben2.page)).toEqual(['hello from a stranger']);
    await screenshot(ben2.page, 'dm-request-accepted-elsewhere');

    // After a reload (the conversation itself is off the record: gone), ana's next message is no request.
    await reopen(ben2);
    await sendViaUi(ana1.page, 'thanks for accepting');
    await dmEntry(ben2.page, ana).click();
    await expect.poll(() => dmTexts(ben2.page), { timeout: 15_000 }).toEqual(['thanks for accepting']);
    expect(await requestShown(ben2.page)).toBe(0);

    // A request that waited for the second browser while it was closed, accepted in the first:
    // loaded at start, it is shown accepted there too.
    await ben2.page.goto('about:blank');
    await openDmFromMembers(cara1.page, ben);
    await sendViaUi(cara1.page, 'cara here');
    await dmEntry(ben1.page, cara).click();
    await expect.poll(() => dmTexts(ben1.page), { timeout: 15_000 }).toEqual(['cara here']);
    await ben1.page.getByTestId('dm-request').getByRole('button', { name: 'Accept' }).click();
    await reopen(ben2);
    await dmEntry(ben2.page, cara).click();
    await expect.poll(() => dmTexts(ben2.page), { timeout: 15_000 }).toEqual(['cara here']);
    expect(await requestShown(ben2.page)).toBe(0);
    await screenshot(ben2.page, 'dm-request-accepted-after-reload');

    for (const app of [ana1, cara1, ben1, ben2]) expect([...app.problems, ...app.dialogs]).toEqual([]);
    for (const app of [ana1, cara1, ben1, ben2]) await app.context.close();
  }, 180_000);

  it('a request ignored in one browser leaves the other too, and later messages from that sender stay quiet on both', async () => {
    const [eve, ben] = [uniqueName('eve'), uniqueName('ben')];
    const room = uniqueName('hall');
    const eve1 = await openApp(browser, server);
    const ben1 = await openApp(browser, server);
    await registerViaUi(eve1.page, eve);
    await registerViaUi(ben1.page, ben);
    await createRoomViaUi(eve1.page, room);
    await joinRoomViaUi(ben1.page, room);
    const ben2 = await openApp(browser, server);
    await signInViaUi(ben2.page, ben);
    await ben2.page.getByRole('navigation', { name: 'Rooms' }).waitFor();

    await openDmFromMembers(eve1.page, ben);
    await sendViaUi(eve1.page, 'buy my stuff');
    for (const page of [ben1.page, ben2.page]) {
      await dmEntry(page, eve).click();
      await page.getByTestId('dm-request').waitFor();
    }
    await ben1.page.getByTestId('dm-request').getByRole('button', { name: 'Ignore' }).click();
    // Gone from the second browser as well, without asking.
    await expect.poll(() => dmEntry(ben2.page, eve).count(), { timeout: 10_000 }).toBe(0);

    // After a reload, eve's next message is acknowledged (the device took it) but shown nowhere.
    await reopen(ben2);
    await sendViaUi(eve1.page, 'did you see my offer?');
    await expect
      .poll(
        async () =>
          eve1.page
            .locator('[data-testid=dm-message]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))),
        { timeout: 15_000 },
      )
      .toEqual(['delivered', 'delivered']);
    for (const page of [ben1.page, ben2.page]) expect(await dmEntry(page, eve).count()).toBe(0);
    for (const app of [eve1, ben1, ben2]) expect([...app.problems, ...app.dialogs]).toEqual([]);
    for (const app of [eve1, ben1, ben2]) await app.context.close();
  }, 120_000);
});
