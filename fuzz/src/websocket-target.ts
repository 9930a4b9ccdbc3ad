import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameReader, OPCODE, type ServerFrame } from './frames.js';
import { describeBytes } from './shapes.js';
import { answerCode, connectErrorCode, countAnswer, type TargetContext } from './target.js';
import { upgradeRequest, wirePacket } from './websocket-packets.js';

/** How long a session waits for answers after its last write before it hangs up. */
const QUIET_MS = 60;

/** A raw TCP connection that writes its own upgrade and frames, and reads the server's frames. */
class RawConnection {
  closedByServer = false;
  private hungUp = false;
  private framesReceived = 0;
  upgraded: Promise<string>;
  private lastActivity = Date.now();
  private readonly reader: FrameReader;

  constructor(
    private readonly socket: Socket,
    onFrame: (frame: ServerFrame) => void,
  ) {
    this.reader = new FrameReader((frame) => {
      this.framesReceived += 1;
      if (frame.opcode === OPCODE.close) this.closedByServer = true;
      onFrame(frame);
    });
    socket.on('error', () => undefined); // EPIPE / ECONNRESET: the server hung up, seen as 'close'
    socket.once('close', () => {
      if (!this.hungUp) this.closedByServer = true;
    });
    this.upgraded = new Promise((resolve) => {
      let head = Buffer.alloc(0);
      const onHead = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1 && head.length < 65_536) return;
        socket.off('data', onHead);
        const status = head.subarray(0, Math.max(0, end)).toString('latin1').split('\r\n')[0] ?? '';
        socket.on('data', (data: Buffer) => this.receive(data));
        if (end !== -1 && head.length > end + 4) this.receive(head.subarray(end + 4));
        resolve(status.split(' ')[1] ?? 'none');
      };
      socket.on('data', onHead);
      socket.once('close', () => resolve('closed'));
    });
  }

  private receive(data: Buffer): void {
    this.lastActivity = Date.now();
    try {
      this.reader.push(data);
    } catch {
      this.hangUp();
    }
  }

  /** Resolves once the server has answered something (or closed), at most `maxMs`. */
  async answered(maxMs: number): Promise<void> {
    const before = this.framesReceived;
    const deadline = Date.now() + maxMs;
    while (this.open && this.framesReceived === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  get open(): boolean {
    return !this.socket.destroyed && !this.closedByServer;
  }

  write(bytes: Buffer): void {
    this.lastActivity = Date.now();
    if (this.open) this.socket.write(bytes);
  }

  /** Resolves once the server has been quiet for QUIET_MS (or has closed), at most `maxMs`. */
  async quiet(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (this.open && Date.now() < deadline && Date.now() - this.lastActivity < QUIET_MS) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** A reset, not a FIN: thousands of fuzz connections leave no TIME_WAIT behind. */
  hangUp(): void {
    this.hungUp = true;
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }
}

/** One WebSocket connection: an upgrade (sometimes bent), perhaps a sign-in, then 1-60 packets. */
export async function runWebSocketSession(ctx: TargetContext): Promise<void> {
  const { rng, counts, recent } = ctx;
  const token = ctx.tokens.length > 0 && rng.chance(0.9) ? rng.pick(ctx.tokens) : undefined;
  const socket = connect({ host: ctx.host, port: ctx.port, noDelay: true });
  counts.connections += 1;
  const connection = new RawConnection(socket, (frame) => {
    if (frame.opcode !== OPCODE.text) return;
    const text = frame.payload.toString();
    if (text.startsWith('43')) countAnswer(counts, answerCode(text.replace(/^43\d*/, '')));
    else if (text.startsWith('44')) countAnswer(counts, connectErrorCode(text));
  });
  try {
    await new Promise<void>((resolve) => {
      socket.once('connect', resolve);
      socket.once('close', () => resolve());
    });
    const upgrade = upgradeRequest(rng, token, ctx.skipKnownCrashes);
    recent.add(`ws upgrade ${describeBytes(upgrade)}`);
    connection.write(Buffer.from(upgrade));
    counts.packets += 1;
    const status = await connection.upgraded;
    if (status !== '101') {
      countAnswer(counts, `HTTP ${status}`);
      if (connection.closedByServer) counts.closedByServer += 1;
      return;
    }
    if (rng.chance(0.95)) {
      const auth = rng.chance(0.95) && token ? `40${JSON.stringify({ token })}` : '40';
      connection.write(encodeFrame({ opcode: OPCODE.text, payload: Buffer.from(auth) }, rng));
      counts.packets += 1;
      await connection.answered(1000);
    }
    const steps = 1 + rng.int(120);
    for (let step = 0; step < steps && connection.open && ctx.serverAlive(); step += 1) {
      const packet = wirePacket(rng, step);
      recent.add(`ws frame: ${packet.description} ${describeBytes(packet.bytes, 120)}`);
      connection.write(packet.bytes);
      counts.packets += packet.packets;
      if (packet.fatal) break;
      if (step % 20 === 19) await connection.quiet(200);
    }
    await connection.quiet(300);
    if (connection.closedByServer) counts.closedByServer += 1;
  } finally {
    connection.hangUp();
  }
}
