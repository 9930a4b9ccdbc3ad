import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  expectOk,
  TEST_PASSWORD,
  uniqueName,
  type TestServer,
} from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  createRoomViaUi,
  messageTexts,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  sendViaUi,
  signInViaUi,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

describe('signing in', () => {
  it('shows clear errors for a taken name, a short password and a wrong password', async () => {
    const taken = uniqueName('taken');
    await connectUser(server, { username: taken }).then((u) => u.client.close());
    const { page, context, problems } = await openApp(browser, server);
    const alert = page.getByRole('alert');

    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('Username').fill(uniqueName('short'));
    await page.getByLabel('Password', { exact: true }).fill('1234567');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => alert.textContent()).toContain('Password is too short');

    await page.getByLabel('Username').fill(taken);
    await page.getByLabel('Password', { exact: true }).fill('long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => alert.textContent()).toBe('That username is taken. Choose another one.');

    await page.getByRole('tab', { name: 'Sign in' }).click();
    await signInViaUi(page, taken, 'not the password');
    await expect.poll(() => alert.textContent()).toBe('Wrong username or password.');
    // Still on the form, nothing signed in.
    expect(await page.getByRole('navigation', { name: 'Rooms' }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps you signed in across a reload (the cookie), and signs out', async () => {
    const name = uniqueName('keeper');
    const { page, context } = await openApp(browser, server);
    await registerViaUi(page, name);
    await page.reload();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    expect(await page.locator('.me-name').textContent()).toBe(name);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await context.cookies()).not.toContainEqual(expect.objectContaining({ name: 'parley_session' }));

    await signInViaUi(page, name);
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();

    // A second tab of the same browser shares the session; signing out in one ends it in both.
    const other = await context.newPage();
    await other.goto(server.url);
    await other.getByRole('navigation', { name: 'Rooms' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await other.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: 10_000 });
    await other.getByRole('status').filter({ hasText: 'Your session ended' }).waitFor();
    await context.close();
  });
});

describe('rooms', () => {
  it('says plainly when a room is full, and leaves a room', async () => {
    const owner = await connectUser(server);
    const room = uniqueName('tiny');
    const created = expectOk(
      await owner.client.request('room:create', { name: room, topic: 'two seats', capacity: 2 }),
    );
    const guest = await connectUser(server);
    expectOk(await guest.client.joinRoom(created.room.id));

    const { page, context, problems } = await openApp(browser, server);
    await registerViaUi(page, uniqueName('late'));
    await page.getByRole('button', { name: 'Browse rooms' }).click();
    const dialog = page.getByRole('dialog', { name: 'Browse rooms' });
    await dialog.getByRole('button', { name: `Join ${room}` }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Room is full' }).waitFor();
    await page
      .getByRole('alert')
      .filter({ hasText: `Room is full: #${room}` })
      .waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A seat frees up: joining works, then leaving takes the room out of the sidebar.
    expectOk(await guest.client.leaveRoom(created.room.id));
    await page.getByRole('button', { name: 'Browse rooms' }).click();
    await dialog.getByRole('button', { name: `Join ${room}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `You joined #${room}` })
      .waitFor();
    const sidebarRoom = page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: room });
    await sidebarRoom.waitFor();
    await page.getByRole('button', { name: 'Leave', exact: true }).click();
    await page
      .getByRole('dialog', { name: `Leave #${room}?` })
      .getByRole('button', { name: 'Leave room' })
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: `You left #${room}` })
      .waitFor();
    expect(await sidebarRoom.count()).toBe(0);
    const left = expectOk(await owner.client.request('room:list', {}));
    expect(left.rooms.find((r) => r.id === created.room.id)?.memberCount).toBe(1);
    expect(problems).toEqual([]);
    owner.client.close();
    guest.client.close();
    await context.close();
  });

  it('shows a refused message as failed with a retry that sends it', async () => {
    // The same user in the browser and in an SDK session: the SDK side pulls the rug.
    const me = await connectUser(server);
    const room = expectOk(await me.client.request('room:create', { name: uniqueName('rug') })).room;
    const { page, context } = await openApp(browser, server);
    await signInViaUi(page, me.user.username, TEST_PASSWORD);
    await page.getByRole('button', { name: room.name }).waitFor();
    await sendViaUi(page, 'first');
    await expect.poll(() => messageTexts(page, 'sent')).toEqual(['first']);

    expectOk(await me.client.leaveRoom(room.id));
    await sendViaUi(page, 'refused then retried');
    const failed = page.locator('[data-testid=message][data-status=failed]');
    await failed.getByText('Not sent: You are not a member of this room').waitFor();
    await page.getByRole('alert').filter({ hasText: 'Message not sent' }).first().waitFor();

    expectOk(await me.client.joinRoom(room.id));
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => messageTexts(page, 'sent')).toEqual(['first', 'refused then retried']);
    expect(await failed.count()).toBe(0);
    // Stored once, even though it was tried twice.
    const history = expectOk(await me.client.request('room:history', { roomId: room.id }));
    expect(history.messages.map((m) => m.body)).toEqual(['first', 'refused then retried']);
    me.client.close();
    await context.close();
  });

  it('keeps the composer from sending an empty or too long message', async () => {
    const { page, context } = await openApp(browser, server);
    await registerViaUi(page, uniqueName('limits'));
    await createRoomViaUi(page, uniqueName('limits'));
    const send = page.getByRole('button', { name: 'Send' });
    await page.locator('#composer-input').fill('   ');
    expect(await send.isDisabled()).toBe(true);
    await page.locator('#composer-input').fill('x'.repeat(4001));
    expect(await send.isDisabled()).toBe(true);
    await page.locator('#composer-input').press('Enter');
    expect(await page.locator('[data-testid=message]').count()).toBe(0);
    expect(await page.locator('#composer-limit').textContent()).toBe('-1');
    await context.close();
  });
});
