import { describe, expect, it } from 'vitest';
import type { FileInfo } from '@parley/protocol';
import { addUpload, canSend, failUpload, finishUpload, progressUpload, readyFiles, removeUpload } from './uploads.js';

const file: FileInfo = { id: 'f1', name: 'a.png', size: 3, contentType: 'image/png', url: '/api/files/f1' };

describe('pending uploads', () => {
  it('go uploading → done, and only then can a message carry them', () => {
    let list = addUpload([], 'l1', 'a.png', 3);
    expect(canSend(list, '')).toBe(false);
    expect(canSend(list, 'text waits too')).toBe(false);
    list = progressUpload(list, 'l1', 0.5);
    expect(list[0]?.progress).toBe(0.5);
    list = progressUpload(list, 'l1', 7);
    expect(list[0]?.progress).toBe(1);
    list = finishUpload(list, 'l1', file);
    expect(readyFiles(list)).toEqual([file]);
    expect(canSend(list, '')).toBe(true);
  });

  it('a failed upload blocks sending until removed; cancel removes', () => {
    let list = addUpload(addUpload([], 'l1', 'a', 1), 'l2', 'b', 1);
    list = finishUpload(list, 'l1', file);
    list = failUpload(list, 'l2', 'too large');
    expect(canSend(list, 'hi')).toBe(false);
    list = removeUpload(list, 'l2');
    expect(canSend(list, 'hi')).toBe(true);
    expect(canSend([], '  ')).toBe(false);
  });
});
