import type { Actor } from './actors.js';
import {
  computeFigures,
  describeWrongPresence,
  dmsWithoutStatus,
  markNow,
  wrongPresenceViews,
  type Figures,
} from './checks.js';
import type { Fault, World } from './faults.js';
import { progress, sleep, waitUntil } from './services.js';

export interface PhaseTiming {
  /** Traffic before the fault. */
  warmMs: number;
  /** Traffic after the fault is over, before new sends stop. */
  tailMs: number;
  /** Presence must be right this long after the fault is over. */
  presenceBoundMs: number;
  /** How long everyone has to reconnect, and every acknowledged message to reach every member. */
  settleMs: number;
  messageEveryMs: number;
  dmEveryMs: number;
}

/** How long presence must stay right to count as settled rather than passing by. */
const STABLE_MS = 1000;

/** Sends room messages and private messages until `stop.sending` (retries until `stop.retrying`). */
function startTraffic(world: World, roomId: string, timing: PhaseTiming) {
  const stop = { sending: false, retrying: false };
  const keepTrying = () => !stop.retrying;
  const away = (a: Actor) => !a.reconnects && !a.connected;
  const loop = async (every: number, step: () => Promise<void>) => {
    // Bounded by time (the phase sets stop) and, as a backstop, by count.
    for (let i = 0; i < 10_000 && !stop.sending; i += 1) {
      await step();
      await sleep(every);
    }
  };
  const { actors } = world;
  const done = Promise.all(
    actors.flatMap((actor, i) => [
      loop(timing.messageEveryMs, () => (away(actor) ? Promise.resolve() : actor.sendOne(roomId, keepTrying))),
      loop(timing.dmEveryMs, () => {
        const buddy = actors[(i + 1) % actors.length];
        return away(actor) || !buddy ? Promise.resolve() : actor.sendDm(buddy.user.username, keepTrying);
      }),
    ]),
  );
  return { stop, done };
}

/** Polls presence after the fault until it is right and stays right, or the bound runs out. */
async function measurePresence(actors: Actor[], boundMs: number): Promise<{ seconds?: number; wrong: number }> {
  const start = Date.now();
  let rightSince: number | undefined;
  let wrong = 0;
  let lastWrong: string[] = [];
  while (Date.now() - start < boundMs + STABLE_MS) {
    const fresh = await Promise.all(actors.map((a) => (a.connected ? a.freshBuddyView() : Promise.resolve(undefined))));
    wrong = wrongPresenceViews(actors, fresh);
    lastWrong = describeWrongPresence(actors, fresh);
    if (wrong > 0) rightSince = undefined;
    else rightSince ??= Date.now();
    if (rightSince !== undefined && Date.now() - rightSince >= STABLE_MS) {
      const seconds = (rightSince - start) / 1000;
      return seconds <= boundMs / 1000 ? { seconds, wrong: 0 } : { wrong: 1 };
    }
    await sleep(250);
  }
  for (const line of lastWrong) progress(`presence wrong: ${line}`);
  return { wrong: Math.max(wrong, 1) };
}

/** Runs traffic, injects one fault, waits for the system to settle and computes its figures. */
export async function runPhase(world: World, roomId: string, fault: Fault, timing: PhaseTiming): Promise<Figures> {
  const { actors, cluster } = world;
  const started = Date.now();
  const marks = markNow(actors, cluster.exits);
  // Each fault starts from a whole system: crashed instances and clients that gave up come back.
  await cluster.revive();
  for (const actor of actors) actor.reload();
  await waitUntil(() => actors.every((a) => a.connected), timing.settleMs);
  const firstSeq = (await world.database.messagesAfter(roomId, 0)).at(-1)?.seq ?? 0;
  const traffic = startTraffic(world, roomId, timing);
  await sleep(timing.warmMs);
  await fault.inject(world);
  progress('fault over; measuring presence');
  const tail = sleep(timing.tailMs).then(() => (traffic.stop.sending = true));
  const presence = await measurePresence(actors, timing.presenceBoundMs);
  await tail;
  progress(`presence ${presence.seconds === undefined ? 'never right' : `right after ${presence.seconds} s`}`);
  for (const actor of actors) actor.comeBack();
  const retryDeadline = sleep(timing.settleMs).then(() => (traffic.stop.retrying = true));
  await Promise.race([traffic.done, retryDeadline]);
  traffic.stop.retrying = true;
  await traffic.done;
  await waitUntil(() => {
    const acked = new Set(actors.flatMap((a) => a.sends.filter((s) => s.seq !== undefined).map((s) => s.clientMsgId)));
    return actors.every((a) => a.connected && a.received.filter((m) => acked.has(m.clientMsgId)).length >= acked.size);
  }, timing.settleMs);
  // Every private message the server took must end with a status for its sender (issue 13).
  await waitUntil(
    () => actors.every((a, i) => dmsWithoutStatus(a.dms.slice(marks.dms[i])).length === 0),
    timing.settleMs,
  );
  await Promise.all(world.restarts.splice(0));
  progress('settled; checking');
  describeDmsWithoutStatus(actors, marks.dms);
  const history = await world.database.messagesAfter(roomId, firstSeq);
  return computeFigures({
    fault: fault.name,
    ...(fault.forgetsPrivateMessages ? { forgetsPrivateMessages: true } : {}),
    marks,
    actors,
    history,
    firstSeq,
    exits: cluster.exits,
    presenceSeconds: presence.seconds,
    presenceWrong: presence.wrong,
    seconds: (Date.now() - started) / 1000,
  });
}

/** Why a private message has no status: did its recipient get it, and did their ack fail? */
function describeDmsWithoutStatus(actors: Actor[], dmMarks: number[]): void {
  const byName = new Map(actors.map((a) => [a.user.username, a]));
  for (const [i, actor] of actors.entries()) {
    for (const dm of dmsWithoutStatus(actor.dms.slice(dmMarks[i]))) {
      const recipient = byName.get(dm.to);
      const received = dm.id === undefined ? 0 : (recipient?.dmsReceived.get(dm.id) ?? 0);
      const ack = dm.id === undefined ? undefined : recipient?.acksFailed.get(dm.id);
      progress(
        `dm without status: ${dm.id} received ${received}x, ack ${ack ?? 'ok or none'}, sender connected ${actor.connected}`,
      );
    }
  }
}
