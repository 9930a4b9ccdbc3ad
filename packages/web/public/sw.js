/* global self */
// Parley's service worker: shows Web Push notifications while no tab is open (issue 14).
// A push carries who and what kind only ({ kind, from, roomId? }), never message text.
'use strict';

const TEXT = {
  dm: (name) => `${name} sent you a private message`,
  mention: (name) => `${name} mentioned you`,
  call: (name) => `${name} is calling you`,
};

self.addEventListener('push', (event) => {
  let notice;
  try {
    notice = event.data ? event.data.json() : undefined;
  } catch {
    notice = undefined;
  }
  const name = notice && notice.from && typeof notice.from.username === 'string' ? notice.from.username : 'Someone';
  const text = notice && TEXT[notice.kind] ? TEXT[notice.kind](name) : 'Something new in Parley';
  const tag = notice && notice.kind ? `${notice.kind}:${notice.roomId || name}` : 'parley';
  event.waitUntil(self.registration.showNotification('Parley', { body: text, tag, data: { url: '/' } }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      return open ? open.focus() : self.clients.openWindow('/');
    }),
  );
});
