import type { Browser, Page } from 'playwright-core';
import { uniqueName, type TestServer } from '../../packages/server/src/test-support/index.js';
import { launchBrowser, openApp, registerViaUi, type AppPage } from './harness.js';

/** A fake camera and microphone, granted without a prompt, and peers allowed on 127.0.0.1. */
export const MEDIA_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export const launchCallBrowser = (): Promise<Browser> => launchBrowser(MEDIA_ARGS);

/** Every WebSocket frame a page sends or receives, as text (binary frames as their byte length). */
export function recordFrames(page: Page, into: string[]): void {
  page.on('websocket', (ws) => {
    const keep = ({ payload }: { payload: string | Buffer }) =>
      into.push(typeof payload === 'string' ? payload : `<binary ${payload.length}>`);
    ws.on('framesent', keep);
    ws.on('framereceived', keep);
  });
}

/** What SDP and ICE look like in clear: none of it may cross the server. */
export const CLEAR_SIGNALLING = [
  /v=0\\r\\n/,
  /a=candidate/,
  /candidate:\d/,
  /a=fingerprint/,
  /"sdp"\s*:/,
  /a=ice-ufrag/,
];

export const panelOf = (page: Page) => page.getByTestId('buddy-panel');
export const callScreen = (page: Page) => page.getByTestId('call-screen');
export const incoming = (page: Page) => page.getByTestId('incoming-call');

/** Two users, registered and buddies, through the UI; each on their own browser profile. */
export async function twoBuddies(
  browser: Browser,
  server: TestServer,
  frames: string[],
): Promise<{ alice: AppPage; bob: AppPage; aliceName: string; bobName: string }> {
  const alice = await openApp(browser, server);
  const bob = await openApp(browser, server);
  recordFrames(alice.page, frames);
  recordFrames(bob.page, frames);
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  await registerViaUi(alice.page, aliceName);
  await registerViaUi(bob.page, bobName);
  await alice.page.getByLabel('Add a buddy by username').fill(bobName);
  await panelOf(alice.page).getByRole('button', { name: 'Add', exact: true }).click();
  const requests = bob.page.getByRole('list', { name: 'Buddy requests' });
  await requests.getByRole('button', { name: /^Accept/ }).click();
  await panelOf(alice.page)
    .getByRole('button', { name: `Video call ${bobName}` })
    .waitFor();
  return { alice, bob, aliceName, bobName };
}

export async function phaseOf(page: Page): Promise<string | null> {
  const screen = callScreen(page);
  return (await screen.count()) === 0 ? null : screen.getAttribute('data-phase');
}
