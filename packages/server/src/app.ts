import type { Agent as HttpsAgent } from 'node:https';
import fastifyCookie from '@fastify/cookie';
import { httpStatusOf } from '@parley/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { attentionHandlers, withReadState } from './attention/attention.handlers.js';
import { createAttentionService } from './attention/attention.service.js';
import { createAuthService, hashToken } from './auth/auth.service.js';
import { authRoutes } from './auth/auth.routes.js';
import { buddiesHandlers } from './buddies/buddies.handlers.js';
import { createBuddiesService } from './buddies/buddies.service.js';
import { setLastSeen } from './buddies/buddies.store.js';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createPasswordHasher } from './auth/passwords.js';
import { createLimiterFactory } from './limits/limiter.js';
import { createRefusals, enforce } from './limits/refusals.js';
import { startSessionSweeper } from './auth/session-sweeper.js';
import { watchRevokedSessions } from './auth/session-revocations.js';
import { sessionsRoutes } from './auth/sessions.routes.js';
import { callsHandlers } from './calls/calls.handlers.js';
import { callsRoutes } from './calls/calls.routes.js';
import { openCallLedger } from './calls/calls.ledger.js';
import { createCallsService } from './calls/calls.service.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { AppError, toErrorBody } from './errors.js';
import { compileTrust } from './http/client-address.js';
import { refuseCrossSiteRequests } from './http/cross-site.js';
import { securityHeaders } from './http/security-headers.js';
import { operationsRoutes } from './http/operations.routes.js';
import { staticRoutes } from './http/static.routes.js';
import type { Logger } from './log.js';
import { dmsHandlers } from './dms/dms.handlers.js';
import { createDmService } from './dms/dms.service.js';
import { openOutbox } from './dms/open-outbox.js';
import { createMessageStore } from './messages/messages.store.js';
import { createScrubber } from './messages/scrubber.js';
import { createMessagesService } from './messages/messages.service.js';
import { messagesHandlers } from './messages/messages.handlers.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createOutageLog } from './outages.js';
import { openPresenceTracker } from './presence/open-tracker.js';
import { createPresenceService } from './presence/presence.service.js';
import { createAddressGate } from './realtime/address-gate.js';
import { sessionChannel } from './realtime/fanout.js';
import { createInFlight } from './realtime/handle.js';
import { attachRedisAdapter, connectRedis, type RedisLink } from './realtime/redis-adapter.js';
import { acceptConnections, createSocketServer, type ParleyServer } from './realtime/socket-server.js';
import { createSocketIoFanout } from './realtime/socketio-fanout.js';
import { withPushHooks } from './push/push-hooks.js';
import { pushRoutes } from './push/push.routes.js';
import { createPushService } from './push/push.service.js';
import { membersNamed } from './push/push.store.js';
import { createRoomsService } from './rooms/rooms.service.js';
import { roomsHandlers } from './rooms/rooms.handlers.js';
import { createSlowMode } from './rooms/slow-mode.js';
import { createDiskStorage } from './files/file-storage.js';
import { filesRoutes } from './files/files.routes.js';
import { createFilesService, createIncomingDir } from './files/files.service.js';
import { searchHandlers } from './search/search.handlers.js';
import { createSearchService } from './search/search.service.js';

export interface App {
  http: FastifyInstance;
  io: ParleyServer;
  metrics: Metrics;
  listen(): Promise<string>;
  /** Graceful: refuse new work, finish in-flight acks, disconnect, close the database. */
  close(): Promise<void>;
}

