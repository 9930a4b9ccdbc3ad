import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  messageTexts,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  screenshot,
  sendViaUi,
  until,
} from './support/harness.js';

/**
 * Issue 15 in the browser, the rest: invitations that outlive a reload (join or decline),
 * a moderator's kick and delete, files dropped on the composer and an upload cancelled.
 */
let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

const heading = (page: Page) => page.locator('.chat-title h1').textContent();
const roomList = (page: Page) => page.locator('.room-list').textContent();

async function openMembers(page: Page) {
  const button = page.locator('.members-button');
  if ((await button.isVisible()) && (await button.getAttribute('aria-expanded')) !== 'true') await button.click();
}

describe('rooms: invitations, moderation, files', () => {
  it('pending invitations are listed after a reload, and one joins from them and declines another', async () => {
    const alice = await connectUser(server);
    const bob = await openApp(browser, server);
    const bobName = uniqueName('bob');
    await registerViaUi(bob.page, bobName);
    const team = expectOk(
      await alice.client.request('room:create', { name: uniqueName('team'), visibility: 'private' }),
    ).room;
    const other = expectOk(
      await alice.client.request('room:create', { name: uniqueName('other'), visibility: 'private' }),
    ).room;
    // Bob is offline for the first invitation, online (told live) for the second.
    await bob.page.close();
    expectOk(await alice.client.request('room:invite', { roomId: team.id, username: bobName }));
    const page = await bob.context.newPage();
    await page.goto(server.url);
    await page.getByTestId('invitation').filter({ hasText: team.name }).waitFor({ timeout: 10_000 });
    expectOk(await alice.client.request('room:invite', { roomId: other.id, username: bobName }));
    await page.getByTestId('invitation').filter({ hasText: other.name }).waitFor({ timeout: 10_000 });

    // A reload keeps both, with who invited.
    await page.reload();
    const invitations = page.getByTestId('invitation');
    await invitations.filter({ hasText: other.name }).waitFor({ timeout: 10_000 });
    expect(await invitations.count()).toBe(2);
    expect(await invitations.filter({ hasText: team.name }).textContent()).toContain(`from ${alice.user.username}`);
    await screenshot(page, 'room-invitations-after-reload');

    await invitations.filter({ hasText: other.name }).getByRole('button', { name: 'Decline' }).click();
    await until(async () => (await invitations.count()) === 1, 'the declined one gone');
    await invitations.filter({ hasText: team.name }).getByRole('button', { name: 'Join' }).click();
    await until(async () => (await heading(page))?.includes(team.name) ?? false, 'bob in the team room');
    await until(async () => (await invitations.count()) === 0, 'no invitations left');
    // The decline reached the server: the private room is closed to Bob, and a reload shows nothing pending.
    expect(await alice.client.request('room:invitations', {})).toMatchObject({ ok: true, invitations: [] });
    await page.reload();
    await until(async () => (await heading(page))?.includes(team.name) ?? false, 'back in the team room');
    expect(await page.getByTestId('invitation').count()).toBe(0);
    await page.goto(`${server.url}/r/${other.id}`);
    await page.getByTestId('blocked-room').waitFor({ timeout: 10_000 });
    alice.client.close();
    await bob.context.close();
  }, 120_000);

  it('a moderator deletes a member’s message and removes the member, whose app says so and can no longer send', async () => {
    const owner = await connectUser(server);
    const [mod, member] = await Promise.all([openApp(browser, server), openApp(browser, server)]);
    const [modName, memberName] = [uniqueName('mod'), uniqueName('mem')];
    await registerViaUi(mod.page, modName);
    await registerViaUi(member.page, memberName);
    const roomName = uniqueName('modroom');
    const { room } = expectOk(await owner.client.request('room:create', { name: roomName }));
    for (const p of [mod.page, member.page]) {
      await p.goto(`${server.url}/r/${room.id}`);
      await until(async () => (await heading(p))?.includes(roomName) ?? false, 'in the room');
    }
    expectOk(await owner.client.request('room:role', { roomId: room.id, username: modName, role: 'moderator' }));

    await sendViaUi(member.page, 'buy cheap watches');
    const spam = mod.page.locator('[data-testid=message]').filter({ hasText: 'buy cheap watches' });
    await spam.waitFor({ timeout: 10_000 });
    await spam.hover();
    await spam.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: 'Delete' }).click();
    await mod.page
      .getByRole('dialog', { name: 'Delete this message?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await until(async () => (await member.page.locator('.message-deleted').count()) === 1, 'deleted for the member');

    await openMembers(mod.page);
    const row = mod.page.getByTestId('member').filter({ hasText: memberName });
    await row.getByRole('button', { name: `Actions for ${memberName}` }).click();
    await mod.page.getByRole('menuitem', { name: 'Remove from room' }).click();
    await mod.page
      .getByRole('dialog', { name: `Remove from room: ${memberName}?` })
      .getByRole('button', { name: 'Remove from room' })
      .click();
    await member.page
      .getByRole('alert')
      .filter({ hasText: `You were removed from #${roomName}` })
      .waitFor({ timeout: 10_000 });
    await until(async () => (await roomList(member.page))?.includes(roomName) === false, 'the room left the list');
    await screenshot(member.page, 'room-kicked');
    // The room's view (and its composer) is gone from the member's app.
    expect(await member.page.locator('.chat-title h1').filter({ hasText: roomName }).count()).toBe(0);
    expect(await row.count()).toBe(0);
    for (const p of [mod, member]) expect(p.problems).toEqual([]);
    owner.client.close();
    for (const p of [mod, member]) await p.context.close();
  }, 120_000);

  it('a file dropped on the composer uploads and sends; a large upload cancelled midway leaves nothing behind', async () => {
    const alice = await openApp(browser, server);
    const aliceName = uniqueName('alice');
    await registerViaUi(alice.page, aliceName);
    const watcher = await connectUser(server);
    const roomName = uniqueName('files');
    const { room } = expectOk(await watcher.client.request('room:create', { name: roomName }));
    expectOk(await watcher.client.joinRoom(room.id));
    await alice.page.goto(`${server.url}/r/${room.id}`);
    await until(async () => (await heading(alice.page))?.includes(roomName) ?? false, 'in the room');

    // A real drop event, with a DataTransfer built in the page, on the composer.
    await alice.page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['minutes of the meeting\n'], 'minutes.txt', { type: 'text/plain' }));
      const target = document.querySelector('#composer-input');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target?.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      }
    });
    const card = alice.page.getByTestId('upload').filter({ hasText: 'minutes.txt' });
    await card.waitFor();
    await until(async () => (await alice.page.locator('.upload-done').count()) === 1, 'the drop uploaded', 20_000);
    await sendViaUi(alice.page, 'the minutes');
    await until(async () => (await messageTexts(alice.page, 'sent')).includes('the minutes'), 'sent');
    const history = expectOk(await watcher.client.request('room:history', { roomId: room.id }));
    const sent = history.messages.find((m) => m.body === 'the minutes');
    expect(sent?.attachments?.map((f) => f.name)).toEqual(['minutes.txt']);

    // A 9 MB file over a slow line (DevTools network emulation), cancelled once it is moving.
    const cdp = await alice.page.context().newCDPSession(alice.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: 10_000_000,
      uploadThroughput: 256 * 1024,
    });
    await alice.page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(9 * 1024 * 1024)], 'huge.bin', { type: 'application/octet-stream' }));
      const target = document.querySelector('#composer-input');
      target?.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const huge = alice.page.getByTestId('upload').filter({ hasText: 'huge.bin' });
    await huge.waitFor();
    await until(
      async () =>
        Number(
          (await huge
            .locator('progress')
            .getAttribute('value')
            .catch(() => '0')) ?? 0,
        ) > 0.05,
      'the upload under way',
      20_000,
    );
    await screenshot(alice.page, 'room-upload-progress');
    await huge.getByRole('button', { name: 'Cancel' }).click();
    await huge.waitFor({ state: 'detached' });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await sendViaUi(alice.page, 'never mind');
    await until(async () => (await messageTexts(alice.page, 'sent')).includes('never mind'), 'sent');
    const after = expectOk(await watcher.client.request('room:history', { roomId: room.id }));
    expect(after.messages.find((m) => m.body === 'never mind')?.attachments ?? []).toEqual([]);
    // The server kept nothing of it: no file by that name, and none of Alice's attached but the minutes.
    const db = server.database.db;
    const stored = await db.selectFrom('files').select(['id', 'name']).where('name', '=', 'huge.bin').execute();
    expect(stored).toEqual([]);
    const attached = await db
      .selectFrom('message_attachments')
      .innerJoin('files', 'files.id', 'message_attachments.file_id')
      .select('files.name')
      .where('message_attachments.room_id', '=', room.id)
      .execute();
    expect(attached.map((a) => a.name)).toEqual(['minutes.txt']);
    expect(alice.problems).toEqual([]);
    watcher.client.close();
    await alice.context.close();
  }, 120_000);
});
