import { randomUUID } from 'node:crypto';
import type { Message, PresenceStatus, User } from '@parley/protocol';
import { ParleyClient, register } from '@parley/sdk';
import { sleep } from './services.js';

/** One room message as its sender saw it: sent, answered (with a code) and, once, acknowledged. */
export interface SendRecord {
  clientMsgId: string;
  attempts: number;
  /** Error codes of the failed attempts, in order ('UNAVAILABLE' also for a timeout). */
  errors: string[];
  seq?: number;
}

/** A private message as its sender saw it. */
export interface DmRecord {
  to: string;
  clientMsgId: string;
  id?: string;
  /** `delivered` from the send's answer or from a later dm:status. */
  toldDelivered: boolean;
  /** `expired` from a dm:status: also a final status (the recipient never fetched it in time). */
  toldExpired?: boolean;
}

/**
 * One user with one connection through the failover proxy: sends room messages and private
 * messages, and keeps what it saw of the room, of its private messages and of its buddies'
 * presence (the buddy list after every connect, then each presence event), as an app would.
 */
export class Actor {
  readonly sends: SendRecord[] = [];
  readonly received: Message[] = [];
  readonly dms: DmRecord[] = [];
  readonly dmsReceived = new Map<string, number>();
  /** Every dm:status this user was told, by message id. */
  readonly statusesSeen = new Map<string, 'delivered' | 'expired'>();
  /** Private messages whose dm:ack was answered with an error (or not at all): to tell why a status is missing. */
  readonly acksFailed = new Map<string, string>();
  readonly presenceView = new Map<string, PresenceStatus>();
  buddyIds: string[] = [];
  /** When false the client does not reconnect by itself: a user who went away. */
  private willReconnect = true;

  private constructor(
    readonly user: User,
    readonly client: ParleyClient,
  ) {
    client.onMessages((_roomId, messages) => this.received.push(...messages));
    client.on('presence', ({ user: buddy, status }) => this.presenceView.set(buddy.id, status));
    client.on('dm:new', (dm) => {
      this.dmsReceived.set(dm.id, (this.dmsReceived.get(dm.id) ?? 0) + 1);
      void client.request('dm:ack', { ids: [dm.id] }).then((answer) => {
        if (answer.ok) this.acksFailed.delete(dm.id);
        else this.acksFailed.set(dm.id, answer.error.code);
      });
    });
    client.on('dm:status', ({ id, status }) => {
      // A status can come before the send's answer names its id (as the web app also allows for).
      this.statusesSeen.set(id, status);
      const record = this.dms.find((d) => d.id === id);
      if (record) applyStatus(record, status);
    });
    client.socket.on('connect', () => void this.loadBuddies());
  }

