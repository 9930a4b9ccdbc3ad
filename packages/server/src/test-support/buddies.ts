import type { PresenceStatus, ServerEventPayloads } from '@parley/protocol';
import { connectUser, eventually, expectOk, type TestUser } from './clients.js';
import type { TestServer } from './server.js';

export interface WatchingBuddy {
  /** Connected to the first server; watches bob. */
  alice: TestUser;
  /** Connected to the other URL (another instance on the same data). */
  bob: TestUser;
  /** Every `presence` event alice received, in order. */
  aliceSaw: ServerEventPayloads['presence'][];
  /** Bob's status as alice's `buddy:list` answers it now. */
  bobInAlicesList: () => Promise<PresenceStatus | undefined>;
}

/** Alice on `server` and bob on `bobUrl` become buddies; resolves once alice saw bob online. */
export async function buddiesOnTwoInstances(server: TestServer, bobUrl: string): Promise<WatchingBuddy> {
  const alice = await connectUser(server);
  const bob = await connectUser({ ...server, url: bobUrl });
  const aliceSaw: ServerEventPayloads['presence'][] = [];
  alice.client.on('presence', (p) => aliceSaw.push(p));
  expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
  expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));
  await eventually(() => (aliceSaw.some((p) => p.status === 'online') ? true : undefined));
  return {
    alice,
    bob,
    aliceSaw,
    async bobInAlicesList() {
      const { buddies } = expectOk(await alice.client.request('buddy:list', {}));
      return buddies.find((b) => b.user.id === bob.user.id)?.status;
    },
  };
}
