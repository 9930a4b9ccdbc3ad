import type { AppState } from './app-state.js';
import type { Store } from './store.js';

export type Notifier = ReturnType<typeof createNotifier>;

/**
 * Desktop notifications through the browser's Notification API. Permission is only ever asked
 * from a click (browsers penalise sites that ask on load, and users rightly refuse), and a
 * notification is shown only while the tab is hidden: in a visible tab the toast is enough.
 */
export function createNotifier(store: Store<AppState>) {
  const supported = typeof Notification !== 'undefined';
  const refresh = () => {
    const notifications = supported ? Notification.permission : 'unsupported';
    store.set((s) => (s.notifications === notifications ? s : { ...s, notifications }));
  };
  refresh();

  return {
    refresh,

    /** Call from a user gesture only. */
    enable: async (): Promise<void> => {
      if (!supported) return;
      try {
        await Notification.requestPermission();
      } catch {
        // Old Safari takes a callback instead of answering a promise; the permission is read below either way.
      }
      refresh();
    },

    /** `tag` replaces an earlier notification of the same conversation instead of stacking up. */
    notify: (title: string, body: string, tag: string, onClick?: () => void): void => {
      if (!supported || Notification.permission !== 'granted' || !document.hidden) return;
      try {
        const notification = new Notification(title, { body, tag });
        notification.onclick = () => {
          window.focus();
          onClick?.();
          notification.close();
        };
      } catch {
        // Chrome on Android allows notifications only from a service worker: the toast and badge remain.
      }
    },
  };
}
