import type {
  AckResult,
  ClientToServerEvents,
  Message,
  RequestName,
  RequestPayload,
  RequestResult,
  RoomJoinResult,
  ServerEventName,
  ServerEventPayloads,
  ServerToClientEvents,
} from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';
import { ParleyError } from './http.js';
import { isRetryable, refusalOf, retryDelayMs } from './refusal.js';
import { createRoomSync, type CatchUp, type RoomSync } from './room-sync.js';

export interface ConnectOptions {
  /** The server's base URL, e.g. http://localhost:3000. */
  url: string;
  /** A session token; browsers may leave it out and use the session cookie. */
  token?: string;
  transports?: ('websocket' | 'polling')[];
  /** How long a request waits for its acknowledgement before it is retried or fails. */
  ackTimeoutMs?: number;
  /** First wait before a reconnect; it doubles (with jitter) up to reconnectionDelayMaxMs. */
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
  /** Node only: PEM certificates to trust besides the system's (a server behind a self-signed TLS proxy). */
  ca?: string;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Extra attempts after a timeout; only for idempotent requests. */
  retries?: number;
}

export type ConnectionStatus = 'connected' | 'reconnecting' | 'closed';

type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Listener<E extends ServerEventName> = (payload: ServerEventPayloads[E]) => void;

/**
 * A typed Parley connection. Requests always resolve to an AckResult (never throw); room
 * messages of the rooms it joined reach `onMessages` exactly once and in seq order, across
 * reconnects (each open room is re-joined with sinceSeq after every reconnect).
 */
export class ParleyClient {
  readonly socket: ParleySocket;
  private readonly ackTimeoutMs: number;
  private readonly rooms = new Map<string, RoomSync>();
  private readonly joining = new Map<string, Message[]>();
  private readonly messageListeners = new Set<(roomId: string, messages: Message[]) => void>();
  private readonly changeListeners = new Set<(roomId: string, messages: Message[]) => void>();
  /** message:update packets that arrived while their room was being joined. */
  private readonly joiningChanges = new Map<string, Message[]>();
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  /**
   * Private messages that arrived before anyone listened (the server hands over waiting ones
   * right at connect, possibly in the same network read): replayed to the first listener.
   */
  private unheardDms: ServerEventPayloads['dm:new'][] = [];
  private readonly dmListeners = new Set<Listener<'dm:new'>>();
  private readonly backoff: { baseMs: number; maxMs: number };
  /** Refused handshakes in a row (reset on connect): the exponent of the next wait. */
  private refusals = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closedByCaller = false;

  private constructor(options: ConnectOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.backoff = { baseMs: options.reconnectionDelayMs ?? 500, maxMs: options.reconnectionDelayMaxMs ?? 5000 };
    this.socket = io(options.url, {
      auth: options.token ? { token: options.token } : {},
      transports: options.transports ?? ['websocket', 'polling'],
      withCredentials: true,
      reconnectionDelay: this.backoff.baseMs,
      reconnectionDelayMax: this.backoff.maxMs,
      autoConnect: false,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    this.socket.on('connect_error', (error) => this.onConnectError(error));
    this.socket.on('message:new', ({ roomId, messages }) => this.receiveMessages(roomId, messages));
    this.socket.on('message:update', ({ roomId, messages }) => this.receiveChanges(roomId, messages));
    this.socket.on('dm:new', (dm) => {
      if (this.dmListeners.size === 0) this.unheardDms.push(dm);
      for (const listener of this.dmListeners) listener(dm);
    });
    this.socket.on('connect', () => {
      this.refusals = 0;
      this.emitStatus('connected');
      for (const sync of this.rooms.values()) void sync.resync();
    });
    this.socket.on('disconnect', (reason) => {
      // The server ends a connection itself only when its session is gone (signed out).
      this.emitStatus(
        reason === 'io server disconnect' || reason === 'io client disconnect' ? 'closed' : 'reconnecting',
      );
    });
  }

  /**
   * Opens a connection; rejects with ParleyError (code UNAUTHORIZED, …) when the server refuses
   * it for good. A refusal that says retry (UNAVAILABLE, RATE_LIMITED with retryAfterMs) and an
   * unreachable server are retried in the background until the connection opens.
   */
  static connect(options: ConnectOptions): Promise<ParleyClient> {
    const client = new ParleyClient(options);
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        client.socket.off('connect_error', onError);
        resolve(client);
      };
      const onError = (error: Error) => {
        // A transport failure (socket still active) and a refusal that says retry go on in the background.
        if (client.socket.active) return;
        const refusal = refusalOf(error);
        if (isRetryable(refusal)) return;
        client.socket.off('connect', onConnect);
        client.socket.off('connect_error', onError);
        client.close();
        reject(new ParleyError(refusal.code, refusal.message, undefined, refusal.retryAfterMs));
      };
      client.socket.once('connect', onConnect);
      client.socket.on('connect_error', onError);
      client.socket.connect();
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Sends a request and waits for its answer. A timeout after every retry answers UNAVAILABLE. */
  async request<E extends RequestName>(
    event: E,
    payload: RequestPayload<E>,
    options: RequestOptions = {},
  ): Promise<AckResult<RequestResult<E>>> {
    const attempts = 1 + (options.retries ?? 0);
    const timeout = options.timeoutMs ?? this.ackTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        // The event map types each ack; emitWithAck cannot follow a generic event name.
        const timed = this.socket.timeout(timeout) as unknown as {
          emitWithAck(e: string, p: unknown): Promise<AckResult<RequestResult<E>>>;
        };
        return await timed.emitWithAck(event, payload);
      } catch {
        if (attempt >= attempts) {
          return { ok: false, error: { code: 'UNAVAILABLE', message: `no answer to ${event} within ${timeout} ms` } };
        }
      }
    }
  }

