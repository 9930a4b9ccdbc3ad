import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../packages/server/src/test-support/index.js';
import {
  CLEAR_SIGNALLING,
  callScreen,
  incoming,
  launchCallBrowser,
  panelOf,
  phaseOf,
  recordFrames,
  twoBuddies,
} from './support/calls.js';
import { screenshot, startAppServer, type AppPage } from './support/harness.js';

let server: TestServer;
let browser: Browser;
const frames: string[] = [];
let alice: AppPage;
let bob: AppPage;
let bobTab2: AppPage['page'];
let bobName: string;

beforeAll(async () => {
  // A short ringing timeout, so that "no answer" takes seconds (long enough for a loaded machine to click Accept).
  server = await startAppServer({ CALL_RING_TIMEOUT_MS: '12000' });
  browser = await launchCallBrowser();
  ({ alice, bob, bobName } = await twoBuddies(browser, server, frames));
  // Bob's second tab: same profile, same session.
  bobTab2 = await bob.context.newPage();
  recordFrames(bobTab2, frames);
  await bobTab2.goto(server.url);
  await bobTab2.getByTestId('buddy-panel').waitFor();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const statsOf = async (page: AppPage['page']) => ({
  frames: Number(await callScreen(page).getAttribute('data-frames-decoded')),
  route: await callScreen(page).getAttribute('data-route'),
});

describe('calls between buddies, in two browsers', () => {
  it('video call: every tab rings, one answers, the other stops; both connect, decode video and show the same verification; direct text; hang-up ends both', async () => {
    await panelOf(alice.page)
      .getByRole('button', { name: `Video call ${bobName}` })
      .click();
    await incoming(bob.page).waitFor();
    await incoming(bobTab2).waitFor();
    await screenshot(bob.page, 'call-incoming');
    await incoming(bob.page).getByRole('button', { name: 'Accept' }).click();
    await incoming(bobTab2).waitFor({ state: 'detached' });
    expect(await callScreen(bobTab2).count()).toBe(0);

    await expect.poll(() => phaseOf(alice.page), { timeout: 20_000 }).toBe('connected');
    await expect.poll(() => phaseOf(bob.page), { timeout: 20_000 }).toBe('connected');
    await expect.poll(async () => (await statsOf(alice.page)).frames, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await statsOf(bob.page)).frames, { timeout: 20_000 }).toBeGreaterThan(0);
    const aliceNumber = await alice.page.getByTestId('call-safety').locator('code').textContent();
    expect(aliceNumber).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await bob.page.getByTestId('call-safety').locator('code').textContent()).toBe(aliceNumber);

    // Direct chat: text over the data channel.
    await alice.page.getByLabel('Direct message').fill('hello, peer to peer');
    await alice.page.getByLabel('Direct message').press('Enter');
    await bob.page.getByTestId('direct-text').filter({ hasText: 'hello, peer to peer' }).waitFor();
    await screenshot(alice.page, 'call-video');

    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => phaseOf(bob.page)).toBe('ended');
    expect(await callScreen(bob.page).getAttribute('data-ended-reason')).toBe('peer-hangup');
    await expect.poll(() => phaseOf(alice.page)).toBe('ended');

    // Nothing either browser sent or got over the WebSocket carried SDP or a candidate in clear.
    const signals = frames.filter((f) => f.includes('call:signal'));
    expect(signals.length).toBeGreaterThan(3);
    for (const pattern of CLEAR_SIGNALLING) expect(frames.filter((f) => pattern.test(f))).toEqual([]);
  }, 120_000);

  it('direct mode: a 50 MB file crosses peer to peer, intact, with none of its bytes through the server', async () => {
    await callScreen(alice.page).waitFor({ state: 'detached' });
    await panelOf(alice.page)
      .getByRole('button', { name: `Direct chat with ${bobName}` })
      .click();
    await incoming(bob.page).filter({ hasText: 'direct chat' }).getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => phaseOf(alice.page), { timeout: 20_000 }).toBe('connected');
    await bob.page.getByTestId('direct-panel').waitFor();
    const before = frames.length;
    // A 50 MB file: streamed in chunks, compared by hash, none of it through the server.
    const bytes = randomBytes(50 * 1024 * 1024 + 123);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-direct-'));
    const file = path.join(dir, 'big.bin');
    writeFileSync(file, bytes);
    await alice.page.getByLabel('Send a file directly').setInputFiles(file);
    const received = bob.page.getByTestId('direct-file').filter({ hasText: 'big.bin' });
    await received.waitFor();
    await expect.poll(() => received.getAttribute('data-status'), { timeout: 60_000 }).toBe('complete');
    // Saved the way a user saves it (the Save link), then hashed on disk.
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      received.getByTestId('direct-download').click(),
    ]);
    const saved = await download.path();
    const savedBytes = readFileSync(saved);
    const got = { size: savedBytes.length, hash: createHash('sha256').update(savedBytes).digest('hex') };
    rmSync(dir, { recursive: true, force: true });
    expect(got).toEqual({ size: bytes.length, hash });
    const wsBytes = frames.slice(before).reduce((sum, f) => sum + f.length, 0);
    expect(wsBytes).toBeLessThan(256 * 1024);
    await expect.poll(() => alice.page.getByTestId('direct-file').getAttribute('data-status')).toBe('sent');

    await screenshot(bob.page, 'call-direct');
    await bob.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => callScreen(alice.page).getAttribute('data-ended-reason')).toBe('peer-hangup');
  }, 120_000);

  it('decline: the other tab stops ringing and the caller sees "declined"', async () => {
    await callScreen(alice.page).waitFor({ state: 'detached' });
    await panelOf(alice.page)
      .getByRole('button', { name: `Voice call ${bobName}` })
      .click();
    await incoming(bob.page).waitFor();
    await incoming(bobTab2).waitFor();
    await incoming(bobTab2).getByRole('button', { name: 'Decline' }).click();
    await incoming(bob.page).waitFor({ state: 'detached' });
    await expect.poll(() => callScreen(alice.page).getAttribute('data-ended-reason')).toBe('declined');
  }, 40_000);

  it('no answer: after the ringing timeout the caller sees "no answer" and the callee "missed"', async () => {
    await callScreen(alice.page).waitFor({ state: 'detached' });
    await panelOf(alice.page)
      .getByRole('button', { name: `Voice call ${bobName}` })
      .click();
    await incoming(bob.page).waitFor();
    await expect
      .poll(() => callScreen(alice.page).getAttribute('data-ended-reason'), { timeout: 30_000 })
      .toBe('no-answer');
    await incoming(bob.page).waitFor({ state: 'detached' });
    await incoming(bobTab2).waitFor({ state: 'detached' });
    await bob.page.getByTestId('call-notice').filter({ hasText: 'Missed call from' }).waitFor();
  }, 40_000);
});
