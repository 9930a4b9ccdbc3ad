/**
 * Direct chat and file transfer over the call's RTCDataChannel: peer to peer (DTLS-encrypted by
 * WebRTC), never through the Parley server. Control frames are JSON text; a file's bytes follow
 * its "file" frame as binary frames, one file at a time per direction, so a binary frame always
 * belongs to the file being received.
 *
 * Sending streams the File in CHUNK-sized slices and waits whenever the channel's buffer is above
 * HIGH_WATER (bufferedamountlow wakes it), so a file of any size never sits in memory whole.
 * Receiving writes into the origin-private file system where the browser has one (the bytes go
 * to disk as they arrive); elsewhere it falls back to a Blob built from the chunks.
 */

export const CHUNK = 64 * 1024;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

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
      events.fileProgress(incoming.id, false, incoming.received);
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
        incoming = { ...frame, received: 0, sink: await openSink(frame.id, frame.name) };
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
      for (let offset = 0; offset < file.size; offset += CHUNK) {
        if (cancelledOut.has(id) || channel.readyState !== 'open') return;
        await drained();
        if (cancelledOut.has(id) || channel.readyState !== 'open') return;
        channel.send(await file.slice(offset, offset + CHUNK).arrayBuffer());
        events.fileProgress(id, true, Math.min(file.size, offset + CHUNK));
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

/** The origin-private file system when there is one (bytes go to disk); else chunks in a Blob. */
async function openSink(id: string, name: string): Promise<Sink> {
  try {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('parley-direct', { create: true });
    const fileName = `${id.replace(/[^a-z0-9-]/gi, '')}.part`;
    const handle = await dir.getFileHandle(fileName, { create: true });
    const writable = await handle.createWritable();
    return {
      write: (chunk) => writable.write(chunk),
      async finish() {
        await writable.close();
        const file = await handle.getFile();
        return new File([file], name, { type: file.type });
      },
      async abort() {
        await writable.abort().catch(() => undefined);
        await dir.removeEntry(fileName).catch(() => undefined);
      },
    };
  } catch {
    const parts: ArrayBuffer[] = [];
    return {
      write: (chunk) => {
        parts.push(chunk);
        return Promise.resolve();
      },
      finish: () => Promise.resolve(new File(parts, name)),
      abort: () => {
        parts.length = 0;
        return Promise.resolve();
      },
    };
  }
}
