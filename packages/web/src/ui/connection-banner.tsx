import { useAppState } from '../state/use-controller.js';

/** Always mounted, so screen readers announce the change of its text. */
export function ConnectionBanner() {
  const connection = useAppState((s) => s.connection);
  return (
    <div className={`banner banner-${connection}`} role="status" aria-live="polite" data-testid="connection-banner">
      {connection === 'lost' && 'Connection lost. Reconnecting…'}
      {connection === 'back' && 'Connection is back.'}
    </div>
  );
}
