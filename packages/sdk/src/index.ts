export { ParleyClient, type ConnectOptions, type ConnectionStatus, type RequestOptions } from './client.js';
export { ParleyError, login, logout, me, register } from './http.js';
export { createRoomSync, type CatchUp, type RoomSync } from './room-sync.js';
