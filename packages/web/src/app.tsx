import { useEffect } from 'react';
import { AuthScreen } from './auth/auth-screen.js';
import { CallLayer } from './calls/call-layer.js';
import { totalUnread } from './state/app-state.js';
import { useAppState } from './state/use-controller.js';
import { Shell } from './ui/shell.js';
import { Toasts } from './ui/toasts.js';

export function App() {
  const phase = useAppState((s) => s.phase);
  const unread = useAppState(totalUnread);

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Parley` : 'Parley';
  }, [unread]);

  return (
    <>
      {phase === 'loading' || phase === 'connecting' ? (
        <div className="splash" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          {phase === 'loading' ? 'Loading…' : 'Connecting…'}
        </div>
      ) : phase === 'signed-out' ? (
        <AuthScreen />
      ) : (
        <>
          <Shell />
          <CallLayer />
        </>
      )}
      <Toasts />
    </>
  );
}
