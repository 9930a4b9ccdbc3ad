import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import { closeAppAndBrowser, openApp, openAppAndBrowser, registerViaUi, screenshot } from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser({ ROOMS_PER_USER_PER_HOUR: '1000' })));
afterAll(() => closeAppAndBrowser(server, browser));

describe('the room browser', () => {
  it('shows a page of rooms, fetches more on demand, and searches on the server', async () => {
    const owner = await connectUser(server);
    const names = Array.from({ length: 35 }, (_, i) => `lobby-${String(i).padStart(2, '0')}`);
    for (const name of names) {
      expectOk(await owner.client.request('room:create', { name, topic: `Talk about ${name}` }));
    }
    const { page, context, problems } = await openApp(browser, server);
    await registerViaUi(page, uniqueName('browser'));
    await page.getByRole('button', { name: 'Browse rooms' }).click();
    const dialog = page.getByRole('dialog', { name: 'Browse rooms' });
    const list = dialog.getByRole('list', { name: 'Rooms you can join' });
    const items = list.locator('.directory-item');
    await dialog.getByRole('button', { name: 'Join lobby-29' }).waitFor();
    expect(await items.count()).toBe(30);
    await screenshot(page, 'browse-rooms');

    await dialog.getByRole('button', { name: 'Show more rooms' }).click();
    await dialog.getByRole('button', { name: 'Join lobby-34' }).waitFor();
    expect(await items.count()).toBe(35);
    expect(await dialog.getByRole('button', { name: 'Show more rooms' }).count()).toBe(0);

    await dialog.getByRole('searchbox', { name: 'Find a room' }).fill('BBY-3');
    await dialog.getByRole('button', { name: 'Join lobby-30' }).waitFor();
    await expect.poll(() => items.count()).toBe(5);
    expect(await items.allInnerTexts()).toEqual(names.slice(30).map((n) => expect.stringContaining(n) as string));
    await screenshot(page, 'browse-rooms-search');

    await dialog.getByRole('searchbox', { name: 'Find a room' }).fill('no such room here');
    await list.getByText('No other rooms match.').waitFor();
    expect(problems).toEqual([]);
    owner.client.close();
    await context.close();
  });
});
