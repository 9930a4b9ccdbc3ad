import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ParleyClient } from '@parley/sdk';
import { connectUser, startTestServer, type TestServer } from '../test-support/index.js';

function connectError(url: string, options: Parameters<typeof io>[1]): Promise<{ message: string; data?: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { ...options, reconnection: false, forceNew: true });
    socket.on('connect', () => {
      socket.close();
      reject(new Error('connected, but should have been refused'));
    });
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      socket.close();
      resolve({ message: error.message, data: error.data });
    });
  });
}

/** Connects a raw socket.io client and resolves once the server accepted it. */
async function accepted(url: string, options: Parameters<typeof io>[1]): Promise<void> {
  const socket = io(url, { ...options, reconnection: false, forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
  } finally {
    socket.close();
  }
}

describe('the realtime handshake', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { MAX_CONNECTIONS_PER_USER: '2', ALLOWED_ORIGINS: 'https://chat.example.org' },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a socket without a session with connect_error UNAUTHORIZED, on both transports', async () => {
    for (const transport of ['websocket', 'polling'] as const) {
      expect(await connectError(server.url, { transports: [transport] })).toMatchObject({ message: 'UNAUTHORIZED' });
      expect(await connectError(server.url, { transports: [transport], auth: { token: 'forged' } })).toMatchObject({
        message: 'UNAUTHORIZED',
      });
    }
  });

  it('accepts the session cookie as well as auth.token', async () => {
    const { token } = await connectUser(server);
    await accepted(server.url, {
      transports: ['polling'],
      extraHeaders: { cookie: `parley_session=${token}` },
    });
  });

  it('refuses a browser Origin that is neither this server nor an allowed origin', async () => {
    const { token, client } = await connectUser(server);
    const foreign = await connectError(server.url, {
      transports: ['polling'],
      auth: { token },
      extraHeaders: { origin: 'https://evil.example.com' },
    });
    expect(foreign.message).not.toBe('');
    const allowed = await ParleyClient.connect({ url: server.url, token, transports: ['polling'] });
    allowed.close();
    await accepted(server.url, {
      transports: ['polling'],
      auth: { token },
      extraHeaders: { origin: server.url },
    });
    await accepted(server.url, {
      transports: ['polling'],
      auth: { token },
      extraHeaders: { origin: 'https://chat.example.org' },
    });
    client.close();
  });

  it('caps connections per user with RATE_LIMITED', async () => {
    const first = await connectUser(server);
    const second = await ParleyClient.connect({ url: server.url, token: first.token });
    const refused = await connectError(server.url, { transports: ['websocket'], auth: { token: first.token } });
    expect(refused).toMatchObject({ message: 'RATE_LIMITED' });
    second.close();
    // A slot frees when a connection closes.
    await new Promise((r) => setTimeout(r, 100));
    const third = await ParleyClient.connect({ url: server.url, token: first.token });
    third.close();
    first.client.close();
  });
});
