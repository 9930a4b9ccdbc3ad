import { login } from '@parley/sdk';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../packages/server/src/admin/admin.js';
import { createLogger } from '../packages/server/src/log.js';
import type { TestServer } from '../packages/server/src/test-support/index.js';
import { PASSWORD, closeAppAndBrowser, openApp, openAppAndBrowser, screenshot, until } from './support/harness.js';

/** An invite code, made as `npm run admin -- invite:create` makes it. */
async function makeInvite(server: TestServer): Promise<string> {
  const admin = await openAdmin(server.config, createLogger('silent'));
  try {
    return (await admin.auth.createInvite({ maxUses: 1 })).code;
  } finally {
    await admin.close();
  }
}

/** Issue 16 in the browser: registering with an invite code, and Sessions. */
describe('invite-only registration and the sessions screen', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    ({ server, browser } = await openAppAndBrowser({ REGISTRATION: 'invite' }));
  });
  afterAll(() => closeAppAndBrowser(server, browser));

  it('asks for the invite code, tells a wrong one apart, registers with a good one, lists and ends a session', async () => {
    const { page, problems } = await openApp(browser, server);
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('Invite code').waitFor();
    await page.getByLabel('Username').fill('newcomer');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Invite code').fill('not-a-real-code');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('That invite code is not valid').waitFor();
    await screenshot(page, 'register-invite');

    await page.getByLabel('Invite code').fill(await makeInvite(server));
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();

    // A second session of the same account, from a script.
    await login(server.url, 'newcomer', PASSWORD);
    await page.getByRole('button', { name: 'Sessions' }).click();
    const items = page.locator('.session-item');
    await until(async () => (await items.count()) === 2, 'two sessions listed');
    await page.getByText('this device').waitFor();
    await screenshot(page, 'sessions');
    await page.getByRole('button', { name: /End session on/ }).click();
    await until(async () => (await items.count()) === 1, 'the other session ended');
    expect(problems).toEqual([]);
  });
});
