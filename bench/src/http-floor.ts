import { Server as EngineServer, type Socket as EngineSocket } from 'engine.io';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RawHttpConnection } from './gen/raw-http.js';
import { cpuShare, pinSelf, sampleProcess, serverCore, spawnNode } from './processes.js';

/**
 * What one HTTP request and its answer cost a server on this machine, with nothing of Parley,
 * engine.io or Socket.IO in the way: the floor under a long-polling cycle (issue 17).
 *
 * `npm run bench:http-floor -w @parley/bench`: a server on the server core, answering keep-alive
 * GETs with a 400-byte body (a message's size), in three forms taken in turns, three rounds each:
 *  - raw-tcp: a TCP server that writes a prepared answer for every chunk it reads. It parses
 *    nothing (it is not an HTTP server), so it is the floor of the system calls alone: one read,
 *    one write per cycle, the same as any server that answers a poll;
 *  - node-http: Node's own HTTP server (llhttp and the request/response objects), as Parley has;
 *  - engine-io: a bare engine.io server (no Socket.IO, no Parley) on Node's HTTP server, its
 *    long-polling clients each sent one message `perSecond` times a second: a real poll cycle
 *    (the GET waits, the message ends it, the client's next GET arrives).
 * The client (this process, on the load core) keeps `connections` keep-alive connections; for the
 * first two forms it sends a GET on each of them `perSecond` times a second, the way a room's
 * messages end every poll; for engine-io it polls as engine.io-client does (gen/raw-http.ts).
 * Prints each round, then `<form>: median <µs> µs` per form.
 */

// `--tiny`: a few connections for a second, so that the test suite runs every form.
const tiny = process.argv.includes('--tiny');
const connections = tiny ? 20 : 1000;
const perSecond = 10;
const warmupMs = tiny ? 300 : 2000;
const measureMs = tiny ? 1000 : 5000;
const rounds = tiny ? 1 : 3;
const modes = ['raw-tcp', 'node-http', 'engine-io'] as const;
type Mode = (typeof modes)[number];

const body = Buffer.from(`42["message:new",${JSON.stringify({ body: 'x'.repeat(370) })}]`);

function serve(mode: Mode): Server {
  if (mode === 'engine-io') {
    const httpServer = createHttpServer();
    const engine = new EngineServer({ transports: ['polling'], httpCompression: false });
    engine.attach(httpServer);
    const sockets = new Set<EngineSocket>();
    engine.on('connection', (socket: EngineSocket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const text = body.toString();
    setInterval(() => {
      for (const socket of sockets) socket.send(text);
    }, 1000 / perSecond);
    return httpServer;
  }
  if (mode === 'node-http') {
    return createHttpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': body.length });
      res.end(body);
    });
  }
  const answer = Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n`),
    body,
  ]);
  return createTcpServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', () => socket.write(answer));
  });
}

async function measure(mode: Mode): Promise<{ usPerCycle: number; answered: number }> {
  const script = fileURLToPath(import.meta.url);
  const child = spawnNode(serverCore, [script, 'serve', mode], process.env);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  let load: Load | undefined;
  try {
    load = mode === 'engine-io' ? await pollEngine(port) : requestEvery(port);
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    const pid = child.pid ?? 0;
    const before = sampleProcess(pid);
    const answeredBefore = load.answered();
    await new Promise((resolve) => setTimeout(resolve, measureMs));
    const after = sampleProcess(pid);
    const cycles = load.answered() - answeredBefore;
    const seconds = (after.at - before.at) / 1000;
    return { usPerCycle: (cpuShare(before, after) * seconds * 1e6) / cycles, answered: cycles };
  } finally {
    // A failed form stops its clients and its server too: the next form must not share the cores.
    load?.stop();
    child.kill('SIGTERM');
  }
}

interface Load {
  answered(): number;
  stop(): void;
}

/** A GET on every connection `perSecond` times a second. */
function requestEvery(port: number): Load {
  let answered = 0;
  const sockets: Socket[] = [];
  for (let i = 0; i < connections; i += 1) {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    // One answer per chunk: the answers are small and never pipelined (one GET at a time).
    socket.on('data', () => (answered += 1));
    sockets.push(socket);
  }
  const request = Buffer.from(
    `GET /socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      'Connection: keep-alive\r\n\r\n',
  );
  const timer = setInterval(() => {
    for (const socket of sockets) socket.write(request);
  }, 1000 / perSecond);
  return {
    answered: () => answered,
    stop() {
      clearInterval(timer);
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Engine.IO v4 long-polling clients: a handshake, then one GET always pending. */
async function pollEngine(port: number): Promise<Load> {
  let answered = 0;
  let stopped = false;
  const polls: RawHttpConnection[] = [];
  const stop = () => {
    stopped = true;
    for (const poll of polls) poll.close();
  };
  try {
    for (let i = 0; i < connections; i += 1) {
      const poll = new RawHttpConnection('127.0.0.1', port);
      polls.push(poll);
      const open = await poll.request('GET', '/engine.io/?EIO=4&transport=polling');
      const { sid } = JSON.parse(open.toString('utf8', 1)) as { sid: string };
      const path = `/engine.io/?EIO=4&transport=polling&sid=${sid}`;
      void (async () => {
        while (!stopped) {
          const answer = await poll.request('GET', path).catch(() => undefined);
          if (!answer) return;
          answered += 1;
        }
      })();
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { answered: () => answered, stop };
}

async function main(): Promise<void> {
  pinSelf();
  const results = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const mode of modes) {
      const { usPerCycle, answered } = await measure(mode);
      results.get(mode)?.push(usPerCycle);
      console.log(
        `round ${round} ${mode}: ${usPerCycle.toFixed(1)} µs of server CPU per request and answer (${answered} answered)`,
      );
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  for (const [mode, values] of results) console.log(`${mode}: median ${median(values).toFixed(1)} µs`);
}

if (process.argv[2] === 'serve') {
  const mode = modes.find((name) => name === process.argv[3]);
  if (!mode) throw new Error(`no such form: ${process.argv[3]}`);
  const server = serve(mode);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
  });
} else {
  await main();
}
