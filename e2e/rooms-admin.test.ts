import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  createRoomViaUi,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  screenshot,
  sendViaUi,
  until,
} from './support/harness.js';

/** Issue 15 in the browser: private rooms and invitations, moderation, pasted images, links. */
let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

const roomIdOf = (page: Page) => /\/r\/([^/]+)/.exec(new URL(page.url()).pathname)?.[1] ?? '';
const heading = (page: Page) => page.locator('.chat-title h1').textContent();

/** On a wide screen the member list is always shown; on a narrow one it is a drawer. */
async function openMembers(page: Page) {
  const button = page.locator('.members-button');
  if ((await button.isVisible()) && (await button.getAttribute('aria-expanded')) !== 'true') await button.click();
}

describe('rooms with owners', () => {
  it('a private room: invite, the invitee joins from the invitation, an outsider’s link says no, then a ban', async () => {
    const [alice, bob, carol] = await Promise.all([
      openApp(browser, server),
      openApp(browser, server),
      openApp(browser, server),
    ]);
    const [aliceName, bobName] = [uniqueName('alice'), uniqueName('bob')];
    await registerViaUi(alice.page, aliceName);
    await registerViaUi(bob.page, bobName);
    await registerViaUi(carol.page, uniqueName('carol'));

    const roomName = uniqueName('team');
    await alice.page.getByRole('button', { name: 'New room' }).click();
    const create = alice.page.getByRole('dialog', { name: 'Create a room' });
    await create.getByLabel('Name').fill(roomName);
    await create.getByLabel(/Private/).check();
    await create.getByRole('button', { name: 'Create room' }).click();
    await create.waitFor({ state: 'detached' });
    await until(() => roomIdOf(alice.page) !== '', 'the room in the URL');
    const roomId = roomIdOf(alice.page);
    expect(await alice.page.locator('.private-badge').textContent()).toBe('private');

    await alice.page.getByRole('button', { name: 'Invite' }).click();
    const invite = alice.page.getByRole('dialog', { name: `Invite to #${roomName}` });
    await invite.getByLabel('Username').fill(bobName);
    await invite.getByRole('button', { name: 'Invite' }).click();
    await invite.waitFor({ state: 'detached' });

    const invitation = bob.page.getByTestId('invitation').filter({ hasText: roomName });
    await invitation.waitFor({ timeout: 10_000 });
    await screenshot(bob.page, 'room-invitation');
    await invitation.getByRole('button', { name: 'Join' }).click();
    await until(async () => (await heading(bob.page))?.includes(roomName) ?? false, 'bob in the room');
    expect(roomIdOf(bob.page)).toBe(roomId);

    // An outsider's link to the private room says it cannot be seen.
    await carol.page.goto(`${server.url}/r/${roomId}`);
    await carol.page.getByTestId('blocked-room').waitFor({ timeout: 10_000 });
    expect(await carol.page.getByTestId('blocked-room').textContent()).toContain('private');

    await openMembers(alice.page);
    const bobRow = alice.page.getByTestId('member').filter({ hasText: bobName });
    await bobRow.waitFor();
    expect(await alice.page.getByTestId('member').filter({ hasText: aliceName }).getAttribute('data-role')).toBe(
      'owner',
    );
    await bobRow.getByRole('button', { name: `Actions for ${bobName}` }).click();
    await screenshot(alice.page, 'room-member-actions');
    await alice.page.getByRole('menuitem', { name: 'Make moderator' }).click();
    await until(async () => (await bobRow.getAttribute('data-role')) === 'moderator', 'bob a moderator');
    await alice.page.getByRole('button', { name: 'Room settings' }).click();
    await alice.page.getByRole('dialog', { name: `#${roomName} settings` }).waitFor();
    await screenshot(alice.page, 'room-settings');
    await alice.page.keyboard.press('Escape');

    await bobRow.getByRole('button', { name: `Actions for ${bobName}` }).click();
    await alice.page.getByRole('menuitem', { name: 'Ban' }).click();
    await alice.page
      .getByRole('dialog', { name: `Ban: ${bobName}?` })
      .getByRole('button', { name: 'Ban' })
      .click();
    await bob.page
      .getByRole('alert')
      .filter({ hasText: `You were banned from #${roomName}` })
      .waitFor();
    await until(async () => (await bob.page.locator('.room-list').textContent())?.includes(roomName) === false, 'gone');
    expect(await alice.page.getByTestId('member').filter({ hasText: bobName }).count()).toBe(0);
    for (const p of [alice, bob, carol]) expect(p.problems).toEqual([]);
    for (const p of [alice, bob, carol]) await p.context.close();
  }, 120_000);

  it('a pasted image shows inline for the other member; an outsider cannot fetch it; Back and Forward move between rooms', async () => {
    const [alice, bob, eve] = await Promise.all([
      openApp(browser, server),
      openApp(browser, server),
      openApp(browser, server),
    ]);
    await registerViaUi(alice.page, uniqueName('alice'));
    await registerViaUi(bob.page, uniqueName('bob'));
    await registerViaUi(eve.page, uniqueName('eve'));
    const first = uniqueName('first');
    const second = uniqueName('second');
    await createRoomViaUi(alice.page, first);
    const firstId = roomIdOf(alice.page);
    await createRoomViaUi(alice.page, second);
    await until(() => roomIdOf(alice.page) !== firstId, 'the second room open');
    const secondId = roomIdOf(alice.page);
    await bob.page.goto(`${server.url}/r/${secondId}`);
    await until(async () => (await heading(bob.page))?.includes(second) ?? false, 'bob joined by link');

    const png = await sharp({ create: { width: 480, height: 320, channels: 3, background: '#e06c3a' } })
      .png()
      .toBuffer();
    await alice.page.locator('#composer-input').click();
    await alice.page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'screenshot.png', { type: 'image/png' }));
      const box = document.querySelector('#composer-input');
      box?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      await Promise.resolve();
    }, png.toString('base64'));
    await alice.page.getByTestId('upload').waitFor();
    await until(async () => (await alice.page.locator('.upload-done').count()) === 1, 'upload done', 20_000);
    await sendViaUi(alice.page, 'look at this');

    const image = bob.page.getByTestId('attachment-image');
    await image.waitFor({ timeout: 10_000 });
    await until(
      () => image.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
      'the preview loaded',
    );
    await screenshot(bob.page, 'room-image-inline');
    const src = (await image.getAttribute('src')) ?? '';
    expect(src).toMatch(/^\/api\/files\/[0-9a-f-]{36}\/preview$/);
    const original = src.replace(/\/preview$/, '');
    expect((await bob.page.request.get(`${server.url}${original}`)).status()).toBe(200);
    expect((await eve.page.request.get(`${server.url}${original}`)).status()).toBe(404);
    expect((await eve.page.request.get(`${server.url}${src}`)).status()).toBe(404);
    await image.click();
    await bob.page.getByTestId('image-viewer').waitFor();
    await bob.page.keyboard.press('Escape');

    // Back and Forward between rooms; a reload stays.
    await alice.page.getByRole('button', { name: first }).click();
    await until(() => roomIdOf(alice.page) === firstId, 'first room in the URL');
    await alice.page.goBack();
    await until(async () => (await heading(alice.page))?.includes(second) ?? false, 'back to the second room');
    expect(roomIdOf(alice.page)).toBe(secondId);
    await alice.page.goForward();
    await until(async () => (await heading(alice.page))?.includes(first) ?? false, 'forward to the first room');
    await alice.page.reload();
    await until(async () => (await heading(alice.page))?.includes(first) ?? false, 'the reload stays');
    for (const p of [alice, bob, eve]) expect(p.problems).toEqual([]);
    for (const p of [alice, bob, eve]) await p.context.close();
  }, 120_000);
});
