import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from './http/client-address.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultWebRoot = path.resolve(here, '../../web/dist');

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/** The browsers' push services (Chrome, Firefox, Safari, Edge); a host also covers its subdomains. */
const DEFAULT_PUSH_HOSTS =
  'fcm.googleapis.com,android.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com';

/** Every option, its default and its environment variable. The README's table mirrors this. */
const ConfigSchema = z.object({
  PORT: int(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  REDIS_PREFIX: z.string().min(1).default('parley'),
  ALLOWED_ORIGINS: list,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRANSPORTS: list.pipe(z.array(z.enum(['websocket', 'polling'])).min(1)).or(z.undefined()),
  MAX_EVENT_BYTES: int(65_536, 1024),
  RATE_LIMIT_PER_SEC: int(20, 1),
  RATE_LIMIT_BURST: int(40, 1),
  MAX_CONNECTIONS: int(10_000, 1),
  MAX_CONNECTIONS_PER_USER: int(20, 1),
  PING_INTERVAL_MS: int(25_000, 50),
  PING_TIMEOUT_MS: int(20_000, 50),
  CONNECT_TIMEOUT_MS: int(45_000, 50),
  MAX_BACKLOG_BYTES: int(8 * 1024 * 1024, 64 * 1024),
  WEBSOCKET_SERVER: z.enum(['parley', 'socketio']).default('parley'),
  DM_QUEUE_MAX: int(100, 1),
  ICE_SERVERS: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z.array(
        z.object({
          urls: z.union([z.string(), z.array(z.string())]),
          username: z.string().optional(),
          credential: z.string().optional(),
        }),
      ),
    ),
  TURN_SECRET: z.string().optional(),
  TURN_TTL_SECONDS: int(3600, 60),
  ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
  CALL_RING_TIMEOUT_MS: int(35_000, 500),
  CALLS_PER_USER_PER_MINUTE: int(20, 1),
  PRESENCE_GRACE_MS: int(5000, 0),
  PRESENCE_INSTANCE_TTL_MS: int(15_000, 300),
  LOGIN_MAX_FAILURES: int(10, 1),
  LOGIN_WINDOW_SECONDS: int(900, 1),
  LOGIN_MAX_IP_FAILURES: int(100, 1),
  REGISTER_PER_IP_PER_HOUR: int(20, 1),
  ARGON2_MAX_CONCURRENT: int(2, 1),
  ARGON2_MAX_WAITING: int(64, 0),
  ARGON2_MAX_WAIT_MS: int(5000, 1),
  ROOMS_PER_USER_PER_HOUR: int(10, 1),
  DM_QUEUE_PER_PAIR: int(20, 1),
  DM_QUEUE_PER_SENDER: int(200, 1),
  DM_QUEUE_TOTAL_MAX: int(10_000, 1),
  SESSION_TTL_DAYS: int(30, 1),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  DB_CONNECT_TIMEOUT_MS: int(3000, 100),
  DB_QUERY_TIMEOUT_MS: int(10_000, 100),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((text, ctx) => {
      try {
        return parseTrustProxy(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  MAX_CONNECTIONS_PER_ADDRESS: int(50, 1),
  CONNECTIONS_PER_ADDRESS_PER_MINUTE: int(120, 1),
  WEB_ROOT: z.string().default(defaultWebRoot),
  // Wave 2, files (issue 15).
  MAX_UPLOAD_BYTES: int(10 * 1024 * 1024, 1),
  FILES_DIR: z.string().optional(),
  PUSH_SUBJECT: z
    .string()
    .default('mailto:parley@localhost')
    .refine((v) => v.startsWith('mailto:') || v.startsWith('https://'), 'must be a mailto: or https: URL'),
  PUSH_ENDPOINT_HOSTS: z
    .string()
    .default(DEFAULT_PUSH_HOSTS)
    .transform((s) =>
      s
        .split(',')
        .map((item) => item.trim().toLowerCase())
        .filter((item) => item.length > 0),
    ),
  REGISTRATION: z.enum(['open', 'invite', 'closed']).default('open'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SESSION_CHECK_MS: int(5000, 100),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export interface Config {
  /** Who runs this server, for the push services (VAPID `sub`): a mailto: or https: URL. */
  pushSubject: string;
  /** Hosts a Web Push endpoint may be on (and their subdomains): the server POSTs there. */
  pushEndpointHosts: string[];
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and stream, so that several deployments can share one Redis. */
  redisPrefix: string;
  allowedOrigins: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  transports: ('websocket' | 'polling')[];
  maxEventBytes: number;
  rateLimitPerSec: number;
  rateLimitBurst: number;
  maxConnections: number;
  maxConnectionsPerUser: number;
  /** The server pings every connection this often; one that has not answered by the next ping is closed. */
  pingIntervalMs: number;
  /** How long a client waits past the ping interval before it gives the connection up. */
  pingTimeoutMs: number;
  /** A connection that has joined no Socket.IO namespace this long after it opened is closed (Socket.IO's connectTimeout). */
  connectTimeoutMs: number;
  /** Bytes that may wait unsent for one realtime connection; past it the connection is closed. */
  maxConnectionBacklogBytes: number;
  /** Who serves clients that open with a WebSocket: Parley's own endpoint, or stock Socket.IO. */
  websocketServer: 'parley' | 'socketio';
  /** Private messages that may wait for one recipient. */
  dmQueueMax: number;
  /** STUN/TURN servers for calls, as RTCIceServer objects. */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  turnSecret: string | undefined;
  turnTtlSeconds: number;
  /** `relay` makes every client send calls through TURN (nobody learns a peer's address). */
  iceTransportPolicy: 'all' | 'relay';
  /** How long a call rings before both sides are told "missed" / "no answer". */
  callRingTimeoutMs: number;
  /** New calls (offers that ring) one user may start per minute. */
  callsPerUserPerMinute: number;
  /** How long a user with no connection left still shows online (absorbs reloads). */
  presenceGraceMs: number;
  /** With Redis: how long a silent instance's users stay online before others take them offline. */
  presenceInstanceTtlMs: number;
  loginMaxFailures: number;
  loginWindowSeconds: number;
  /** Failed sign-ins from one address, whatever the usernames, in the window. */
  loginMaxIpFailures: number;
  registerPerIpPerHour: number;
  /** argon2 hashes and verifies running at once (they share libuv's thread pool). */
  argon2MaxConcurrent: number;
  /** argon2 jobs that may wait for a slot; past it, and past the wait, UNAVAILABLE. */
  argon2MaxWaiting: number;
  argon2MaxWaitMs: number;
  roomsPerUserPerHour: number;
  /** Private messages one sender may have waiting for one recipient. */
  dmQueuePerPair: number;
  /** Private messages one sender may have waiting, all recipients together. */
  dmQueuePerSender: number;
  /** Private messages waiting on this instance, or in Redis across all instances. */
  dmQueueTotalMax: number;
  sessionTtlDays: number;
  shutdownTimeoutMs: number;
  /** PostgreSQL: the longest wait for a connection before a call answers UNAVAILABLE. */
  dbConnectTimeoutMs: number;
  /** The longest a statement may run (PostgreSQL) or wait for SQLite's write lock. */
  dbQueryTimeoutMs: number;
  /** Which proxies' `X-Forwarded-*` headers are believed: none, N hops, or these addresses. */
  trustProxy: TrustProxy;
  /** Open realtime connections per client address per instance, signed in or not. */
  maxConnectionsPerAddress: number;
  /** New realtime connections per client address per minute, across every instance. */
  connectionsPerAddressPerMinute: number;
  webRoot: string;
  /** The largest file POST /api/files accepts (413 TOO_LARGE above). */
  maxUploadBytes: number;
  /** Where uploaded files are kept: DATA_DIR/files unless FILES_DIR names a (shared) folder. */
  filesDir: string;
  /** Who may create an account: anyone, holders of an invite code, or nobody (the admin command). */
  registration: 'open' | 'invite' | 'closed';
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** How often each instance disconnects sockets whose session was ended by another process. */
  sessionCheckMs: number;
  /** JSON lines, or readable lines for a terminal (`auto`: pretty when stdout is one). */
  logFormat: 'auto' | 'json' | 'pretty';
}

/** Parses the environment once; throws naming every variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key in ConfigSchema.shape && value !== ''),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: c.DATA_DIR,
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    redisPrefix: c.REDIS_PREFIX,
    allowedOrigins: c.ALLOWED_ORIGINS,
    logLevel: c.LOG_LEVEL,
    transports: c.TRANSPORTS ?? ['websocket', 'polling'],
    maxEventBytes: c.MAX_EVENT_BYTES,
    rateLimitPerSec: c.RATE_LIMIT_PER_SEC,
    rateLimitBurst: c.RATE_LIMIT_BURST,
    maxConnections: c.MAX_CONNECTIONS,
    maxConnectionsPerUser: c.MAX_CONNECTIONS_PER_USER,
    pingIntervalMs: c.PING_INTERVAL_MS,
    pingTimeoutMs: c.PING_TIMEOUT_MS,
    connectTimeoutMs: c.CONNECT_TIMEOUT_MS,
    maxConnectionBacklogBytes: c.MAX_BACKLOG_BYTES,
    websocketServer: c.WEBSOCKET_SERVER,
    dmQueueMax: c.DM_QUEUE_MAX,
    iceServers: c.ICE_SERVERS,
    turnSecret: c.TURN_SECRET,
    turnTtlSeconds: c.TURN_TTL_SECONDS,
    iceTransportPolicy: c.ICE_TRANSPORT_POLICY,
    callRingTimeoutMs: c.CALL_RING_TIMEOUT_MS,
    callsPerUserPerMinute: c.CALLS_PER_USER_PER_MINUTE,
    presenceGraceMs: c.PRESENCE_GRACE_MS,
    presenceInstanceTtlMs: c.PRESENCE_INSTANCE_TTL_MS,
    loginMaxFailures: c.LOGIN_MAX_FAILURES,
    loginWindowSeconds: c.LOGIN_WINDOW_SECONDS,
    loginMaxIpFailures: c.LOGIN_MAX_IP_FAILURES,
    registerPerIpPerHour: c.REGISTER_PER_IP_PER_HOUR,
    argon2MaxConcurrent: c.ARGON2_MAX_CONCURRENT,
    argon2MaxWaiting: c.ARGON2_MAX_WAITING,
    argon2MaxWaitMs: c.ARGON2_MAX_WAIT_MS,
    roomsPerUserPerHour: c.ROOMS_PER_USER_PER_HOUR,
    dmQueuePerPair: c.DM_QUEUE_PER_PAIR,
    dmQueuePerSender: c.DM_QUEUE_PER_SENDER,
    dmQueueTotalMax: c.DM_QUEUE_TOTAL_MAX,
    sessionTtlDays: c.SESSION_TTL_DAYS,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    dbConnectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    dbQueryTimeoutMs: c.DB_QUERY_TIMEOUT_MS,
    trustProxy: c.TRUST_PROXY,
    maxConnectionsPerAddress: c.MAX_CONNECTIONS_PER_ADDRESS,
    connectionsPerAddressPerMinute: c.CONNECTIONS_PER_ADDRESS_PER_MINUTE,
    webRoot: c.WEB_ROOT,
    maxUploadBytes: c.MAX_UPLOAD_BYTES,
    filesDir: c.FILES_DIR ?? path.join(c.DATA_DIR, 'files'),
    pushSubject: c.PUSH_SUBJECT,
    pushEndpointHosts: c.PUSH_ENDPOINT_HOSTS,
    registration: c.REGISTRATION,
    metricsToken: c.METRICS_TOKEN,
    sessionCheckMs: c.SESSION_CHECK_MS,
    logFormat: c.LOG_FORMAT,
  };
}
