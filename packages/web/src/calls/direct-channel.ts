/**
 * Direct chat and file transfer over the call's RTCDataChannel: peer to peer (DTLS-encrypted by
 * WebRTC), never through the Parley server. Control frames are JSON text; a file's bytes follow
 * its "file" frame as binary frames, one file at a time per direction, so a binary frame always
 * belongs to the file being received.
 *
 * Sending streams the File in CHUNK-sized slices and waits whenever the channel's buffer is above
 * HIGH_WATER (bufferedamountlow wakes it), so a file of any size never sits in memory whole.
 * Receiving collects the chunks into Blobs as they arrive (see openSink).
 */

export const CHUNK = 64 * 1024;
/** Read from disk (and written to it) in slices of this size: fewer round trips than per chunk. */
const SLICE = 16 * CHUNK;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Progress is told at most this often: a re-render per 64 KB would cost more than the transfer. */
const PROGRESS_EVERY_MS = 200;

type Frame =
  | { t: 'text'; id: string; text: string }
  | { t: 'file'; id: string; name: string; size: number; type: string }
  | { t: 'file-end'; id: string }
  | { t: 'cancel'; id: string }
  | { t: 'bye' };

export interface DirectEvents {
  text(id: string, text: string): void;
  fileStart(id: string, name: string, size: number): void;
  fileProgress(id: string, mine: boolean, done: number): void;
  fileDone(id: string, file: File): void;
  fileCancelled(id: string, mine: boolean): void;
  /** The peer said goodbye (hung up, closed the app) or the channel closed. */
  closed(): void;
}

interface Incoming {
  id: string;
  name: string;
  size: number;
  type: string;
  received: number;
  sink: Sink;
}

interface Sink {
  write(chunk: ArrayBuffer): Promise<void>;
  finish(): Promise<File>;
  abort(): Promise<void>;
}

export interface DirectChannel {
  sendText(id: string, text: string): void;
  /** Streams the file; resolves when every byte is handed to the channel (or it was cancelled). */
  sendFile(id: string, file: File): Promise<void>;
  cancel(id: string, mine: boolean): void;
  bye(): void;
}

export function attachDirectChannel(channel: RTCDataChannel, events: DirectEvents): DirectChannel {
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = LOW_WATER;
  const cancelledOut = new Set<string>();
  let incoming: Incoming | undefined;
  const lastProgress = new Map<string, number>();
  const progress = (id: string, mine: boolean, done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - (lastProgress.get(id) ?? 0) < PROGRESS_EVERY_MS) return;
    lastProgress.set(id, now);
    events.fileProgress(id, mine, done);
  };
  /** Incoming frames are handled in order, one at a time (writes to disk are asynchronous). */
  let queue: Promise<void> = Promise.resolve();

  const send = (frame: Frame) => {
    if (channel.readyState === 'open') channel.send(JSON.stringify(frame));
  };

  async function onFrame(data: unknown): Promise<void> {
    if (data instanceof ArrayBuffer) {
      if (!incoming) return;
      await incoming.sink.write(data);
      incoming.received += data.byteLength;
      progress(incoming.id, false, incoming.received, incoming.size);
      return;
    }
    if (typeof data !== 'string') return;
    const frame = parseFrame(data);
    if (!frame) return;
    switch (frame.t) {
      case 'text':
        events.text(frame.id, frame.text);
        return;
      case 'file':
        if (incoming) await incoming.sink.abort();
        incoming = { ...frame, received: 0, sink: openSink(frame.name, frame.type) };
        events.fileStart(frame.id, frame.name, frame.size);
        return;
      case 'file-end': {
        const done = incoming;
        incoming = undefined;
        if (done?.id !== frame.id) return;
        events.fileDone(done.id, await done.sink.finish());
        return;
      }
      case 'cancel':
        if (incoming?.id === frame.id) {
          await incoming.sink.abort();
          incoming = undefined;
          events.fileCancelled(frame.id, false);
        } else {
          // The receiver cancelled a file we are sending.
          cancelledOut.add(frame.id);
          events.fileCancelled(frame.id, true);
        }
        return;
      case 'bye':
        events.closed();
    }
  }

  channel.addEventListener('message', (event: MessageEvent<unknown>) => {
    queue = queue.then(() => onFrame(event.data)).catch(() => undefined);
  });
  channel.addEventListener('close', () => {
    const open = incoming;
    incoming = undefined;
    if (open) void open.sink.abort();
    events.closed();
  });

  function drained(): Promise<void> {
    if (channel.bufferedAmount <= HIGH_WATER) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        channel.removeEventListener('bufferedamountlow', wake);
        channel.removeEventListener('close', wake);
        resolve();
      };
      channel.addEventListener('bufferedamountlow', wake);
      channel.addEventListener('close', wake);
    });
  }

  return {
    sendText(id, text) {
      send({ t: 'text', id, text });
    },

    async sendFile(id, file) {
      send({ t: 'file', id, name: file.name, size: file.size, type: file.type });
      for (let offset = 0; offset < file.size; offset += SLICE) {
        const slice = await file.slice(offset, offset + SLICE).arrayBuffer();
        for (let at = 0; at < slice.byteLength; at += CHUNK) {
          if (cancelledOut.has(id) || channel.readyState !== 'open') return;
          await drained();
          if (cancelledOut.has(id) || channel.readyState !== 'open') return;
          channel.send(slice.slice(at, at + CHUNK));
        }
        progress(id, true, Math.min(file.size, offset + SLICE), file.size);
      }
      send({ t: 'file-end', id });
    },

    cancel(id, mine) {
      if (mine) cancelledOut.add(id);
      else if (incoming?.id === id) {
        void incoming.sink.abort();
        incoming = undefined;
      }
      send({ t: 'cancel', id });
      events.fileCancelled(id, mine);
    },

    bye() {
      send({ t: 'bye' });
    },
  };
}

function parseFrame(text: string): Frame | undefined {
  try {
    const value = JSON.parse(text) as Partial<Frame> & Record<string, unknown>;
    const id = typeof value.id === 'string' ? value.id.slice(0, 64) : '';
    switch (value.t) {
      case 'text':
        return typeof value.text === 'string' ? { t: 'text', id, text: value.text.slice(0, 10_000) } : undefined;
      case 'file':
        return typeof value.name === 'string' && typeof value.size === 'number'
          ? {
              t: 'file',
              id,
              name: value.name.slice(0, 255),
              size: value.size,
              type: typeof value.type === 'string' ? value.type.slice(0, 100) : '',
            }
          : undefined;
      case 'file-end':
      case 'cancel':
        return { t: value.t, id };
      case 'bye':
        return { t: 'bye' };
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/**
 * Received bytes go into Blobs of SLICE bytes each as they arrive, and the file is a Blob of
 * those Blobs: no single buffer of the whole file is ever made, and the browser's blob store
 * keeps large blobs on disk (Chromium pages them out past its memory quota).
 */
function openSink(name: string, type: string): Sink {
  let parts: Blob[] = [];
  let pending: ArrayBuffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    parts.push(new Blob(pending));
    pending = [];
    pendingBytes = 0;
  };
  return {
    write(chunk) {
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= SLICE) flush();
      return Promise.resolve();
    },
    finish() {
      flush();
      return Promise.resolve(new File(parts, name, { type }));
    },
    abort() {
      parts = [];
      pending = [];
      pendingBytes = 0;
      return Promise.resolve();
    },
  };
}
