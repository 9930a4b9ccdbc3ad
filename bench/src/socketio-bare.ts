import { createServer } from 'node:http';
import { Server } from 'socket.io';

/**
 * The connection baseline of issue 17: a Socket.IO server (the version Parley pins) with its
 * defaults, no middleware, no handlers and no rooms. What one of its connections costs is what
 * Socket.IO itself costs; Parley's reconnection (token check, subscriptions, re-join with
 * catch-up) is compared with it. The load clients speak the same wire protocol to both.
 */
const port = Number(process.env.PORT ?? 0);
const http = createServer();
const io = new Server(http);
io.on('connection', () => undefined);
http.listen(port, '127.0.0.1', () => {
  const address = http.address();
  // The orchestrator waits for this line to know the server is ready and on which port.
  console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => process.exit(0));
