import { useSyncExternalStore } from 'react';

/** A minimal observable store: one immutable state value, replaced on every update. */
export interface Store<S> {
  get(): S;
  set(update: (state: S) => S): void;
  /** Arrow-typed so that it can be handed around unbound (useSyncExternalStore does). */
  subscribe: (listener: () => void) => () => void;
}

export function createStore<S>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(update) {
      const next = update(state);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Subscribes a component to a slice; `select` must return a part of the state, not a new object. */
export function useStore<S, T>(store: Store<S>, select: (state: S) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}