  /** Subscribes to a server event; returns the unsubscribe function. */
  on<E extends ServerEventName>(event: E, listener: Listener<E>): () => void {
    if (event === 'dm:new') return this.onDm(listener as Listener<'dm:new'>);
    // socket.io-client's typed `on` cannot follow a generic event name.
    const socket = this.socket as unknown as { on(e: string, l: unknown): void; off(e: string, l: unknown): void };
    socket.on(event, listener);
    return () => socket.off(event, listener);
  }

  private onDm(listener: Listener<'dm:new'>): () => void {
    this.dmListeners.add(listener);
    const unheard = this.unheardDms;
    this.unheardDms = [];
    for (const dm of unheard) listener(dm);
    return () => this.dmListeners.delete(listener);
  }

  /** Room messages, exactly once and in order for joined rooms. */
  onMessages(listener: (roomId: string, messages: Message[]) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /**
   * Changed messages (edits, deletes, reactions) of joined rooms, in their current state: live
   * `message:update` packets and what a re-join caught up. Apply each by id when its version is
   * higher than the copy held.
   */
  onMessageChanges(listener: (roomId: string, messages: Message[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The room's two counters, for a caller that keeps history across page loads. */
  roomCounters(roomId: string): { lastSeq: number; lastVersion: number } | undefined {
    const sync = this.rooms.get(roomId);
    return sync && { lastSeq: sync.lastSeq, lastVersion: sync.lastVersion };
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Joins (or re-opens) a room and tracks it: from here on its messages reach onMessages in
   * order. With sinceSeq, the answer holds what came after it (a client that kept history).
   */
  async joinRoom(roomId: string, sinceSeq?: number, sinceVersion?: number): Promise<AckResult<RoomJoinResult>> {
    this.joining.set(roomId, this.joining.get(roomId) ?? []);
    this.joiningChanges.set(roomId, this.joiningChanges.get(roomId) ?? []);
    const version = sinceSeq === undefined ? undefined : (sinceVersion ?? this.rooms.get(roomId)?.lastVersion);
    const result = await this.request('room:join', {
      roomId,
      ...(sinceSeq === undefined ? {} : { sinceSeq }),
      ...(version === undefined ? {} : { sinceVersion: version }),
    });
    const early = this.joining.get(roomId) ?? [];
    const earlyChanges = this.joiningChanges.get(roomId) ?? [];
    this.joining.delete(roomId);
    this.joiningChanges.delete(roomId);
    if (!result.ok) return result;
    const lastSeq = result.messages.at(-1)?.seq ?? sinceSeq ?? 0;
    const existing = this.rooms.get(roomId);
    const sync =
      existing ??
      createRoomSync(
        lastSeq,
        (since, sinceV) => this.fetchAfter(roomId, since, sinceV),
        (m) => this.deliver(roomId, m),
        (m) => this.deliverChanges(roomId, m),
      );
    if (!existing) this.rooms.set(roomId, sync);
    sync.lastSeq = Math.max(sync.lastSeq, lastSeq);
    // The answer is read after the room's version: every change up to it is in the answer.
    const seen = [...result.messages, ...(result.changed ?? [])].map((m) => m.version);
    sync.lastVersion = Math.max(sync.lastVersion, version ?? 0, result.version ?? 0, ...seen);
    if (result.changed && result.changed.length > 0) this.deliverChanges(roomId, result.changed);
    // What the answer covers the caller has; what came after it, or was missed, arrives in order.
    sync.receive(early);
    sync.receiveChanges(earlyChanges);
    if (result.changedHasMore) void sync.resync();
    if (result.hasMore && sinceSeq !== undefined) void sync.resync();
    return result;
  }

  async leaveRoom(roomId: string): Promise<AckResult<RequestResult<'room:leave'>>> {
    this.rooms.get(roomId)?.stop();
    this.rooms.delete(roomId);
    return this.request('room:leave', { roomId });
  }

  /** Sends a room message, retried on a lost ack with the same clientMsgId (stored once). */
  sendMessage(roomId: string, body: string, clientMsgId: string = crypto.randomUUID(), replyTo?: string) {
    const payload = { roomId, clientMsgId, body, ...(replyTo === undefined ? {} : { replyTo }) };
    return this.request('message:send', payload, { retries: 3 });
  }

  close(): void {
    this.closedByCaller = true;
    clearTimeout(this.retryTimer);
    for (const sync of this.rooms.values()) sync.stop();
    this.rooms.clear();
    this.socket.close();
  }

  /**
   * socket.io-client takes a refused handshake as final and stops. A refusal that says retry is
   * not: come back after a growing, jittered wait (at least the server's retryAfterMs); the
   * 'connect' handler then re-joins every open room with sinceSeq. Any other refusal closes.
   */
  private onConnectError(error: Error): void {
    if (this.socket.active || this.closedByCaller) return;
    const refusal = refusalOf(error);
    if (!isRetryable(refusal)) {
      this.emitStatus('closed');
      return;
    }
    const wait = retryDelayMs(this.refusals, { ...this.backoff, retryAfterMs: refusal.retryAfterMs });
    this.refusals += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closedByCaller && !this.socket.active) this.socket.connect();
    }, wait);
  }

  private receiveMessages(roomId: string, messages: Message[]): void {
    const early = this.joining.get(roomId);
    if (early) {
      early.push(...messages);
      return;
    }
    const sync = this.rooms.get(roomId);
    if (sync) sync.receive(messages);
    else this.deliver(roomId, messages);
  }

  private receiveChanges(roomId: string, messages: Message[]): void {
    const early = this.joiningChanges.get(roomId);
    if (early) {
      early.push(...messages);
      return;
    }
    const sync = this.rooms.get(roomId);
    if (sync) sync.receiveChanges(messages);
    else this.deliverChanges(roomId, messages);
  }

  private async fetchAfter(roomId: string, sinceSeq: number, sinceVersion: number): Promise<CatchUp> {
    const result = await this.request('room:join', { roomId, sinceSeq, sinceVersion });
    if (!result.ok) throw new ParleyError(result.error.code, result.error.message);
    return {
      messages: result.messages,
      hasMore: result.hasMore ?? false,
      ...(result.changed ? { changed: result.changed } : {}),
      ...(result.changedHasMore ? { changedHasMore: true } : {}),
      ...(result.version === undefined ? {} : { version: result.version }),
    };
  }

  private deliverChanges(roomId: string, messages: Message[]): void {
    for (const listener of this.changeListeners) listener(roomId, messages);
  }

  private deliver(roomId: string, messages: Message[]): void {
    for (const listener of this.messageListeners) listener(roomId, messages);
  }

  private emitStatus(status: ConnectionStatus): void {
    for (const listener of this.statusListeners) listener(status);
  }
}
