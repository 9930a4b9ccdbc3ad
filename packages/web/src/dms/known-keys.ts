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

/** Contacts whose message request the user accepted (not secret: who one talks to is known to the server). */
const acceptedKey = (myId: string) => `parley:dm-accepted:${myId}`;

export const acceptedContacts = {
  has(myId: string, username: string): boolean {
    try {
      const list = JSON.parse(localStorage.getItem(acceptedKey(myId)) ?? '[]') as unknown;
      return Array.isArray(list) && list.includes(username.toLowerCase());
    } catch {
      return false;
    }
  },
  add(myId: string, username: string): void {
    try {
      const list = JSON.parse(localStorage.getItem(acceptedKey(myId)) ?? '[]') as unknown;
      const names = Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : [];
      localStorage.setItem(acceptedKey(myId), JSON.stringify([...new Set([...names, username.toLowerCase()])]));
    } catch {
      // Storage off: accepted for this page only.
    }
  },
};
