export { ParleyClient, type ConnectOptions, type ConnectionStatus, type RequestOptions } from './client.js';
export { ParleyError, endSession, listSessions, login, logout, me, register, registrationMode } from './http.js';
export { createRoomSync, type CatchUp, type RoomSync } from './room-sync.js';
