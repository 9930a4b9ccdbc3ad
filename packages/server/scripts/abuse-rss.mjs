// Measures a Parley server's resident memory under the abuse patterns of issue 10, each against
// a fresh server process: node packages/server/scripts/abuse-rss.mjs [path/to/dist/main.js] [seconds]
// Every attacker stops reading, as the did. A third argument runs only the patterns whose name contains it. Prints one line per pattern: RSS before, peak, after.
/* global Buffer, fetch, setTimeout, setInterval, clearInterval */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ParleyClient, register } from '@parley/sdk';

const main = process.argv[2] ?? new URL('../dist/main.js', import.meta.url).pathname;
const seconds = Number(process.argv[3] ?? 10);
const only = process.argv[4] ?? '';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function startServer() {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-abuse-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'error' };
  // The room's large messages are written fast; the patterns themselves stay at 20 events/s.
  Object.assign(env, { RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' });
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
  return {
    url,
    pid: child.pid,
    alive: () => child.exitCode === null,
    stop: () => (child.kill(), rmSync(dir, { recursive: true, force: true })),
  };
}

function maskedFrame(opcode, payload) {
  const data = Buffer.from(payload);
  const len = data.length;
  const header = Buffer.alloc(len < 126 ? 2 : len < 65_536 ? 4 : 10);
  header[0] = 0x80 | opcode;
  if (len < 126) header[1] = 0x80 | len;
  else if (len < 65_536) {
    header[1] = 0xfe;
    header.writeUInt16BE(len, 2);
  } else {
    header[1] = 0xff;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  for (let i = 0; i < len; i += 1) data[i] ^= mask[i % 4];
  return Buffer.concat([header, mask, data]);
}

/** A WebSocket that never reads after the upgrade; resolves once the 101 arrived. */
function rawWebSocket(url) {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
      `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
  );
  return new Promise((resolve) =>
    socket.once('data', () => {
      socket.pause();
      resolve(socket);
    }),
  );
}

/** Sends `frame()` on `socket` as fast as the socket takes it, for the pattern's duration. */
async function flood(socket, frame, until) {
  while (Date.now() < until && !socket.destroyed) {
    if (socket.write(frame())) continue;
    let drained;
    await Promise.race([new Promise((r) => socket.once('drain', (drained = r))), sleep(200)]);
    socket.off('drain', drained);
  }
}

async function bigRoom(url) {
  const auth = await register(url, `abuser_${randomBytes(4).toString('hex')}`, 'correct horse battery');
  const client = await ParleyClient.connect({ url, token: auth.token, transports: ['websocket'] });
  const { room } = await client.request('room:create', { name: `big_${randomBytes(3).toString('hex')}` });
  for (let i = 0; i < 500; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, j) => client.sendMessage(room.id, `${i + j} ${'x'.repeat(3980)}`)),
    );
  }
  client.close();
  return { token: auth.token, roomId: room.id };
}

const patterns = {
  'Engine.IO 2 probes, 120 KiB each': async (url, until) => {
    const probe = maskedFrame(1, `2${'p'.repeat(120 * 1024)}`);
    await Promise.all([1, 2, 3, 4].map(async () => flood(await rawWebSocket(url), () => probe, until)));
  },
  'WebSocket pings, 125 bytes': async (url, until) => {
    const ping = maskedFrame(9, 'p'.repeat(125));
    await Promise.all([1, 2, 3, 4].map(async () => flood(await rawWebSocket(url), () => ping, until)));
  },
  'room:join sinceSeq 0 at 20/s, room of 500 large messages': async (url, until, setup) => {
    const socket = await rawWebSocket(url);
    socket.write(maskedFrame(1, `40${JSON.stringify({ token: setup.token })}`));
    await sleep(500); // an event before the connect is answered would close the connection
    for (let i = 0; Date.now() < until && !socket.destroyed; i += 1) {
      socket.write(maskedFrame(1, `42${i}${JSON.stringify(['room:join', { roomId: setup.roomId, sinceSeq: 0 }])}`));
      await sleep(50);
    }
  },
  'long-polling session that never GETs, room:join at 20/s': async (url, until, setup) => {
    const base = `${url}/socket.io/?EIO=4&transport=polling`;
    const { sid } = JSON.parse((await (await fetch(base)).text()).slice(1));
    const post = (body) =>
      fetch(`${base}&sid=${sid}`, { method: 'POST', body }).then(
        (r) => r.status,
        () => 0,
      );
    await post(`40${JSON.stringify({ token: setup.token })}`);
    for (let i = 0; Date.now() < until; i += 1) {
      if ((await post(`42${i}${JSON.stringify(['room:join', { roomId: setup.roomId, sinceSeq: 0 }])}`)) !== 200) break;
      await sleep(50);
    }
  },
};

for (const [name, run] of Object.entries(patterns).filter(([name]) => name.includes(only))) {
  const server = await startServer();
  const setup = name.includes('room:join') ? await bigRoom(server.url) : undefined;
  await sleep(500);
  const before = rssMiB(server.pid);
  let peak = before;
  const sampler = setInterval(() => server.alive() && (peak = Math.max(peak, rssMiB(server.pid))), 100);
  // A pattern whose connections the server cut may leave a write waiting: the clock ends it.
  const attack = run(server.url, Date.now() + seconds * 1000, setup).catch(() => undefined);
  await Promise.race([attack, sleep(seconds * 1000 + 2000)]);
  await sleep(1000);
  clearInterval(sampler);
  const after = server.alive() ? rssMiB(server.pid) : NaN;
  console.log(
    `${name}: RSS ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB, ${after.toFixed(0)} MiB after; alive ${server.alive()}`,
  );
  server.stop();
  await sleep(300);
}
process.exit(0);
