import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { createController } from './state/controller.js';
import { ControllerProvider } from './state/use-controller.js';

/** `?transport=polling` (or websocket) pins the Socket.IO transport: for tests and broken proxies. */
function transportsFromUrl(): ('websocket' | 'polling')[] {
  const only = new URLSearchParams(location.search).get('transport');
  return only === 'polling' || only === 'websocket' ? [only] : ['websocket', 'polling'];
}

const controller = createController({ baseUrl: location.origin, transports: transportsFromUrl() });
void controller.boot();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ControllerProvider value={controller}>
        <App />
      </ControllerProvider>
    </StrictMode>,
  );
}
