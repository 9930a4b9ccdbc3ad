import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../packages/server/src/test-support/index.js';
import { callScreen, incoming, launchCallBrowser, panelOf, phaseOf, twoBuddies } from './support/calls.js';
import { coturnInstalled, startCoturn, type Coturn } from './support/coturn.js';
import { screenshot, startAppServer } from './support/harness.js';

const haveCoturn = coturnInstalled();

describe.runIf(haveCoturn)('relay-only calls through a real coturn', () => {
  let turn: Coturn;
  let server: TestServer;
  let browser: Browser;
  const frames: string[] = [];

  beforeAll(async () => {
    turn = await startCoturn(`secret-${Math.random().toString(36).slice(2)}`);
    // The server's policy is relay: clients must not use host or server-reflexive candidates.
    server = await startAppServer({
      ICE_SERVERS: JSON.stringify([{ urls: [`turn:127.0.0.1:${turn.port}?transport=udp`] }]),
      TURN_SECRET: turn.secret,
      ICE_TRANSPORT_POLICY: 'relay',
    });
    browser = await launchCallBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await turn?.stop();
  });

  it('connects with TURN credentials from TURN_SECRET, and the selected candidate pair is relay on both sides', async () => {
    const { alice, bob, bobName } = await twoBuddies(browser, server, frames);
    await panelOf(alice.page)
      .getByRole('button', { name: `Video call ${bobName}` })
      .click();
    await incoming(bob.page).getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => phaseOf(alice.page), { timeout: 30_000 }).toBe('connected');
    await expect.poll(() => phaseOf(bob.page), { timeout: 30_000 }).toBe('connected');
    await expect.poll(() => callScreen(alice.page).getAttribute('data-route'), { timeout: 15_000 }).toBe('relay');
    await expect.poll(() => callScreen(bob.page).getAttribute('data-route'), { timeout: 15_000 }).toBe('relay');
    await expect
      .poll(async () => Number(await callScreen(bob.page).getAttribute('data-frames-decoded')), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await callScreen(alice.page).textContent()).toContain('Relay-only');
    await screenshot(alice.page, 'call-relay');
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => phaseOf(bob.page)).toBe('ended');
  }, 90_000);
});
