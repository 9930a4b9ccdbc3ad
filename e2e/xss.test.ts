import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, TEST_PASSWORD, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  messageTexts,
  openApp,
  openAppAndBrowser,
  sendViaUi,
  signInViaUi,
  until,
} from './support/harness.js';
import { MARKDOWN_XSS_PAYLOADS, XSS_PAYLOADS } from './support/xss-payloads.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

describe('message text is never HTML', () => {
  it('renders 100 XSS payloads as inert text: no dialog, no script, no injected element', async () => {
    expect(XSS_PAYLOADS).toHaveLength(100);
    const attacker = await connectUser(server);
    const victim = await connectUser(server);
    // The room's name and topic are attacker text too.
    const name = '<img src=x onerror=alert(1)>';
    const topic = '<script>window.__pwned=1</script>';
    const room = expectOk(await attacker.client.request('room:create', { name, topic })).room;
    expectOk(await victim.client.joinRoom(room.id));
    victim.client.close();
    for (const body of XSS_PAYLOADS.slice(0, 99)) expectOk(await attacker.client.sendMessage(room.id, body));

    const { page, problems, dialogs } = await openApp(browser, server);
    await signInViaUi(page, victim.user.username, TEST_PASSWORD);
    await page.getByRole('button', { name }).waitFor();
    // The last payload goes through the browser's own composer.
    const last = XSS_PAYLOADS[99] ?? '';
    await sendViaUi(page, last);
    await until(async () => (await messageTexts(page, 'sent')).includes(last), 'own payload sent');

    // Scroll to the top until every payload is on the page.
    const scroller = page.getByTestId('message-scroll');
    for (let i = 0; i < 10 && (await messageTexts(page)).length < 100; i += 1) {
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.waitForTimeout(200);
    }
    expect(await messageTexts(page)).toEqual(XSS_PAYLOADS);

    const list = page.locator('.message-list');
    const injected = await list
      .locator('script, img, svg, iframe, object, embed, video, input, form, style, meta, details, math, body')
      .count();
    expect(injected).toBe(0);
    // Links in message text; each message's time is also a link, to its own permalink in this app.
    const hrefs = await list
      .locator('a:not(.permalink)')
      .evaluateAll((els) => els.map((a) => a.getAttribute('href') ?? ''));
    const permalinks = await list.locator('a.permalink').evaluateAll((els) => els.map((a) => a.getAttribute('href')));
    for (const href of permalinks) expect(href).toMatch(/^\/r\/[\w-]+\/m\/\d+$/);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https?:\/\/[^"<>\s]+$/);
    expect(await page.locator('.chat-title h1').textContent()).toBe(`#${name}`);
    expect(await page.locator('.topic').textContent()).toBe(topic);
    await page.waitForTimeout(500); // an onerror or onload handler would fire by now
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    attacker.client.close();
    await page.context().close();
  }, 60_000);

  it('renders 100 more through the Markdown subset: only its own elements, only http(s) links', async () => {
    expect(MARKDOWN_XSS_PAYLOADS).toHaveLength(100);
    const attacker = await connectUser(server);
    const victim = await connectUser(server);
    const room = expectOk(await attacker.client.request('room:create', { name: 'markdown-xss' })).room;
    expectOk(await victim.client.joinRoom(room.id));
    victim.client.close();
    for (const body of MARKDOWN_XSS_PAYLOADS) expectOk(await attacker.client.sendMessage(room.id, body));

    const { page, problems, dialogs } = await openApp(browser, server);
    await signInViaUi(page, victim.user.username, TEST_PASSWORD);
    await page.getByRole('button', { name: 'markdown-xss' }).click();
    const scroller = page.getByTestId('message-scroll');
    for (let i = 0; i < 10 && (await messageTexts(page)).length < 100; i += 1) {
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.waitForTimeout(200);
    }
    const texts = await messageTexts(page);
    expect(texts).toHaveLength(100);
    // Every payload's script text is there, as inert text.
    texts.forEach((text, i) => {
      const js = ['alert(1)', 'window.__pwned=1', 'confirm(document.cookie)', "prompt('x')"][i % 4] ?? '';
      expect(text, MARKDOWN_XSS_PAYLOADS[i]).toContain(js);
    });
    const bodies = page.locator('.message-list [data-testid=message-text]');
    const tags = await bodies.evaluateAll((els) => [
      ...new Set(els.flatMap((el) => [...el.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()))),
    ]);
    const allowed = [
      'div',
      'p',
      'br',
      'strong',
      'em',
      'code',
      'pre',
      'blockquote',
      'ul',
      'ol',
      'li',
      'a',
      'span',
      'button',
    ];
    expect(tags.filter((t) => !allowed.includes(t))).toEqual([]);
    expect(tags).toEqual(expect.arrayContaining(['strong', 'em', 'code', 'pre', 'blockquote', 'ul', 'ol', 'a']));
    const hrefs = await bodies.locator('a').evaluateAll((els) => els.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https?:\/\/[^"<>\s]+$/);
    const handlers = await bodies.evaluateAll((els) =>
      els.flatMap((el) =>
        [...el.querySelectorAll('*')].flatMap((e) => e.getAttributeNames().filter((n) => n.startsWith('on'))),
      ),
    );
    expect(handlers).toEqual([]);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    attacker.client.close();
    await page.context().close();
  }, 60_000);
});
