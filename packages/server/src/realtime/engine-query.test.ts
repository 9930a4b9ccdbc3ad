import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { describe, expect, it } from 'vitest';
import {
  readPlainQuery,
  routePlainEngineRequests,
  type EngineQueryRequest,
  type EngineRequestHandler,
} from './engine-query.js';

const PREFIX = '/socket.io/?';

/** What engine.io builds itself (server.ts `prepare`). */
function engineQuery(target: string): Record<string, string> {
  return Object.fromEntries(new URL(target, 'https://socket.io').searchParams.entries());
}

/** A small deterministic generator, so that a failure replays. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('readPlainQuery', () => {
  it('reads what engine.io-client sends, as engine.io would', () => {
    const target = '/socket.io/?EIO=4&transport=polling&t=PQx3a-b&sid=Ab_c-D0123456789xyzQ';
    expect(readPlainQuery(target, PREFIX)).toEqual(engineQuery(target));
    expect(readPlainQuery(target, PREFIX)).toEqual({
      EIO: '4',
      transport: 'polling',
      t: 'PQx3a-b',
      sid: 'Ab_c-D0123456789xyzQ',
    });
  });

  it('reads empty pairs, bare names, repeated names and `=` in values as URLSearchParams does', () => {
    for (const query of ['', '&&', 'a', 'a=', '=b', 'a=1&a=2', 'a==b=c', '&a=1&&b&', 'constructor=x&toString=y']) {
      const target = `${PREFIX}${query}`;
      expect(readPlainQuery(target, PREFIX), query).toEqual(engineQuery(target));
    }
  });

  it('leaves to engine.io every target it cannot read without decoding', () => {
    for (const target of [
      '/socket.io/?sid=a%2Fb',
      '/socket.io/?a=b+c',
      '/socket.io/?a=b#c',
      '/socket.io/?a=b c',
      '/socket.io/?a=\u00e9',
      '/socket.io/?a=b?c',
      '/socket.io/?__proto__=x',
      '/socket.io/?EIO=4&__proto__',
      '/socket.io?EIO=4',
      '/socket.io/socket.io.js',
      '/api/health?EIO=4',
    ]) {
      expect(readPlainQuery(target, PREFIX), target).toBeUndefined();
    }
  });

  it('agrees with engine.io on every random target it reads (and reads most plain ones)', () => {
    const random = prng(17);
    const alphabet = 'aZ09-._~=&=&%+#?/ \t\u00e9_';
    let read = 0;
    for (let i = 0; i < 20_000; i++) {
      const length = Math.floor(random() * 24);
      let query = '';
      for (let j = 0; j < length; j++) query += alphabet[Math.floor(random() * alphabet.length)];
      const target = `${PREFIX}${query}`;
      const fast = readPlainQuery(target, PREFIX);
      if (fast === undefined) continue;
      read += 1;
      expect(fast, JSON.stringify(target)).toEqual(engineQuery(target));
      expect(Object.getPrototypeOf(fast)).toBe(Object.prototype);
    }
    expect(read).toBeGreaterThan(500);
  });
});

describe('routePlainEngineRequests', () => {
  async function serve(): Promise<{
    url: string;
    io: Server;
    seen: (Record<string, string> | undefined)[];
    passedOn: (string | undefined)[];
  }> {
    const httpServer = createServer((_req, res) => res.writeHead(404).end());
    const io = new Server(httpServer, { transports: ['polling'] });
    // What engine.io finds on the request when it comes to parse the query itself.
    const seen: (Record<string, string> | undefined)[] = [];
    const engine = io.engine as unknown as EngineRequestHandler & { prepare(req: EngineQueryRequest): void };
    const prepare = engine.prepare.bind(engine);
    engine.prepare = (req) => {
      seen.push(req._query);
      prepare(req);
    };
    // The targets that take the usual way, through the listeners already there (Socket.IO's first).
    const passedOn: (string | undefined)[] = [];
    httpServer.prependListener('request', (req) => passedOn.push(req.url));
    routePlainEngineRequests(httpServer, engine, io.path());
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const { port } = httpServer.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, io, seen, passedOn };
  }

  it('hands engine.io the query of a plain long-polling request, and a session runs on it', async () => {
    const { url, io, seen, passedOn } = await serve();
    try {
      const open = await fetch(`${url}/socket.io/?EIO=4&transport=polling&t=abc`);
      expect(open.status).toBe(200);
      const { sid } = JSON.parse((await open.text()).slice(1)) as { sid: string };
      const connect = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: 'POST',
        body: '40',
      });
      expect(await connect.text()).toBe('ok');
      const poll = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
      expect(await poll.text()).toMatch(/^40\{"sid":"/);
      expect(seen).toEqual([
        { EIO: '4', transport: 'polling', t: 'abc' },
        { EIO: '4', transport: 'polling', sid },
        { EIO: '4', transport: 'polling', sid },
      ]);
      expect(passedOn).toEqual([]);
    } finally {
      await io.close();
    }
  });

  it('leaves a query that needs decoding, or a wrong sid, to engine.io, which answers as before', async () => {
    const { url, io, seen, passedOn } = await serve();
    try {
      const open = await fetch(`${url}/socket.io/?EIO=4&transport=polling&t=a%62c`);
      expect(open.status).toBe(200);
      const unknownSid = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=made-up`);
      expect(unknownSid.status).toBe(400);
      expect(await unknownSid.json()).toEqual({ code: 1, message: 'Session ID unknown' });
      const notOurs = await fetch(`${url}/other?EIO=4`);
      expect(notOurs.status).toBe(404);
      // Socket.IO still serves its client file under its path.
      const clientFile = await fetch(`${url}/socket.io/socket.io.min.js`);
      expect(clientFile.status).toBe(200);
      expect(clientFile.headers.get('content-type')).toMatch(/javascript/);
      expect(seen).toEqual([undefined, { EIO: '4', transport: 'polling', sid: 'made-up' }]);
      expect(passedOn).toEqual([
        '/socket.io/?EIO=4&transport=polling&t=a%62c',
        '/other?EIO=4',
        '/socket.io/socket.io.min.js',
      ]);
    } finally {
      await io.close();
    }
  });
});
