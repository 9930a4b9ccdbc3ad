import { createContext, useContext } from 'react';
import type { AppState } from './app-state.js';
import type { Controller } from './controller.js';
import { useStore } from './store.js';

const ControllerContext = createContext<Controller | undefined>(undefined);

export const ControllerProvider = ControllerContext.Provider;

export function useController(): Controller {
  const controller = useContext(ControllerContext);
  if (!controller) throw new Error('useController outside ControllerProvider');
  return controller;
}

/** A slice of the app state; re-renders only when that slice changes. */
export function useAppState<T>(select: (state: AppState) => T): T {
  return useStore(useController().store, select);
}
