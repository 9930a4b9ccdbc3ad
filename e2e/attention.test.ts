import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  createRoomViaUi,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  screenshot,
  sendViaUi,
  signInViaUi,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

describe('read state, mentions, receipts, typing and search in the browser', () => {
  it('shows the same counts on two devices, the divider, a receipt, typing, a mention, and jumps to a search result', async () => {
    const aliceName = uniqueName('alice');
    const quiet = `aa${uniqueName('quiet')}`;
    const busy = `zz${uniqueName('busy')}`;
    const laptop = await openApp(browser, server);
    await registerViaUi(laptop.page, aliceName);
    await createRoomViaUi(laptop.page, busy);
    await createRoomViaUi(laptop.page, quiet);

    const bob = await connectUser(server);
    const { rooms } = expectOk(await bob.client.request('room:list', {}));
    const roomId = rooms.find((r) => r.name === busy)?.id ?? '';
    expectOk(await bob.client.joinRoom(roomId));
    expectOk(await bob.client.sendMessage(roomId, 'the quokka report is attached'));
    for (let i = 1; i <= 60; i += 1) expectOk(await bob.client.sendMessage(roomId, `filler ${i}`));
    expectOk(await bob.client.sendMessage(roomId, `hey @${aliceName}, look`));

    // The laptop looks at the quiet room: the busy one counts 62 unread, one of them a mention.
    const busyLink = laptop.page.getByRole('button', { name: busy });
    await expect.poll(() => busyLink.getByTestId('unread').textContent(), { timeout: 10_000 }).toBe('62');
    expect(await busyLink.getByTestId('mentions').textContent()).toBe('@1');
    await laptop.page.getByText(`${bob.user.username} mentioned you in #${busy}`).waitFor();
    await screenshot(laptop.page, 'mention-badges');

    // A second device of alice's signs in: the server tells it the same numbers.
    const phone = await openApp(browser, server);
    await signInViaUi(phone.page, aliceName);
    const phoneBusy = phone.page.getByRole('button', { name: busy });
    await expect.poll(() => phoneBusy.getByTestId('unread').textContent(), { timeout: 10_000 }).toBe('62');

    // Opening the room: the divider stands before the first unread (loaded at once, or by the jump button).
    await busyLink.click();
    const jump = laptop.page.getByTestId('jump-unread');
    if (await jump.isVisible()) await jump.click();
    await laptop.page.getByTestId('unread-divider').waitFor();
    expect(
      await laptop.page
        .locator('[data-testid=unread-divider] + li + [data-seq], [data-testid=unread-divider] + [data-seq]')
        .first()
        .getAttribute('data-seq'),
    ).toBe('1');
    await screenshot(laptop.page, 'unread-divider');
    // Read on the laptop, read on the phone, at once.
    await until(async () => (await phoneBusy.getByTestId('unread').count()) === 0, 'the phone sees it read');

    // A receipt: bob reads alice's message; typing: bob types.
    await sendViaUi(laptop.page, 'did you read the report?');
    await until(
      async () => (await laptop.page.locator('[data-testid=message][data-status=sent]').count()) === 1,
      'sent',
    );
    expectOk(await bob.client.request('read:mark', { roomId, seq: 63 }));
    await laptop.page.getByTestId('seen-by').getByText(`Seen by ${bob.user.username}`).waitFor();
    expectOk(await bob.client.request('typing', { roomId }));
    await laptop.page.getByText(`${bob.user.username} is typing…`).waitFor();
    await screenshot(laptop.page, 'receipts-typing');

    // Search on the phone, whose busy room holds only the latest messages: the result is loaded and shown.
    await phone.page.getByRole('button', { name: quiet }).click();
    await phone.page.getByRole('button', { name: 'Search messages' }).click();
    await phone.page.locator('#search-input').fill('quokka');
    await phone.page.getByLabel('Where').selectOption('all');
    await phone.page.getByRole('button', { name: 'Search', exact: true }).click();
    const result = phone.page.getByTestId('search-result');
    await result.first().waitFor();
    expect(await result.count()).toBe(1);
    await screenshot(phone.page, 'search');
    await result.first().click();
    await until(
      async () => (await phone.page.locator('[data-seq="1"].message-highlight').count()) === 1,
      'result shown',
    );
    expect(await phone.page.locator('[data-seq="1"] [data-testid=message-text]').textContent()).toBe(
      'the quokka report is attached',
    );

    // Read receipts can be turned off in the settings, for every device.
    await laptop.page.getByRole('button', { name: 'Settings', exact: true }).click();
    await laptop.page.getByTestId('send-receipts').uncheck();
    await screenshot(laptop.page, 'settings');
    await until(async () => {
      const answer = await bob.client.request('room:join', { roomId });
      return answer.ok && !(answer.receipts ?? []).some((r) => r.user.username === aliceName);
    }, 'alice sends no receipts');

    expect([...laptop.problems, ...phone.problems, ...laptop.dialogs, ...phone.dialogs]).toEqual([]);
    bob.client.close();
    await laptop.context.close();
    await phone.context.close();
  }, 90_000);
});