export async function createApp(deps: {
  config: Config;
  database: Database;
  log: Logger;
  /** Tests only: the agent Web Push requests go through (one that trusts a local receiver). */
  pushAgent?: HttpsAgent;
}): Promise<App> {
  const { config, database, log } = deps;
  const metrics = createMetrics();
  const inFlight = createInFlight();
  const outages = createOutageLog({
    log,
    // Probed only while down, to log "back" once; `redis` is assigned below, long before a probe runs.
    probes: { database: () => database.ping(1000), redis: () => redis?.ping() ?? Promise.resolve(true) },
    onChange: (dependency, down) => metrics.dependencyUp.set({ dependency }, down ? 0 : 1),
  });
  metrics.dependencyUp.set({ dependency: 'database' }, 1);
  if (config.redisUrl) metrics.dependencyUp.set({ dependency: 'redis' }, 1);
  // Fastify types its instance by the logger; widening pino's Logger keeps one FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = log;
  const http: FastifyInstance = Fastify({
    loggerInstance,
    // The same rule as the realtime transports' clientAddressOf (http/client-address.ts).
    trustProxy: config.trustProxy === false ? false : compileTrust(config.trustProxy),
    bodyLimit: 16 * 1024,
    // A path Fastify's router refuses before any route runs (a parameter over its length limit,
    // a malformed escape) still gets the protocol's error body, not Fastify's own.
    frameworkErrors: (_error, _request, reply: FastifyReply) => {
      void reply
        .code(httpStatusOf.BAD_REQUEST)
        .send({ error: { code: 'BAD_REQUEST', message: 'malformed request path' } });
    },
  });
  await http.register(fastifyCookie);
  // Headers first: they go on every answer, a refusal by the hooks after this one included.
  await securityHeaders(http);
  refuseCrossSiteRequests(http, { allowedOrigins: config.allowedOrigins, log, metrics });
  http.setErrorHandler((error: FastifyError, _request, reply) => {
    const appError = toHttpError(error);
    const outage = !(error instanceof AppError) && outages.report(error);
    if (appError.code === 'INTERNAL' && !outage) log.error({ err: error }, 'request failed');
    if (appError.retryAfterMs !== undefined) void reply.header('retry-after', Math.ceil(appError.retryAfterMs / 1000));
    return reply.code(httpStatusOf[appError.code]).send({ error: appError.toBody() });
  });
  http.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such route' } }),
  );

  const redis: RedisLink | undefined = config.redisUrl
    ? await connectRedis(
        { url: config.redisUrl, prefix: config.redisPrefix, onError: (err) => outages.reportDown('redis', err) },
        log,
      )
    : undefined;
  const limiters = createLimiterFactory(redis);
  const addressGate = createAddressGate({ config, log, metrics, limiters });
  const io = createSocketServer(http.server, config, addressGate);
  if (redis) attachRedisAdapter(io, redis);
  const baseFanout = createSocketIoFanout(io);
  const push = await createPushService({
    db: database.db,
    log,
    subject: config.pushSubject,
    allowedHosts: config.pushEndpointHosts,
    // `presence` is made below; this runs only when a push is due, long after.
    isOnline: async (userId) => (await presence.statusOf([userId])).get(userId) !== 'offline',
    ...(deps.pushAgent ? { agent: deps.pushAgent } : {}),
  });
  // Private messages, mentions and call offers also go out as Web Push to users with no tab open.
  const fanout = withPushHooks(baseFanout, {
    push,
    membersNamed: (roomId, names) => membersNamed(database.db, roomId, names),
    onError: (err) => log.warn({ err }, 'mention push not sent'),
  });
  const refusals = createRefusals({ metrics, log });
  const auth = createAuthService({
    db: database.db,
    throttle: createLoginThrottle(
      { limiters, refusals },
      {
        maxFailures: config.loginMaxFailures,
        maxFailuresPerAddress: config.loginMaxIpFailures,
        windowSeconds: config.loginWindowSeconds,
      },
    ),
    registrations: enforce(
      'register-address',
      limiters.create('register-address', { points: config.registerPerIpPerHour, durationSeconds: 3600 }),
      refusals,
      'too many registrations from this address',
    ),
    passwords: createPasswordHasher({
      refusals,
      options: {
        maxRunning: config.argon2MaxConcurrent,
        maxWaiting: config.argon2MaxWaiting,
        maxWaitMs: config.argon2MaxWaitMs,
      },
    }),
    sessionTtlDays: config.sessionTtlDays,
    registrationMode: config.registration,
    ...(database.changesByOthers ? { changesByOthers: database.changesByOthers } : {}),
  });
  // Issue 15: files (bytes behind a storage seam), slow mode, roles.
  const incoming = await createIncomingDir();
  const files = createFilesService({
    db: database.db,
    storage: createDiskStorage(config.filesDir),
    incomingDir: incoming.dir,
    log,
  });
  const slowMode = createSlowMode({ db: database.db, limiters });
  const rooms = createRoomsService({
    db: database.db,
    fanout,
    findUser: (username) => auth.findUser(username),
    withAttachments: (list) => files.withAttachments(list),
    forgetRoomFiles: (roomId) => files.forgetRoomFiles(roomId),
    onRoomChanged: (roomId) => slowMode.forget(roomId),
    ...(database.changesByOthers ? { changesByOthers: database.changesByOthers } : {}),
    creations: enforce(
      'room-create-user',
      limiters.create('room-create-user', { points: config.roomsPerUserPerHour, durationSeconds: 3600 }),
      refusals,
      'too many rooms created; wait before creating another',
    ),
  });
  const scrubber = createScrubber(database, log);
  const messages = createMessagesService({
    db: database.db,
    store: createMessageStore(database),
    fanout,
    scrubber,
    // A room's owner and moderators delete anyone's message there.
    mayModerate: (roomId, userId) => rooms.mayModerate(roomId, userId),
    onStored: () => metrics.messagesStored.inc(),
    onError: (error, what) => log.error({ err: error, what }, 'message hook failed'),
    slowMode,
    attachments: files,
  });
  // Delete means gone: a deleted message's files (bytes and previews) go with it.
  messages.onMessageDeleted.push(({ messageId }) => files.forgetMessageFiles(messageId));

  const { outbox, disabledReason } = await openOutbox(redis, log);
  const dms = createDmService({
    outbox,
    ...(disabledReason ? { disabledReason } : {}),
    fanout,
    db: database.db,
    findUser: (username) => auth.findUser(username),
    // Late-bound: the buddies service is made below; these run only once events flow.
    areBuddies: (userId, otherId) => buddies.areBuddies(userId, otherId),
    isBlocked: (userId, otherId) => buddies.isBlocked(userId, otherId),
    queueCaps: {
      perPair: config.dmQueuePerPair,
      perSender: config.dmQueuePerSender,
      perRecipient: config.dmQueueMax,
      total: config.dmQueueTotalMax,
    },
    refusals,
  });

  const tracker = openPresenceTracker(redis, {
    graceMs: config.presenceGraceMs,
    instanceTtlMs: config.presenceInstanceTtlMs,
    log,
  });
  // Presence tells buddies, and buddies ask presence for statuses: the closure below reads
  // `buddies` only when a status changes, long after both exist.
  const presence = createPresenceService({
    tracker,
    fanout,
    log,
    findUserById: (id) => auth.findUserById(id),
    buddyIdsOf: (id) => buddies.buddyIdsOf(id),
    recordLastSeen: (id, at) => setLastSeen(database.db, id, at),
  });
  const buddies = createBuddiesService({
    db: database.db,
    fanout,
    presence,
    findUser: (username) => auth.findUser(username),
  });

  const calls = createCallsService({
    fanout,
    ledger: openCallLedger(redis, config.callRingTimeoutMs),
    findUser: (username) => auth.findUser(username),
    areBuddies: (userId, otherId) => buddies.areBuddies(userId, otherId),
    rings: enforce(
      'call-ring-user',
      limiters.create('call-ring-user', { points: config.callsPerUserPerMinute, durationSeconds: 60 }),
      refusals,
      'too many calls started; wait before calling again',
    ),
    ringTimeoutMs: config.callRingTimeoutMs,
    iceServers: config.iceServers,
    iceTransportPolicy: config.iceTransportPolicy,
    turnSecret: config.turnSecret,
    turnCredentialTtlSeconds: config.turnTtlSeconds,
  });

  const attention = createAttentionService({
    db: database.db,
    fanout,
    assertMember: (user, roomId) => rooms.assertMember(user, roomId),
    findUser: (username) => auth.findUser(username),
    areBuddies: (userId, otherId) => buddies.areBuddies(userId, otherId),
  });
  const search = createSearchService({
    database,
    assertMember: (user, roomId) => rooms.assertMember(user, roomId),
    withAttachments: (list) => files.withAttachments(list),
  });

  const directWebSocket = acceptConnections(io, http.server, {
    config,
    log,
    metrics,
    inFlight,
    outages,
    handlers: {
      ...withReadState(roomsHandlers(rooms), attention),
      ...attentionHandlers(attention),
      ...searchHandlers(search),
      ...messagesHandlers(messages),
      ...dmsHandlers(dms),
      ...buddiesHandlers(buddies, presence),
      ...callsHandlers(calls),
    },
    lifecycles: [dms, presence, calls],
    authenticate: (token) => auth.authenticate(token),
    roomIdsOf: (userId) => rooms.roomIdsOf(userId),
    addressGate,
  });

  authRoutes(http, {
    auth,
    disconnectSession: (token) => io.in(sessionChannel(hashToken(token))).disconnectSockets(true),
  });
  sessionsRoutes(http, {
    auth,
    disconnectSession: (tokenHash) => io.in(sessionChannel(tokenHash)).disconnectSockets(true),
  });
  callsRoutes(http, { calls, authenticate: (token) => auth.authenticate(token) });
  await filesRoutes(http, {
    files,
    authenticate: (token) => auth.authenticate(token),
    maxUploadBytes: config.maxUploadBytes,
  });
  pushRoutes(http, { push, authenticate: (token) => auth.authenticate(token) });
  operationsRoutes(http, {
    metrics,
    isDraining: () => inFlight.draining,
    metricsToken: config.metricsToken,
    readinessChecks: {
      database: () => database.ping(),
      ...(redis ? { redis: () => redis.ping() } : {}),
    },
  });
  await staticRoutes(http, config.webRoot);

  const revocations = watchRevokedSessions({
    intervalMs: config.sessionCheckMs,
    localSessions: () => localSessionHashes(io),
    liveSessions: (hashes) => auth.liveSessions(hashes),
    disconnectLocal: (tokenHash) => io.local.in(sessionChannel(tokenHash)).disconnectSockets(true),
    log,
  });
  const sessionSweeper = startSessionSweeper({
    auth,
    disconnectSession: (tokenHash) => io.in(sessionChannel(tokenHash)).disconnectSockets(true),
    log,
  });

  /** A client that stopped reading an answer keeps its connection busy; past the timeout it is cut. */
  async function closeHttp(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const closed = http.close();
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, config.shutdownTimeoutMs)))]);
    clearTimeout(timer);
    http.server.closeAllConnections();
    await closed;
  }

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    inFlight.draining = true;
    sessionSweeper.stop();
    calls.close();
    revocations.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      inFlight.settled(),
      new Promise((resolve) => (timer = setTimeout(resolve, config.shutdownTimeoutMs))),
    ]);
    clearTimeout(timer);
    fanout.flush();
    await scrubber.close();
    // Both close connections without a disconnect packet, so clients reconnect (to this
    // server's successor) instead of treating it as being signed out.
    await directWebSocket?.close();
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    await closeHttp();
    await outbox?.close();
    await push.settled();
    await presence.close();
    outages.close();
    await redis?.close();
    await database.close();
    await incoming.remove();
  }

  return {
    http,
    io,
    metrics,
    async listen() {
      return http.listen({ port: config.port, host: config.host });
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

/** The token hashes of the sessions this instance holds sockets for (its local session channels). */
function localSessionHashes(io: ParleyServer): string[] {
  const prefix = sessionChannel('');
  const hashes: string[] = [];
  for (const room of io.of('/').adapter.rooms.keys()) {
    if (room.startsWith(prefix)) hashes.push(room.slice(prefix.length));
  }
  return hashes;
}

function toHttpError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('TOO_LARGE', 'request body too large');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('BAD_REQUEST', error.message);
  }
  const body = toErrorBody(error);
  return new AppError(body.code, body.message, body.retryAfterMs, body.reason);
}
