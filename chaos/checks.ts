import type { PresenceStatus } from '@parley/protocol';
import type { Actor, DmRecord } from './actors.js';
import type { ExitRecord } from './cluster.js';
import type { StoredMessage } from './services.js';

/** Where each actor's records stood when a fault's phase began: its figures count what came after. */
export interface Marks {
  sends: number[];
  received: number[];
  dms: number[];
  exits: number;
}

export function markNow(actors: Actor[], exits: ExitRecord[]): Marks {
  return {
    sends: actors.map((a) => a.sends.length),
    received: actors.map((a) => a.received.length),
    dms: actors.map((a) => a.dms.length),
    exits: exits.length,
  };
}

/** The figures of one fault. Every column but the first five is a violation when not zero. */
export interface Figures {
  fault: string;
  /** How long the phase took: traffic, fault, recovery and checks. */
  seconds: number;
  sent: number;
  acked: number;
  /** Sends still unacknowledged when the phase's send window closed. */
  unacked: number;
  /** Failed attempts answered UNAVAILABLE or RATE_LIMITED (retry later): expected during faults. */
  retryable: number;
  /** Seconds from the fault's end until every connected user's buddies saw them right. */
  presenceSeconds: number | undefined;
  /** Failed attempts answered with any other code (INTERNAL, …): the client cannot know to retry. */
  wrongCodes: number;
  lost: number;
  duplicates: number;
  seqGaps: number;
  outOfOrder: number;
  falseDelivered: number;
  /** Private messages the server took (the send answered an id): each must end with a status. */
  dmSent: number;
  /**
   * Of those, the ones whose sender was never told `delivered` or `expired` by the phase's end
   * (every recipient is connected then and acks at once, so each should be delivered).
   */
  dmNoStatus: number;
  /** True when the fault empties the outbox: dmNoStatus is then expected, not a violation. */
  forgetsPrivateMessages?: boolean;
  /** Buddy views still wrong when the presence bound ran out. */
  presenceWrong: number;
  /** Users meant to be connected who were not when the phase ended (their client gave up). */
  stuckClients: number;
  unexpectedExits: number;
}

export const violationColumns = [
  'wrongCodes',
  'lost',
  'duplicates',
  'seqGaps',
  'outOfOrder',
  'falseDelivered',
  'dmNoStatus',
  'presenceWrong',
  'stuckClients',
  'unexpectedExits',
] as const satisfies readonly (keyof Figures)[];

/** Sent private messages (answered with an id) whose sender has no final status yet. */
export function dmsWithoutStatus(dms: DmRecord[]): DmRecord[] {
  return dms.filter((d) => d.id !== undefined && !d.toldDelivered && d.toldExpired !== true);
}

export function violations(figures: Figures): number {
  // An emptied outbox forgets what was in flight (private messages are never persisted): the
  // sender's app then calls such a message expired by its own clock. Counted, shown, not failed.
  const excused = figures.forgetsPrivateMessages === true ? figures.dmNoStatus : 0;
  return violationColumns.reduce((sum, column) => sum + figures[column], 0) - excused;
}

const RETRYABLE = new Set(['UNAVAILABLE', 'RATE_LIMITED']);

/**
 * Wrong presence views: a connected observer who sees a buddy other than as they are, in the
 * app it has open (buddy list plus presence events) or in a fresh buddy list (`fresh[i]`, what
 * the app shows after a reload). A buddy is online while their client is connected.
 */
export function wrongPresenceViews(actors: Actor[], fresh: (Map<string, PresenceStatus> | undefined)[]): number {
  const byId = new Map(actors.map((a) => [a.user.id, a]));
  let wrong = 0;
  for (const [i, observer] of actors.entries()) {
    if (!observer.connected) continue;
    for (const buddyId of observer.buddyIds) {
      const buddy = byId.get(buddyId);
      if (!buddy) continue;
      const views = [observer.presenceView, fresh[i]].filter((view) => view !== undefined);
      if (views.some((view) => ((view.get(buddyId) ?? 'offline') !== 'offline') !== buddy.connected)) wrong += 1;
    }
  }
  return wrong;
}

/** Each wrong view in words (observer, buddy, where it was wrong), to tell causes apart in the log. */
export function describeWrongPresence(actors: Actor[], fresh: (Map<string, PresenceStatus> | undefined)[]): string[] {
  const byId = new Map(actors.map((a) => [a.user.id, a]));
  const lines: string[] = [];
  for (const [i, observer] of actors.entries()) {
    if (!observer.connected) continue;
    for (const buddyId of observer.buddyIds) {
      const buddy = byId.get(buddyId);
      if (!buddy) continue;
      const app = observer.presenceView.get(buddyId) ?? 'offline';
      const listed = fresh[i]?.get(buddyId);
      const wrongIn = [
        (app !== 'offline') !== buddy.connected ? `app ${app}` : '',
        listed !== undefined && (listed !== 'offline') !== buddy.connected ? `buddy:list ${listed}` : '',
      ].filter(Boolean);
      if (wrongIn.length === 0) continue;
      const who = `${observer.user.username.split('_').at(-1)} sees ${buddy.user.username.split('_').at(-1)}`;
      lines.push(`${who} (${buddy.connected ? 'connected' : 'disconnected'}): ${wrongIn.join(', ')}`);
    }
  }
  return lines;
}

