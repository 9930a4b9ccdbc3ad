/**
 * The public key this browser last trusted for each contact (trust on first use): when a
 * contact's key differs from it, the conversation shows a warning until the user accepts the
 * new key. Public keys are not secret, so localStorage is fine; per signed-in user.
 */
const storageKey = (myId: string) => `parley:contact-keys:${myId}`;

function readAll(myId: string): Record<string, string> {
  try {
    const raw = localStorage.getItem(storageKey(myId));
    const parsed = raw ? (JSON.parse(raw) as unknown) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export const knownKeys = {
  get(myId: string, username: string): string | undefined {
    const value = readAll(myId)[username.toLowerCase()];
    return typeof value === 'string' ? value : undefined;
  },
  set(myId: string, username: string, publicKey: string): void {
    try {
      localStorage.setItem(storageKey(myId), JSON.stringify({ ...readAll(myId), [username.toLowerCase()]: publicKey }));
    } catch {
      // Storage full or disabled: the warning then only works within this page's life.
    }
  },
};
