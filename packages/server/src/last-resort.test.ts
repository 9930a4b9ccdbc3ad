import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { installLastResort } from './last-resort.js';
import { createLogger } from './log.js';

describe('the last-resort handler', () => {
  it('logs and counts an uncaught exception and an unhandled rejection, without what they carried', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const events = new EventEmitter();
    let counted = 0;
    installLastResort(events, createLogger('info', sink), () => (counted += 1));

    const leaky = Object.assign(new URIError('URI malformed'), { token: 'secret-session-token' });
    events.emit('uncaughtException', leaky);
    events.emit('unhandledRejection', 'a string, not an Error');

    expect(counted).toBe(2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('URI malformed');
    expect(lines[0]).toContain('uncaughtException');
    expect(lines[1]).toContain('unhandledRejection');
    expect(lines.join('')).not.toContain('secret-session-token');
    expect(lines.join('')).not.toContain('a string, not an Error');
  });
});
