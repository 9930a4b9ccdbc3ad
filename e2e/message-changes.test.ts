import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, TEST_PASSWORD, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  openApp,
  openAppAndBrowser,
  screenshot,
  sendViaUi,
  signInViaUi,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

/** The shown message whose text contains `text`. */
const messageWith = (page: Page, text: string) =>
  page.locator('[data-testid=message]', { has: page.locator('[data-testid=message-text]', { hasText: text }) });

async function openMenu(page: Page, text: string) {
  const item = messageWith(page, text).first();
  await item.hover();
  return item.getByRole('toolbar', { name: 'Message actions' });
}

describe('messages that change, in the browser', () => {
  it('shows an edit, a delete, a reply, a reaction and a mention to the other member', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const room = expectOk(await alice.client.request('room:create', { name: 'changes' })).room;
    expectOk(await bob.client.joinRoom(room.id));
    alice.client.close();
    bob.client.close();

    const a = await openApp(browser, server);
    const b = await openApp(browser, server);
    await signInViaUi(a.page, alice.user.username, TEST_PASSWORD);
    await signInViaUi(b.page, bob.user.username, TEST_PASSWORD);
    for (const p of [a.page, b.page]) await p.getByRole('button', { name: 'changes' }).click();

    // A mention of alice, with Markdown: highlighted for her, more strongly than other mentions.
    await sendViaUi(b.page, `hey @${alice.user.username}, **look** at \`this\``);
    const mentioned = messageWith(a.page, 'look');
    await mentioned.locator('.mention-me').waitFor();
    expect(await mentioned.getAttribute('class')).toContain('message-mentions-me');
    expect(await mentioned.locator('strong').textContent()).toBe('look');
    expect(await mentioned.locator('code').textContent()).toBe('this');

    // Reply from alice's menu: a preview in the composer, then a quote on the message.
    await (await openMenu(a.page, 'look')).getByRole('button', { name: 'Reply' }).click();
    await a.page.getByTestId('compose-banner').waitFor();
    await sendViaUi(a.page, 'on it');
    const reply = messageWith(b.page, 'on it');
    await reply.getByTestId('reply-quote').waitFor();
    expect(await reply.getByTestId('reply-quote').textContent()).toContain('look');

    // React from the picker; bob sees the chip, and alice's chip toggles it off again.
    await (await openMenu(a.page, 'look')).getByRole('button', { name: 'React' }).click();
    await a.page.getByRole('menuitem', { name: 'React with 🎉' }).click();
    const chip = messageWith(b.page, 'look').getByTestId('reaction');
    await until(async () => (await chip.textContent())?.includes('🎉 1') ?? false, 'bob sees the reaction');
    await screenshot(a.page, 'message-changes');

    // Up edits alice's last message; bob sees the new text marked "edited".
    await a.page.locator('#composer-input').click();
    await a.page.locator('#composer-input').press('ArrowUp');
    await until(async () => (await a.page.locator('#composer-input').inputValue()) === 'on it', 'edit mode');
    await a.page.locator('#composer-input').fill('on it, _edited_');
    await a.page.locator('#composer-input').press('Enter');
    const edited = messageWith(b.page, 'on it, edited');
    await edited.getByTestId('edited').waitFor();
    expect(await edited.locator('em').textContent()).toBe('edited');
    // Escape leaves edit mode without saving.
    await a.page.locator('#composer-input').press('ArrowUp');
    await a.page.getByTestId('compose-banner').waitFor();
    await a.page.locator('#composer-input').press('Escape');
    await a.page.getByTestId('compose-banner').waitFor({ state: 'detached' });
    // The field empties a render after the banner goes (the mode's effect refills it).
    await expect.poll(() => a.page.locator('#composer-input').inputValue(), { timeout: 5000 }).toBe('');

    const ownChip = messageWith(a.page, 'look').getByTestId('reaction');
    await ownChip.click();
    await until(async () => (await messageWith(b.page, 'look').getByTestId('reaction').count()) === 0, 'reaction off');

    // Delete, confirmed: bob sees it gone, and the reply's quote says so.
    await (await openMenu(a.page, 'on it, edited')).getByRole('button', { name: 'Delete' }).click();
    await a.page.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click();
    await until(async () => (await b.page.locator('.message-deleted').count()) === 1, 'bob sees the delete');
    expect(await b.page.locator('.message-deleted [data-testid=message-text]').textContent()).toBe('Message deleted');
    await screenshot(b.page, 'message-changes-other');

    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);
});
