import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import { createIdentity } from '../packages/web/src/dms/crypto.js';
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

/** Every Socket.IO frame the page sends or receives, as text: what the server relayed, seen from the wire. */
function recordFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => frames.push(String(f.payload)));
    ws.on('framereceived', (f) => frames.push(String(f.payload)));
  });
  return frames;
}

/** The first JSON argument of each Socket.IO event frame named `event`. */
function eventPayloads(frames: string[], event: string): Record<string, unknown>[] {
  return frames
    .map((frame) => /^4\d*2\d*(\[.*)$/s.exec(frame)?.[1])
    .filter((json): json is string => json !== undefined)
    .map((json) => JSON.parse(json) as unknown[])
    .filter((args) => args[0] === event)
    .map((args) => args[1] as Record<string, unknown>);
}

/** The sidebar entry of a private conversation. */
const dmEntry = (page: Page, username: string) =>
  page.getByRole('list', { name: /Private chats/ }).getByRole('button', { name: username });

const dmTexts = (page: Page) => page.locator('[data-testid=dm-message] [data-testid=dm-text]').allTextContents();
const dmStatuses = (page: Page) =>
  page.locator('[data-testid=dm-message]').evaluateAll((els) => els.map((el) => el.getAttribute('data-status')));

async function readSafetyNumber(page: Page): Promise<string> {
  const number = page.getByTestId('safety-number');
  if (!(await number.isVisible())) await page.locator('.safety summary').click();
  await number.waitFor();
  return (await number.textContent()) ?? '';
}

async function openDmFromMembers(page: Page, username: string): Promise<void> {
  await page.getByRole('button', { name: `${username}: private chat` }).click();
  await page.getByRole('region', { name: `Private conversation with ${username}` }).waitFor();
}

describe('off-the-record private messages', () => {
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  let alice: AppPage;
  let bob: AppPage;
  let aliceFrames: string[];
  let bobFrames: string[];
  let firstNumber = '';

  it('two users exchange end-to-end encrypted messages: the server relays only ciphertext', async () => {
    alice = await openApp(browser, server);
    bob = await openApp(browser, server);
    aliceFrames = recordFrames(alice.page);
    bobFrames = recordFrames(bob.page);
    await registerViaUi(alice.page, aliceName);
    await registerViaUi(bob.page, bobName);
    const room = uniqueName('lobby');
    await createRoomViaUi(alice.page, room);
    await joinRoomViaUi(bob.page, room);
    await alice.page.locator('#member-panel').getByText(bobName).waitFor();

    // Alice starts a private chat from Bob's name in the member list.
    await openDmFromMembers(alice.page, bobName);
    expect(await alice.page.getByTestId('otr-notice').textContent()).toContain(
      'Off the record — not saved; gone when you close or reload this page',
    );
    const secret = `meet at the old mill at ${uniqueName('dawn')}`;
    await sendViaUi(alice.page, secret);

    // Bob is told (toast, badge), opens the conversation and reads the decrypted text. They are
    // not buddies: it comes as a request, which Bob accepts before he can answer.
    await bob.page
      .getByRole('status')
      .filter({ hasText: `Message request from ${aliceName}` })
      .waitFor();
    const entry = dmEntry(bob.page, aliceName);
    await expect.poll(() => entry.getByTestId('unread').textContent(), { timeout: 10_000 }).toBe('1');
    await entry.click();
    await expect.poll(() => dmTexts(bob.page), { timeout: 10_000 }).toEqual([secret]);
    await expect.poll(() => dmStatuses(alice.page), { timeout: 10_000 }).toEqual(['delivered']);
    // No warning on a first conversation, on either side.
    expect(await bob.page.getByTestId('key-warning').count()).toBe(0);
    expect(await alice.page.getByTestId('key-warning').count()).toBe(0);
    await bob.page.getByTestId('dm-request').getByRole('button', { name: 'Accept' }).click();

    const reply = `bringing the map, ${uniqueName('x')}`;
    await sendViaUi(bob.page, reply);
    await expect.poll(() => dmTexts(alice.page), { timeout: 10_000 }).toEqual([secret, reply]);
    await expect.poll(() => dmStatuses(bob.page), { timeout: 10_000 }).toEqual(['received', 'delivered']);

    // Both sides show the same 60-digit safety number.
    const aliceNumber = await readSafetyNumber(alice.page);
    const bobNumber = await readSafetyNumber(bob.page);
    expect(aliceNumber).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(bobNumber).toBe(aliceNumber);
    firstNumber = aliceNumber;
    await screenshot(bob.page, 'dm');

    // On the wire: dm:send carried one AES-GCM envelope per device (Bob has one, Alice no
    // other), and the recipient got that same envelope.
    const sent = eventPayloads(aliceFrames, 'dm:send');
    const received = eventPayloads(bobFrames, 'dm:new');
    expect(sent).toHaveLength(1);
    const copies = sent[0]?.copies as { username: string; payload: string }[];
    expect(copies.map((c) => c.username)).toEqual([bobName]);
    const envelope = JSON.parse(String(copies[0]?.payload)) as Record<string, unknown>;
    expect(Object.keys(envelope).sort()).toEqual(['ct', 'iv', 'k', 'v']);
    expect(received.map((dm) => dm.payload)).toEqual([copies[0]?.payload]);
    // …and neither the plaintext nor its base64 appears in any frame of either browser, or in the server's logs.
    const wire = [...aliceFrames, ...bobFrames].join('\n');
    expect(wire).toContain('dm:new');
    for (const text of [secret, reply]) {
      expect(wire).not.toContain(text);
      expect(wire).not.toContain(Buffer.from(text).toString('base64').slice(0, 24));
      expect(server.logs.join('\n')).not.toContain(text);
    }
    expect([...alice.problems, ...bob.problems, ...alice.dialogs, ...bob.dialogs]).toEqual([]);
  });

  it('forgets the conversation on reload, and keeps the same key (and safety number)', async () => {
    // A fresh load of the app at its own address (not the chat's /dm/ link, whose reopening is
    // the routing tests' concern): the remembered room opens, the conversation is gone.
    await alice.page.goto(server.url);
    await alice.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    await openDmFromMembers(alice.page, bobName);
    expect(await dmTexts(alice.page)).toEqual([]);
    expect(await readSafetyNumber(alice.page)).toBe(firstNumber);
    expect(await alice.page.getByTestId('key-warning').count()).toBe(0);
  });

  it('queues a message while the contact is away, and marks it delivered when they come back', async () => {
    await bob.page.close();
    const text = 'are you still there?';
    await sendViaUi(alice.page, text);
    await expect.poll(() => dmStatuses(alice.page), { timeout: 10_000 }).toEqual(['queued']);
    expect(await alice.page.locator('[data-testid=dm-message]').textContent()).toContain('Queued: waiting for');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await dmStatuses(alice.page)).toEqual(['queued']);

    // Bob comes back in the same browser (same cookie, same key): the waiting message reaches him.
    const page = await bob.context.newPage();
    await page.goto(server.url);
    await page
      .getByRole('status')
      .filter({ hasText: `Off-the-record message from ${aliceName}` })
      .waitFor();
    await dmEntry(page, aliceName).click();
    await expect.poll(() => dmTexts(page), { timeout: 10_000 }).toEqual([text]);
    await expect.poll(() => dmStatuses(alice.page), { timeout: 10_000 }).toEqual(['delivered']);
    await bob.context.close();
  });

  it("tells of a contact's new device neutrally, never as interception, and reaches it too", async () => {
    // Bob signs in from a new browser: a new device, with its own key pair, published at sign-in.
    const newBob = await openApp(browser, server);
    await signInViaUi(newBob.page, bobName);
    await newBob.page.getByRole('navigation', { name: 'Rooms' }).waitFor();

    await alice.page.getByRole('button', { name: 'End', exact: true }).click();
    await openDmFromMembers(alice.page, bobName);
    const notice = alice.page.getByTestId('device-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain(`${bobName} added a device`);
    expect(await alice.page.getByTestId('key-warning').count()).toBe(0);
    const changedNumber = await readSafetyNumber(alice.page);
    expect(changedNumber).not.toBe(firstNumber);
    await screenshot(alice.page, 'dm-device-added');

    await sendViaUi(alice.page, 'hello new browser');
    await dmEntry(newBob.page, aliceName).click();
    await expect.poll(() => dmTexts(newBob.page), { timeout: 10_000 }).toEqual(['hello new browser']);
    expect(await readSafetyNumber(newBob.page)).toBe(changedNumber);
    await expect.poll(() => dmStatuses(alice.page), { timeout: 10_000 }).toEqual(['delivered']);
    expect([...alice.problems, ...newBob.problems, ...alice.dialogs, ...newBob.dialogs]).toEqual([]);
    await alice.context.close();
    await newBob.context.close();
  });

  it('marks a message expired when its time runs out undelivered, and cannot write to someone without a key', async () => {
    const me = await openApp(browser, server);
    // The page's clock can be moved forward: two minutes of waiting take no time.
    await me.context.clock.install();
    await me.page.reload();
    await registerViaUi(me.page, uniqueName('dora'));
    // Carol has a key but never reads (an SDK client that does not acknowledge).
    const carol = await connectUser(server);
    expectOk(await carol.client.request('keys:publish', { publicKey: (await createIdentity()).publicKey }));
    const keyless = await connectUser(server);
    const room = uniqueName('porch');
    await createRoomViaUi(me.page, room);
    const { rooms } = expectOk(await carol.client.request('room:list', {}));
    const roomId = rooms.find((r) => r.name === room)?.id ?? '';
    expectOk(await carol.client.joinRoom(roomId));
    expectOk(await keyless.client.joinRoom(roomId));

    await openDmFromMembers(me.page, keyless.user.username);
    await me.page.getByText(`Cannot send yet: ${keyless.user.username} has no encryption key yet`).waitFor();
    await me.page.locator('#composer-input').fill('anyone there?');
    expect(await me.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);

    await me.page.getByRole('button', { name: 'Close', exact: true }).click();
    await openDmFromMembers(me.page, carol.user.username);
    await me.page.getByTestId('safety-number').waitFor({ state: 'attached' });
    await sendViaUi(me.page, 'read this within two minutes');
    await expect.poll(() => dmStatuses(me.page), { timeout: 10_000 }).toEqual(['queued']);
    await me.page.clock.fastForward('01:50');
    expect(await dmStatuses(me.page)).toEqual(['queued']);
    await me.page.clock.fastForward('00:15');
    await expect.poll(() => dmStatuses(me.page), { timeout: 10_000 }).toEqual(['expired']);
    expect(await me.page.locator('[data-testid=dm-message]').textContent()).toContain(
      `Expired: ${carol.user.username} did not get it in time`,
    );
    carol.client.close();
    keyless.client.close();
    await me.context.close();
  });
});
