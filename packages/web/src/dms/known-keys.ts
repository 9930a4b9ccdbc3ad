import type { ContactTrust } from '../state/dm-trust.js';

/**
 * What this browser remembers of each contact's devices (and which it verified): public keys
 * are not secret, so localStorage is fine; per signed-in user. See state/dm-trust.ts.
 */
const storageKey = (myId: string) => `parley:contact-trust:${myId}`;

function readAll(myId: string): Record<string, ContactTrust> {
  try {
    const raw = localStorage.getItem(storageKey(myId));
    const parsed = raw ? (JSON.parse(raw) as unknown) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, ContactTrust>) : {};
  } catch {
    return {};
  }
}

export const contactTrust = {
  get(myId: string, username: string): ContactTrust | undefined {
    const value = readAll(myId)[username.toLowerCase()];
    return value && typeof value === 'object' && typeof value.devices === 'object' ? value : undefined;
  },
  set(myId: string, username: string, trust: ContactTrust): void {
    try {
      localStorage.setItem(storageKey(myId), JSON.stringify({ ...readAll(myId), [username.toLowerCase()]: trust }));
    } catch {
      // Storage full or disabled: trust then only lasts for this page's life.
    }
  },
};
