// Web Push: shows what the server pushed, and opens the client when the notification is clicked.
// Notifications are plain text by nature; nothing here builds markup.

self.addEventListener('push', (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { body: event.data?.text() }; }
  const title = typeof data.title === 'string' ? data.title : 'ChatOrleans';
  const body = typeof data.body === 'string' ? data.body : 'New message';
  const tag = typeof data.chat_id === 'string' ? data.chat_id : undefined;
  event.waitUntil(self.registration.showNotification(title, { body, tag, icon: '/icon.svg', data: { chat_id: tag } }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
    if (open) return open.focus();
    return self.clients.openWindow('/');
  })());
});
