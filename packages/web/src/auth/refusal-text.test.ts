import { RefusalReason } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { inviteFromUrl, refusalText } from './refusal-text.js';

describe('refusal texts', () => {
  it('has a distinct text for every reason the server gives, and none for an unknown one', () => {
    const texts = Object.values(RefusalReason)
      // Not shown on a form: admin routes are not the app's, and the private-message sender
      // answers missing_devices itself (it re-reads the device lists and encrypts again).
      .filter((reason) => reason !== RefusalReason.adminOnly && reason !== RefusalReason.missingDevices)
      .map((reason) => refusalText(reason));
    expect(texts.every((text) => typeof text === 'string' && text.length > 0)).toBe(true);
    expect(new Set(texts).size).toBe(texts.length);
    expect(refusalText('something_new')).toBeUndefined();
    expect(refusalText(undefined)).toBeUndefined();
  });

  it('reads an invite code from the link', () => {
    expect(inviteFromUrl('?invite=abc_DEF-1')).toBe('abc_DEF-1');
    expect(inviteFromUrl('')).toBe('');
  });
});
