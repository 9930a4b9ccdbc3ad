export * from './clients.js';
export * from './server.js';
export * from './services.js';
export * from './tcp-proxy.js';
export * from './own-redis.js';
export * from './probes.js';
