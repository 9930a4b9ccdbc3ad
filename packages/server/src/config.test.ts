import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('has a default for every option', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      dataDir: './data',
      databaseUrl: undefined,
      redisUrl: undefined,
      allowedOrigins: [],
      logLevel: 'info',
      transports: ['websocket', 'polling'],
      maxEventBytes: 65_536,
      rateLimitPerSec: 20,
      rateLimitBurst: 40,
      maxConnections: 10_000,
      maxConnectionsPerUser: 20,
    });
  });

  it('has a default for every abuse limit, and refuses a limit of zero', () => {
    expect(loadConfig({})).toMatchObject({
      loginMaxFailures: 10,
      loginMaxIpFailures: 100,
      registerPerIpPerHour: 20,
      argon2MaxConcurrent: 2,
      argon2MaxWaiting: 64,
      argon2MaxWaitMs: 5000,
      roomsPerUserPerHour: 10,
      dmQueueMax: 100,
      dmQueuePerPair: 20,
      dmQueuePerSender: 200,
      dmQueueTotalMax: 10_000,
    });
    expect(() => loadConfig({ REGISTER_PER_IP_PER_HOUR: '0', ARGON2_MAX_CONCURRENT: '0' })).toThrow(
      /REGISTER_PER_IP_PER_HOUR.*ARGON2_MAX_CONCURRENT/,
    );
  });

  it('parses lists and numbers from the environment', () => {
    const config = loadConfig({
      PORT: '8080',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      TRANSPORTS: 'polling',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/parley',
    });
    expect(config.port).toBe(8080);
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.transports).toEqual(['polling']);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/parley');
  });

  it('fails fast naming each wrong variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(/PORT.*LOG_LEVEL|LOG_LEVEL.*PORT/);
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ TRANSPORTS: 'carrier-pigeon' })).toThrow(/TRANSPORTS/);
  });
});