  static async create(url: string, username: string): Promise<Actor> {
    const { user, token } = await register(url, username, 'chaos-password-not-secret');
    const client = await ParleyClient.connect({
      url,
      token,
      transports: ['websocket'],
      ackTimeoutMs: 2000,
      reconnectionDelayMs: 200,
      reconnectionDelayMaxMs: 2000,
    });
    return new Actor(user, client);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** The local port of its WebSocket's TCP connection: how the proxy tells which instance it is on. */
  get localPort(): number | undefined {
    // socket.io-client does not expose its transport's socket; this reaches through engine.io's
    // WebSocket transport (node: the `ws` package) for the one number the suite needs.
    const engine = this.client.socket.io.engine as unknown as {
      transport?: { ws?: { _socket?: { localPort?: number } } };
    };
    return engine.transport?.ws?._socket?.localPort;
  }

  /** What a freshly opened app would show: the buddy list as the server answers it now. */
  async freshBuddyView(): Promise<Map<string, PresenceStatus> | undefined> {
    const result = await this.client.request('buddy:list', {}, { timeoutMs: 2000 });
    return result.ok ? new Map(result.buddies.map((b) => [b.user.id, b.status])) : undefined;
  }

  async loadBuddies(): Promise<void> {
    const result = await this.client.request('buddy:list', {}, { retries: 1 });
    if (!result.ok) return;
    this.buddyIds = result.buddies.map((b) => b.user.id);
    for (const buddy of result.buddies) this.presenceView.set(buddy.user.id, buddy.status);
  }

  /** Sends one room message, retrying the same clientMsgId until acknowledged or told to stop. */
  async sendOne(roomId: string, keepTrying: () => boolean): Promise<void> {
    const record: SendRecord = { clientMsgId: randomUUID(), attempts: 0, errors: [] };
    this.sends.push(record);
    while (keepTrying()) {
      record.attempts += 1;
      const result = await this.client.sendMessage(roomId, `m${this.sends.length}`, record.clientMsgId);
      if (result.ok) {
        record.seq = result.message.seq;
        return;
      }
      record.errors.push(result.error.code);
      await sleep(300);
    }
  }

  async sendDm(to: string, keepTrying: () => boolean): Promise<void> {
    const record: DmRecord = { to, clientMsgId: randomUUID(), toldDelivered: false };
    this.dms.push(record);
    while (keepTrying()) {
      const result = await this.client.request('dm:send', { to, clientMsgId: record.clientMsgId, payload: 'x' });
      if (result.ok) {
        record.id = result.id;
        if (result.status === 'delivered') record.toldDelivered = true;
        const early = this.statusesSeen.get(result.id);
        if (early) applyStatus(record, early);
        return;
      }
      await sleep(300);
    }
  }

  /**
   * The network drops this client's connection (its TCP socket is destroyed, as a lost Wi-Fi
   * would): the client reconnects by itself, possibly to another instance.
   */
  dropConnection(): void {
    const engine = this.client.socket.io.engine as unknown as {
      transport?: { ws?: { _socket?: { destroy(): void } } };
    };
    engine.transport?.ws?._socket?.destroy();
  }

  /** A user who left comes back: reconnects now and again on every drop. Nobody else is touched. */
  comeBack(): void {
    if (this.willReconnect) return;
    this.willReconnect = true;
    this.client.socket.io.reconnection(true);
    if (!this.client.socket.connected) this.client.socket.connect();
  }

  /** A user whose client gave up reloads the page: a new connection attempt. */
  reload(): void {
    if (!this.client.socket.connected) this.client.socket.connect();
  }

  /** From now on a lost connection stays lost: the user closed the laptop. */
  stayAwayOnDrop(): void {
    this.willReconnect = false;
    this.client.socket.io.reconnection(false);
  }

  get reconnects(): boolean {
    return this.willReconnect;
  }

  close(): void {
    this.client.close();
  }
}

function applyStatus(record: DmRecord, status: 'delivered' | 'expired'): void {
  if (status === 'delivered') record.toldDelivered = true;
  else record.toldExpired = true;
}

/** Makes `actors[i]` and `actors[i+1]` buddies, around a ring: every user has two buddies. */
export async function befriendInRing(actors: Actor[]): Promise<void> {
  for (const [i, actor] of actors.entries()) {
    const other = actors[(i + 1) % actors.length];
    if (!other || other === actor) continue;
    const asked = await actor.client.request('buddy:request', { username: other.user.username });
    if (!asked.ok) throw new Error(`buddy:request: ${asked.error.code}`);
    const answered = await other.client.request('buddy:respond', { username: actor.user.username, accept: true });
    if (!answered.ok) throw new Error(`buddy:respond: ${answered.error.code}`);
  }
  await Promise.all(actors.map((a) => a.loadBuddies()));
}

/** Creates the shared room with the first actor and has everyone join it. */
export async function joinSharedRoom(actors: Actor[]): Promise<string> {
  const [owner] = actors;
  if (!owner) throw new Error('no actors');
  const created = await owner.client.request('room:create', { name: 'chaos', capacity: 1000 });
  if (!created.ok) throw new Error(`room:create: ${created.error.code}`);
  const roomId = created.room.id;
  for (const actor of actors) {
    const joined = await actor.client.joinRoom(roomId);
    if (!joined.ok) throw new Error(`room:join: ${joined.error.code}`);
  }
  return roomId;
}
