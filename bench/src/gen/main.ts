import { randomUUID } from 'node:crypto';
import type {
  ClientPlan,
  Command,
  ConnectResult,
  LoadResult,
  PostResult,
  ReconnectResult,
  Reply,
  RoomSeqs,
  SenderPlan,
  TargetKind,
} from './commands.js';
import { createCounters, nowUs, percentiles, resetCounters, stampedBody } from './counters.js';
import { connectParleyPolling } from './polling-client.js';
import { connectParleyWs, connectRelay, type ClientOptions, type LoadClient } from './wire-client.js';

/**
 * A load-generator process: started pinned to its own core, it holds the clients of one target
 * server and runs the orchestrator's commands one at a time, reporting window marks so that the
 * orchestrator samples the server's CPU and memory at the same instants.
 */
const [kind, baseUrl] = process.argv.slice(2) as [TargetKind, string];
const counters = createCounters();
let receivers: LoadClient[] = [];
let senders: LoadClient[] = [];

const reply = (message: Reply) => process.send?.(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connects the plan's clients, `concurrency` handshakes at a time, between the marks 'start' and
 * 'end' (the last connection, and `then` for each); then waits `settleMs`.
 */
async function connect(
  plan: ClientPlan,
  settleMs: number,
  then?: (client: LoadClient, room: number, roomId: string) => Promise<void>,
): Promise<ConnectResult> {
  const total = plan.rooms.length;
  const pollEvery = plan.pollingFraction > 0 ? Math.round(1 / plan.pollingFraction) : 0;
  const already = receivers.length;
  let next = 0;
  let failed = 0;
  let last = 0;
  reply({ type: 'mark', name: 'start' });
  const start = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const options: ClientOptions = {
        counters,
        counts: true,
        probe: plan.probeEvery > 0 && i % plan.probeEvery === 0,
        messageBytes: plan.messageBytes,
      };
      const room = plan.rooms[i] ?? 0;
      const roomId = plan.roomIds[room] ?? String(room);
      const token = plan.tokens[i % Math.max(1, plan.tokens.length)] ?? '';
      try {
        const client =
          kind === 'relay'
            ? await connectRelay(baseUrl, room, options)
            : pollEvery > 0 && i % pollEvery === pollEvery - 1
              ? await connectParleyPolling(baseUrl, token, roomId, options)
              : await connectParleyWs(baseUrl, token, roomId, options);
        receivers.push(client);
        await then?.(client, room, roomId);
        last = performance.now();
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, total) }, worker));
  reply({ type: 'mark', name: 'end' });
  const lastMs = last - start;
  await sleep(settleMs);
  const connected = receivers.length - already;
  return { connected, failed, lastMs, connectionsPerSec: connected / (lastMs / 1000) };
}

/** The seq of a `message:send` ack (`[{"ok":true,"message":{…}}]`), or undefined for a refusal. */
function ackedSeq(ack: string): number | undefined {
  const [result] = JSON.parse(ack) as [{ ok: boolean; message?: { seq: number } }];
  return result.ok ? result.message?.seq : undefined;
}

/** Connects the plan's clients (one per room) and has each post in its room, as 'post' says. */
async function post(plan: ClientPlan, missed: number): Promise<PostResult> {
  let acked = 0;
  let failed = 0;
  const seqs: RoomSeqs[] = plan.roomIds.map(() => ({ sinceSeq: NaN, lastSeq: NaN }));
  const postIn = async (client: LoadClient, room: number, roomId: string) => {
    const send = async () => {
      const body = { roomId, clientMsgId: randomUUID(), body: stampedBody() };
      const seq = ackedSeq((await client.request?.('message:send', body)) ?? '[{"ok":false}]');
      if (seq === undefined) failed += 1;
      else acked += 1;
      return seq ?? NaN;
    };
    const sinceSeq = await send();
    let lastSeq = sinceSeq;
    for (let n = 0; n < missed; n += 1) lastSeq = await send();
    seqs[room] = { sinceSeq, lastSeq };
  };
  await connect(plan, 0, postIn);
  return { seqs, acked, failed };
}

interface JoinAnswer {
  ok: boolean;
  messages?: { seq: number }[];
  hasMore?: boolean;
}

/** A storm of (re)connections; with `rejoin`, each client re-joins its room and checks its catch-up. */
async function reconnect(plan: ClientPlan, rejoin: boolean, settleMs: number): Promise<ReconnectResult> {
  const tally = { caughtUp: 0, missedExpected: 0, missedReceived: 0, joinErrors: 0 };
  const rejoinRoom = async (client: LoadClient, room: number, roomId: string) => {
    const seen = plan.catchUp?.[room];
    if (!seen || !client.request) throw new Error(`room ${room} has no posted messages to catch up on`);
    const expected = seen.lastSeq - seen.sinceSeq;
    tally.missedExpected += expected;
    let answer: JoinAnswer;
    try {
      [answer] = JSON.parse(await client.request('room:join', { roomId, sinceSeq: seen.sinceSeq })) as [JoinAnswer];
    } catch {
      tally.joinErrors += 1;
      return;
    }
    if (!answer.ok) {
      tally.joinErrors += 1;
      return;
    }
    const seqs = (answer.messages ?? []).map((m) => m.seq);
    tally.missedReceived += seqs.length;
    const gapFree = seqs.every((seq, i) => seq === seen.sinceSeq + 1 + i);
    if (gapFree && seqs.length === expected && !answer.hasMore) tally.caughtUp += 1;
  };
  const result = await connect(plan, settleMs, rejoin ? rejoinRoom : undefined);
  return { ...result, ...tally };
}

