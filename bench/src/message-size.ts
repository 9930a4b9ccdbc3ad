import { ParleyClient } from '@parley/sdk';
import type { BenchContext } from './context.js';
import { stampedBody } from './gen/counters.js';
import { createRoom, registerUsers } from './parley-setup.js';
import type { Target } from './processes.js';

/**
 * Issue 17's fair baseline: how many bytes of JSON one Parley message weighs in `message:new`,
 * with the body and the kind of username the load uses. Measured once per run, on the first
 * Parley server a scenario starts (a user and a room of its own), before any relay sends; the
 * relays' messages are then padded to the same size.
 */
export async function ensureMessageBytes(ctx: BenchContext, parley: Target): Promise<void> {
  if (ctx.messageBytes !== undefined) return;
  const [user] = await registerUsers(parley.url, 1);
  if (!user) throw new Error('no probe user');
  const roomId = await createRoom(parley.url, user.token, 'message-size', 10);
  const client = await ParleyClient.connect({ url: parley.url, token: user.token, transports: ['websocket'] });
  try {
    const delivered = new Promise<unknown>((resolve) => client.onMessages((_, messages) => resolve(messages[0])));
    const sent = await client.sendMessage(roomId, stampedBody());
    if (!sent.ok) throw new Error(`message:send: ${sent.error.code}`);
    const message = await Promise.race([delivered, new Promise((resolve) => setTimeout(resolve, 3000))]);
    ctx.messageBytes = Buffer.byteLength(JSON.stringify(message ?? sent.message));
    ctx.log(`a Parley message weighs ${ctx.messageBytes} bytes of JSON; the relays' messages are padded to it`);
  } finally {
    client.close();
  }
}
