import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, TEST_PASSWORD, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  messageTexts,
  openApp,
  screenshot,
  sendViaUi,
  signInViaUi,
  openAppAndBrowser,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;
let me: Awaited<ReturnType<typeof connectUser>>;
let roomName: string;

/** A room with a short conversation, so that every screenshot shows a real screen. */
beforeAll(async () => {
  ({ server, browser } = await openAppAndBrowser());
  // Plain names: this file's server is fresh, and its screenshots go into the docs.
  me = await connectUser(server, { username: 'maya' });
  const friend = await connectUser(server, { username: 'leo' });
  roomName = 'design';
  const room = expectOk(
    await me.client.request('room:create', { name: roomName, topic: 'Mockups, reviews and the launch plan' }),
  ).room;
  expectOk(await me.client.request('room:create', { name: 'random', topic: 'Off-topic' }));
  expectOk(await friend.client.joinRoom(room.id));
  const lines: [typeof me, string][] = [
    [friend, 'Morning! The new sign-in screen is up for review.'],
    [friend, 'Mockups: https://example.com/parley/mockups'],
    [me, 'Looks great. Two notes: the error text could be larger,'],
    [me, 'and the phone layout needs a bigger tap target for the menu.'],
    [friend, 'Agreed on both. Fixing now and shipping before lunch.'],
  ];
  for (const [who, body] of lines) expectOk(await who.client.sendMessage(room.id, body));
  friend.client.close();
});

afterAll(async () => {
  me?.client.close();
  await closeAppAndBrowser(server, browser);
});

async function signedIn(width: number, height: number, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const { page } = await openApp(browser, server, { width, height, colorScheme });
  await signInViaUi(page, me.user.username, TEST_PASSWORD);
  await page.locator('#composer-input').waitFor();
  return page;
}

/** Nothing sticks out sideways: no horizontal scrolling, every visible control inside the window. */
async function assertFits(page: Page, width: number): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `horizontal overflow at ${width}px`).toBeLessThanOrEqual(0);
  for (const locator of [page.locator('#composer-input'), page.getByRole('button', { name: 'Send' })]) {
    const box = await locator.boundingBox();
    expect(box, `visible at ${width}px`).not.toBeNull();
    if (box) expect(box.x + box.width).toBeLessThanOrEqual(width);
  }
}

describe('layout', () => {
  it('is usable on a 360 px phone: room drawer, chat, members drawer', async () => {
    const page = await signedIn(360, 740);
    await assertFits(page, 360);
    const rooms = page.getByRole('navigation', { name: 'Rooms' });
    expect(await rooms.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Open rooms' }).click();
    await rooms.getByRole('button', { name: roomName }).waitFor({ state: 'visible' });
    await until(async () => (await rooms.boundingBox())?.x === 0, 'the room drawer slid in');
    await screenshot(page, 'phone-rooms');
    // Keyboard: focus moved into the drawer, and Escape closes it.
    expect(await rooms.evaluate((nav) => nav.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await until(async () => !(await rooms.isVisible()), 'Escape closes the drawer');
    await page.getByRole('button', { name: 'Open rooms' }).click();
    await rooms.getByRole('button', { name: roomName }).click();
    await until(async () => !(await rooms.isVisible()), 'the drawer closes after choosing a room');

    await sendViaUi(page, 'Typed on a phone');
    await until(async () => (await messageTexts(page, 'sent')).includes('Typed on a phone'), 'sent from the phone');
    await assertFits(page, 360);
    await screenshot(page, 'phone');

    await page.getByRole('button', { name: /members/ }).click();
    const members = page.locator('#member-panel');
    await members.getByText(me.user.username).waitFor({ state: 'visible' });
    await until(async () => {
      const box = await members.boundingBox(); // after the slide-in transition
      return box !== null && box.x >= 0 && box.x + box.width <= 360;
    }, 'the members drawer lies inside the screen');
    await screenshot(page, 'phone-members');
    await page.getByRole('button', { name: 'Close members' }).click();
    await page.context().close();
  });

  it('does not break from 360 to 1920 px wide', async () => {
    for (const [width, height] of [
      [360, 640],
      [414, 896],
      [768, 1024],
      [1024, 768],
      [1440, 900],
      [1920, 1080],
    ] as const) {
      const page = await signedIn(width, height);
      await assertFits(page, width);
      // The room list is on screen from 768 px on; the member list from 1100 px on.
      expect(await page.getByRole('navigation', { name: 'Rooms' }).isVisible()).toBe(width >= 768);
      expect(await page.locator('#member-panel').isVisible()).toBe(width >= 1100);
      if (width === 1920) await screenshot(page, 'wide-1920');
      await page.context().close();
    }
  }, 60_000);

  it('follows the system dark theme, with a visible keyboard focus', async () => {
    const page = await signedIn(1280, 800, 'dark');
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const [r = 255, g = 255, b = 255] = (background.match(/\d+/g) ?? []).map(Number);
    expect(r + g + b, `dark background, got ${background}`).toBeLessThan(150);
    await screenshot(page, 'dark');

    // Tab onto a control: it shows a focus outline.
    await page.getByRole('button', { name: 'Browse rooms' }).focus();
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? getComputedStyle(el).outlineStyle : 'none';
    });
    expect(outline).toBe('solid');
    await page.context().close();

    const light = await signedIn(1280, 800, 'light');
    const lightBg = await light.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(lightBg).toBe('rgb(255, 255, 255)');
    await screenshot(light, 'desktop');
    await light.context().close();
  });
});
