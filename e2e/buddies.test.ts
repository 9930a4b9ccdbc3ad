import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  eventually,
  expectOk,
  uniqueName,
  type TestServer,
} from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  createRoomViaUi,
  joinRoomViaUi,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  screenshot,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

// A short grace period: a closed tab shows offline after 0.3 s instead of 5 s.
beforeAll(async () => ({ server, browser } = await openAppAndBrowser({ PRESENCE_GRACE_MS: '300' })));
afterAll(() => closeAppAndBrowser(server, browser));

const panel = (page: Page) => page.getByTestId('buddy-panel');
const buddyRow = (page: Page, username: string) => panel(page).getByTestId('buddy').filter({ hasText: username });
const toast = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

async function addBuddyViaUi(page: Page, username: string): Promise<void> {
  await page.getByLabel('Add a buddy by username').fill(username);
  await panel(page).getByRole('button', { name: 'Add', exact: true }).click();
}

describe('buddies and presence', () => {
  it('two users become buddies through the UI, and each sees the other go offline and online', async () => {
    const alice = await openApp(browser, server);
    const bob = await openApp(browser, server);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await registerViaUi(alice.page, aliceName);
    await registerViaUi(bob.page, bobName);
    const room = uniqueName('hall');
    await createRoomViaUi(alice.page, room);
    await joinRoomViaUi(bob.page, room);
    // Before they are buddies, Alice sees no status for Bob in the room: presence is for buddies only.
    const bobMember = alice.page.locator('#member-panel [data-testid=member]').filter({ hasText: bobName });
    await bobMember.waitFor();
    expect(await bobMember.getAttribute('data-status')).toBeNull();

    await addBuddyViaUi(alice.page, bobName);
    await toast(alice.page, `Buddy request sent to ${bobName}`).waitFor();
    await panel(alice.page).getByText('request sent').waitFor();

    // Bob: a toast, a badge, and the request to answer.
    await toast(bob.page, `${aliceName} wants to be your buddy`).waitFor();
    await expect.poll(() => bob.page.getByLabel('1 buddy request', { exact: true }).textContent()).toBe('1');
    const requests = bob.page.getByRole('list', { name: 'Buddy requests' });
    expect(await requests.textContent()).toContain(`${aliceName} wants to be your buddy`);
    await screenshot(bob.page, 'buddy-request');
    await requests.getByRole('button', { name: /^Accept/ }).click();
    await requests.waitFor({ state: 'detached' });

    await toast(alice.page, `You and ${bobName} are buddies now`).waitFor();
    await expect.poll(() => buddyRow(alice.page, bobName).getAttribute('data-status')).toBe('online');
    await expect.poll(() => buddyRow(bob.page, aliceName).getAttribute('data-status')).toBe('online');
    // The room's member list now shows Bob's status too.
    await expect.poll(() => bobMember.getAttribute('data-status')).toBe('online');
    // No "came online" toast for what was only the first status of a new buddy.
    expect(await toast(alice.page, `${bobName} is online`).count()).toBe(0);

    // Bob closes his tab: after the grace period Alice is told, and sees when he was last there.
    await bob.page.close();
    await toast(alice.page, `${bobName} went offline`).waitFor();
    await expect.poll(() => buddyRow(alice.page, bobName).getAttribute('data-status')).toBe('offline');
    expect(await buddyRow(alice.page, bobName).getByTestId('buddy-detail').textContent()).toMatch(/^last seen /);
    await expect.poll(() => bobMember.getAttribute('data-status')).toBe('offline');

    // He comes back (same browser, same session): online again, with a toast.
    const back = await bob.context.newPage();
    await back.goto(server.url);
    await toast(alice.page, `${bobName} is online`).waitFor();
    await expect.poll(() => buddyRow(alice.page, bobName).getAttribute('data-status')).toBe('online');
    await screenshot(alice.page, 'buddies');
    expect([...alice.problems, ...bob.problems, ...alice.dialogs, ...bob.dialogs]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  it('declines a request, and explains a name it cannot add', async () => {
    const alice = await openApp(browser, server);
    const aliceName = uniqueName('alice');
    await registerViaUi(alice.page, aliceName);
    const carol = await connectUser(server);
    const declined: string[] = [];
    carol.client.on('buddy:update', (u) => declined.push(`${u.user.username}:${u.relation}`));

    expectOk(await carol.client.request('buddy:request', { username: aliceName }));
    await toast(alice.page, `${carol.user.username} wants to be your buddy`).waitFor();
    await alice.page
      .getByRole('list', { name: 'Buddy requests' })
      .getByRole('button', { name: /^Decline/ })
      .click();
    await eventually(() => (declined.includes(`${aliceName}:declined`) ? true : undefined));
    expect(await panel(alice.page).getByTestId('buddy').count()).toBe(0);

    await addBuddyViaUi(alice.page, 'nobody_by_that_name');
    expect(await panel(alice.page).getByRole('alert').textContent()).toBe(
      'There is no user called nobody_by_that_name',
    );
    await addBuddyViaUi(alice.page, aliceName.toUpperCase());
    expect(await panel(alice.page).getByRole('alert').textContent()).toBe('That is you');
    carol.client.close();
    await alice.context.close();
  });

  it('shows a user away after minutes without activity, and online again on the next move', async () => {
    const alice = await openApp(browser, server);
    await alice.context.clock.install();
    await alice.page.reload();
    const aliceName = uniqueName('alice');
    await registerViaUi(alice.page, aliceName);
    const bob = await connectUser(server);
    const seen: string[] = [];
    bob.client.on('presence', (p) => seen.push(p.status));
    expectOk(await bob.client.request('buddy:request', { username: aliceName }));
    await alice.page
      .getByRole('list', { name: 'Buddy requests' })
      .getByRole('button', { name: /^Accept/ })
      .click();
    await eventually(() => (seen.at(-1) === 'online' ? true : undefined));

    await alice.page.clock.fastForward('05:30');
    await eventually(() => (seen.at(-1) === 'away' ? true : undefined), 10_000);
    await alice.page.mouse.move(200, 200);
    await alice.page.mouse.move(260, 240);
    await eventually(() => (seen.at(-1) === 'online' ? true : undefined), 10_000);
    bob.client.close();
    await alice.context.close();
  });
});
