export * from './clients.js';
export * from './server.js';
export * from './services.js';
export * from './probes.js';