export interface PhaseOutcome {
  fault: string;
  forgetsPrivateMessages?: boolean;
  marks: Marks;
  actors: Actor[];
  /** The room's stored messages after the phase's first seq, from the database. */
  history: StoredMessage[];
  firstSeq: number;
  exits: ExitRecord[];
  presenceSeconds: number | undefined;
  presenceWrong: number;
  seconds: number;
}

function messageFigures(outcome: PhaseOutcome) {
  const { actors, marks, history } = outcome;
  const stored = new Map(history.map((m) => [m.seq, m]));
  let lost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const acked = actors.flatMap((a, i) => a.sends.slice(marks.sends[i]).filter((s) => s.seq !== undefined));
  for (const send of acked) {
    if (stored.get(send.seq ?? 0)?.clientMsgId !== send.clientMsgId) lost += 1;
  }
  for (const [i, actor] of actors.entries()) {
    const shown = new Set(actor.received.map((m) => m.clientMsgId));
    // An acknowledged message that a connected member never received counts once per member
    // (a member whose client gave up counts under stuckClients instead).
    if (actor.connected) lost += acked.filter((s) => !shown.has(s.clientMsgId)).length;
    const fresh = actor.received.slice(marks.received[i]);
    const seen = new Set(actor.received.slice(0, marks.received[i]).map((m) => m.id));
    for (const message of fresh) {
      if (seen.has(message.id)) duplicates += 1;
      seen.add(message.id);
    }
    for (let k = 1; k < fresh.length; k += 1) if ((fresh[k]?.seq ?? 0) <= (fresh[k - 1]?.seq ?? 0)) outOfOrder += 1;
    const own = actor.sends.slice(marks.sends[i]).flatMap((s) => (s.seq === undefined ? [] : [s.seq]));
    for (let k = 1; k < own.length; k += 1) if ((own[k] ?? 0) <= (own[k - 1] ?? 0)) outOfOrder += 1;
  }
  const byClientId = new Set(history.map((m) => `${m.sender.id}/${m.clientMsgId}`));
  duplicates += history.length - byClientId.size;
  let seqGaps = 0;
  let expected = outcome.firstSeq + 1;
  for (const m of [...history].sort((a, b) => a.seq - b.seq)) {
    if (m.seq !== expected) seqGaps += Math.max(1, m.seq - expected);
    expected = m.seq + 1;
  }
  return { acked: acked.length, lost, duplicates, outOfOrder, seqGaps };
}

export function computeFigures(outcome: PhaseOutcome): Figures {
  const { actors, marks } = outcome;
  const sends = actors.flatMap((a, i) => a.sends.slice(marks.sends[i]));
  const errors = sends.flatMap((s) => s.errors);
  const byUser = new Map(actors.map((a) => [a.user.username, a]));
  const dms = actors.flatMap((a, i) => a.dms.slice(marks.dms[i]));
  const falseDelivered = dms.filter(
    (d) => d.toldDelivered && !(d.id !== undefined && byUser.get(d.to)?.dmsReceived.has(d.id)),
  ).length;
  const m = messageFigures(outcome);
  const dmSent = dms.filter((d) => d.id !== undefined).length;
  return {
    fault: outcome.fault,
    seconds: outcome.seconds,
    sent: sends.length,
    acked: m.acked,
    unacked: sends.length - m.acked,
    retryable: errors.filter((code) => RETRYABLE.has(code)).length,
    presenceSeconds: outcome.presenceSeconds,
    wrongCodes: errors.filter((code) => !RETRYABLE.has(code)).length,
    lost: m.lost,
    duplicates: m.duplicates,
    seqGaps: m.seqGaps,
    outOfOrder: m.outOfOrder,
    falseDelivered,
    dmSent,
    dmNoStatus: dmsWithoutStatus(dms).length,
    ...(outcome.forgetsPrivateMessages ? { forgetsPrivateMessages: true } : {}),
    presenceWrong: outcome.presenceWrong,
    stuckClients: actors.filter((a) => a.reconnects && !a.connected).length,
    unexpectedExits: outcome.exits.slice(marks.exits).filter((e) => !e.injected).length,
  };
}

/** The figures as a plain-text table (also valid Markdown), one row per fault. */
export function formatTable(rows: Figures[]): string {
  const headers = [
    'fault',
    'phase s',
    'sent',
    'acked',
    'unacked',
    'retryable',
    'presence s',
    'dmSent',
    ...violationColumns,
  ];
  const cells = rows.map((r) => [
    r.fault,
    r.seconds.toFixed(0),
    String(r.sent),
    String(r.acked),
    String(r.unacked),
    String(r.retryable),
    r.presenceSeconds === undefined ? 'never' : r.presenceSeconds.toFixed(1),
    String(r.dmSent),
    ...violationColumns.map((c) => String(r[c])),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