/**
 * The fan-out senders: the same raw clients as the receivers, on both kinds of target. With the
 * SDK as Parley's senders (until issue 17's eighth round), Parley's server got ~22 messages per
 * frame at saturation against ~26 with these (alternating runs), while the relays' raw senders
 * gave theirs ~31: how a sender's client paces its next sends set the batching depth measured
 * as the server's. The SDK is still what the set-up and the message-size probe use.
 */
async function connectSenders(plan: SenderPlan): Promise<void> {
  const quiet: ClientOptions = { counters, counts: false, probe: false, messageBytes: plan.messageBytes };
  for (const token of plan.tokens) {
    senders.push(
      kind === 'relay'
        ? await connectRelay(baseUrl, Number(plan.roomId), quiet)
        : await connectParleyWs(baseUrl, token, plan.roomId, quiet),
    );
  }
}

/** Runs `load` through a warm-up, then measures one window between two marks. */
async function measure(warmupMs: number, durationMs: number, load: (running: () => boolean) => Promise<unknown>) {
  let running = true;
  let sent = 0;
  const done = load(() => running).then((n) => (sent = Number(n)));
  await sleep(warmupMs);
  resetCounters(counters);
  counters.sinceUs = nowUs();
  counters.recording = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  reply({ type: 'mark', name: 'start' });
  await sleep(durationMs);
  reply({ type: 'mark', name: 'end' });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const result: LoadResult = {
    seconds,
    sent: 0,
    acked: counters.acked,
    deliveries: counters.deliveries,
    frames: counters.frames,
    latency: percentiles(counters.latency),
    generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
  counters.recording = false;
  running = false;
  // Let what is in flight land (bounded), so that the next window starts clean.
  await Promise.race([done, sleep(5000)]);
  result.sent = sent;
  return result;
}

function saturate(window: number, running: () => boolean): Promise<number> {
  let sent = 0;
  const loop = async (sender: (typeof senders)[number]) => {
    while (running()) {
      await sender.send(stampedBody());
      sent += 1;
      counters.acked += 1;
    }
  };
  const loops = senders.flatMap((sender) => Array.from({ length: window }, () => loop(sender)));
  return Promise.all(loops).then(() => sent);
}

async function fixedRate(perSec: number, running: () => boolean): Promise<number> {
  let sent = 0;
  let inFlight = 0;
  const start = performance.now();
  while (running()) {
    const due = Math.floor(((performance.now() - start) / 1000) * perSec);
    // An overloaded target must not make the generator queue without bound.
    for (; sent < due && inFlight < 10_000; sent += 1) {
      const sender = senders[sent % senders.length];
      if (!sender) break;
      inFlight += 1;
      void sender.send(stampedBody()).then(() => {
        inFlight -= 1;
        counters.acked += 1;
      });
    }
    await sleep(1);
  }
  return sent;
}

function everyone(running: () => boolean): Promise<number> {
  let sent = 0;
  const loop = async (client: LoadClient) => {
    while (running()) {
      const t0 = nowUs();
      await client.send(stampedBody());
      sent += 1;
      if (counters.recording) {
        counters.acked += 1;
        counters.latency.recordValue(Math.max(1, nowUs() - t0));
      }
    }
  };
  return Promise.all(receivers.map(loop)).then(() => sent);
}

async function run(command: Command): Promise<ConnectResult | LoadResult | PostResult | Record<string, never>> {
  switch (command.cmd) {
    case 'connect':
      return connect(command.plan, command.settleMs);
    case 'post':
      return post(command.plan, command.missed);
    case 'reconnect':
      return reconnect(command.plan, command.rejoin, command.settleMs);
    case 'senders':
      await connectSenders(command.plan);
      return {};
    case 'saturate':
      return measure(command.warmupMs, command.durationMs, (running) => saturate(command.window, running));
    case 'rate':
      return measure(command.warmupMs, command.durationMs, (running) => fixedRate(command.perSec, running));
    case 'everyone':
      // Only ack latency is recorded here: connect these clients with probeEvery 0.
      return measure(command.warmupMs, command.durationMs, everyone);
    case 'ready':
      return {};
    case 'close':
      for (const client of [...receivers, ...senders]) client.close();
      receivers = [];
      senders = [];
      return {};
  }
}

process.on('message', (command: Command) => {
  run(command).then(
    (result) => reply({ type: 'done', result }),
    (error: unknown) => reply({ type: 'error', message: String(error) }),
  );
});
