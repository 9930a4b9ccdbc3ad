import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  expectOk,
  TEST_PASSWORD,
  uniqueName,
  type TestServer,
} from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  messageTexts,
  openApp,
  openAppAndBrowser,
  sendViaUi,
  signInViaUi,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

describe('transports', () => {
  it('a browser forced to long-polling chats with one on WebSocket', async () => {
    const polly = await connectUser(server);
    const webby = await connectUser(server);
    const room = expectOk(await polly.client.request('room:create', { name: uniqueName('mixed') })).room;
    expectOk(await webby.client.joinRoom(room.id));
    polly.client.close();
    webby.client.close();

    const polling = await openApp(browser, server, { query: '?transport=polling' });
    const sockets: string[] = [];
    const polls: string[] = [];
    polling.page.on('websocket', (ws) => sockets.push(ws.url()));
    polling.page.on('request', (req) => {
      if (req.url().includes('/socket.io/') && req.url().includes('transport=polling')) polls.push(req.method());
    });
    const ws = await openApp(browser, server);
    const wsSockets: string[] = [];
    ws.page.on('websocket', (socket) => wsSockets.push(socket.url()));

    await signInViaUi(polling.page, polly.user.username, TEST_PASSWORD);
    await signInViaUi(ws.page, webby.user.username, TEST_PASSWORD);
    for (const { page } of [polling, ws]) await page.getByRole('button', { name: room.name }).click();

    await sendViaUi(polling.page, 'from long-polling');
    await until(async () => (await messageTexts(ws.page)).includes('from long-polling'), 'WebSocket side receives');
    await sendViaUi(ws.page, 'from websocket');
    await until(async () => (await messageTexts(polling.page)).includes('from websocket'), 'polling side receives');
    expect(await messageTexts(polling.page)).toEqual(['from long-polling', 'from websocket']);
    expect(await messageTexts(ws.page)).toEqual(['from long-polling', 'from websocket']);

    // The polling page really polled (GET to receive, POST to send) and never opened a WebSocket.
    expect(sockets).toEqual([]);
    expect(polls).toContain('GET');
    expect(polls).toContain('POST');
    expect(wsSockets.some((url) => url.includes('transport=websocket'))).toBe(true);
    await polling.context.close();
    await ws.context.close();
  });
});
