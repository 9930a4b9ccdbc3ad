import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where file bytes live. Keys are chosen by the server (a file's UUID, and `<uuid>.preview`),
 * never by a client. A second implementation (an object store) fills the same four methods.
 */
export interface FileStorage {
  /** Stores the bytes of `source` under `key`; a failed write leaves nothing behind. */
  put(key: string, source: Readable): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Readable | undefined>;
  /** Removes `key`; removing a missing key is not an error. */
  remove(key: string): Promise<void>;
}

const SAFE_KEY = /^[0-9a-f-]{36}(\.preview)?$/;

/**
 * Files in one folder (DATA_DIR/files by default). Several instances share it when it is a
 * shared folder (NFS, a mounted volume): writes go to a temporary name and are renamed into
 * place, so a reader on any instance sees a whole file or none.
 */
export function createDiskStorage(dir: string): FileStorage {
  let ready: Promise<unknown> | undefined;
  const pathOf = (key: string) => {
    // Keys come from the server, but a storage never trusts its caller with a path.
    if (!SAFE_KEY.test(key)) throw new Error(`unsafe storage key ${JSON.stringify(key)}`);
    return path.join(dir, key);
  };
  return {
    async put(key, source) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const target = pathOf(key);
      const partial = `${target}.${process.pid}.partial`;
      try {
        await pipeline(source, createWriteStream(partial, { flags: 'wx' }));
        await rename(partial, target);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    },
    async get(key) {
      const file = pathOf(key);
      try {
        await stat(file);
      } catch {
        return undefined;
      }
      return createReadStream(file);
    },
    async remove(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
