import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  createRoomViaUi,
  joinRoomViaUi,
  messageTexts,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  screenshot,
  sendViaUi,
  shownSeqs,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

describe('two people in two browsers', () => {
  it('register, create and join a room, and chat in real time', async () => {
    const alice = await openApp(browser, server);
    const bob = await openApp(browser, server);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await screenshot(alice.page, 'sign-in');
    await registerViaUi(alice.page, aliceName);
    await registerViaUi(bob.page, bobName);

    const room = uniqueName('general');
    await createRoomViaUi(alice.page, room, 'Everything and nothing', 50);
    await expect.poll(() => alice.page.locator('.chat-title h1').textContent()).toContain(room);
    await joinRoomViaUi(bob.page, room);
    // Alice sees Bob arrive: a toast and the member list.
    await alice.page
      .getByRole('status')
      .filter({ hasText: `${bobName} joined #${room}` })
      .waitFor();
    await alice.page.locator('#member-panel').getByText(bobName).waitFor();

    await sendViaUi(alice.page, 'Hello Bob');
    await until(async () => (await messageTexts(bob.page)).includes('Hello Bob'), 'Bob receives the message');
    await sendViaUi(alice.page, 'Are you there?');
    await until(async () => (await messageTexts(bob.page)).length === 2, 'Bob receives the second message');
    await sendViaUi(bob.page, 'Hi Alice, see https://example.org/docs?a=1.');
    await until(async () => (await messageTexts(alice.page)).length === 3, 'Alice receives the answer');

    // Shift+Enter makes a new line; Enter sends the two lines as one message.
    const box = alice.page.locator('#composer-input');
    await box.fill('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    expect(await box.inputValue()).toBe('first line\nsecond line');
    await box.press('Enter');
    await until(async () => (await messageTexts(bob.page)).includes('first line\nsecond line'), 'multi-line');
    expect(await box.inputValue()).toBe('');

    // The link is an anchor, the rest of the body plain text.
    const link = alice.page.getByRole('link', { name: 'https://example.org/docs?a=1' });
    expect(await link.getAttribute('href')).toBe('https://example.org/docs?a=1');
    expect(await link.getAttribute('rel')).toContain('noopener');

    // Grouping: Alice's two consecutive messages show her name once, as one group.
    const continued = await bob.page.locator('.message-cont [data-testid=message-text]').allTextContents();
    expect(continued).toEqual(['Are you there?']);
    expect(await bob.page.locator('.message .sender').allTextContents()).toEqual([aliceName, bobName, aliceName]);
    // Own messages end as sent, never left pending.
    expect(await alice.page.locator('[data-testid=message][data-status=sent]').count()).toBe(3);
    expect(await alice.page.locator('[data-testid=message][data-status=pending]').count()).toBe(0);
    expect(await shownSeqs(bob.page)).toEqual([1, 2, 3, 4]);

    await screenshot(alice.page, 'room');
    expect([...alice.problems, ...bob.problems, ...alice.dialogs, ...bob.dialogs]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  it('counts unread messages per room and in the title, and clears them on open', async () => {
    const alice = await openApp(browser, server);
    const bob = await openApp(browser, server);
    await registerViaUi(alice.page, uniqueName('alice'));
    await registerViaUi(bob.page, uniqueName('bob'));
    const busy = uniqueName('busy');
    const quiet = uniqueName('quiet');
    await createRoomViaUi(alice.page, busy);
    await createRoomViaUi(alice.page, quiet);
    await joinRoomViaUi(bob.page, busy);
    // Alice looks at the quiet room while Bob writes in the busy one.
    await alice.page.getByRole('button', { name: quiet }).click();
    for (const text of ['one', 'two', 'three']) await sendViaUi(bob.page, text);

    const badge = alice.page.getByRole('button', { name: busy }).getByTestId('unread');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('3');
    await expect.poll(() => alice.page.title()).toBe('(3) Parley');

    // A draft typed in one room waits there while you look at another.
    await alice.page.locator('#composer-input').fill('half a thought');
    await alice.page.getByRole('button', { name: busy }).click();
    await expect.poll(() => alice.page.title()).toBe('Parley');
    expect(await alice.page.locator('#composer-input').inputValue()).toBe('');
    expect(await badge.count()).toBe(0);
    expect(await messageTexts(alice.page)).toEqual(['one', 'two', 'three']);

    // The read position is kept on the server: after a reload only what came since counts.
    await alice.page.getByRole('button', { name: quiet }).click();
    expect(await alice.page.locator('#composer-input').inputValue()).toBe('half a thought');
    await sendViaUi(bob.page, 'four');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('1');
    await alice.page.reload();
    await alice.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => alice.page.title()).toBe('(1) Parley');
    await alice.context.close();
    await bob.context.close();
  });

  it('loads older history on scrolling up, and marks new messages when scrolled away', async () => {
    const alice = await openApp(browser, server, { height: 600 });
    await registerViaUi(alice.page, uniqueName('alice'));
    const room = uniqueName('history');
    await createRoomViaUi(alice.page, room);
    // 120 messages from an SDK client in the same room, then a reload: the page shows the latest 50.
    const { connectUser } = await import('../packages/server/src/test-support/index.js');
    const writer = await connectUser(server);
    const { rooms } = await writer.client.request('room:list', {}).then((r) => (r.ok ? r : { rooms: [] }));
    const roomId = rooms.find((r) => r.name === room)?.id ?? '';
    expect((await writer.client.joinRoom(roomId)).ok).toBe(true);
    for (let i = 1; i <= 120; i += 1) {
      const sent = await writer.client.sendMessage(roomId, `history ${i}`);
      expect(sent.ok).toBe(true);
    }
    await alice.page.reload();
    await until(async () => (await messageTexts(alice.page)).at(-1) === 'history 120', 'latest message shown');
    const before = (await shownSeqs(alice.page)).length;
    expect(before).toBeLessThan(120);

    const scroller = alice.page.getByTestId('message-scroll');
    for (let i = 0; i < 20 && (await shownSeqs(alice.page)).length < 120; i += 1) {
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await alice.page.waitForTimeout(150);
    }
    expect(await shownSeqs(alice.page)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    await alice.page.getByText(`This is the very beginning of #${room}.`).waitFor();

    // Scrolled away from the bottom, a new message does not pull the view down: a marker appears.
    const top = await scroller.evaluate((el) => el.scrollTop);
    await writer.client.sendMessage(roomId, 'while you were reading');
    const marker = alice.page.getByRole('button', { name: /1 new message/ });
    await marker.waitFor();
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(top);
    await marker.click();
    await until(
      () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2),
      'the marker scrolls to the bottom',
    );
    expect(await marker.count()).toBe(0);

    // At the bottom, a new message keeps the view at the bottom.
    await writer.client.sendMessage(roomId, 'at the bottom');
    await until(async () => (await messageTexts(alice.page)).at(-1) === 'at the bottom', 'new message shown');
    await until(
      () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2),
      'still at the bottom',
    );
    writer.client.close();
    await alice.context.close();
  });
});
