// Desktop notifications while the tab is in the background (Notification API), and Web Push
// where the server offers a key: the subscription goes to the server as this device's token.

export class Notifier {
  constructor(client, api) {
    this.client = client;
    this.api = api;
    this.supported = 'Notification' in window;
    client.addEventListener('incoming', (e) => this.#onIncoming(e.detail));
  }

  get permission() { return this.supported ? Notification.permission : 'denied'; }

  /** From a click: asks for permission, then subscribes to Web Push where offered. */
  async enable() {
    if (!this.supported) return 'denied';
    const result = await Notification.requestPermission();
    if (result === 'granted') await this.subscribePush();
    this.client.store.changed('notifications');
    return result;
  }

  /** Keeps this device's Web Push subscription known to the server; quiet when not offered. */
  async subscribePush() {
    if (this.permission !== 'granted' || !('serviceWorker' in navigator) || !('PushManager' in window)) return false;
    const key = await this.api.webPushKey();
    if (!key) return false;
    try {
      const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      await navigator.serviceWorker.ready;
      let subscription = await registration.pushManager.getSubscription();
      if (!subscription) {
        subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: base64UrlToBytes(key),
        });
      }
      await this.api.putPushToken(this.client.deviceId, subscription.toJSON());
      return true;
    } catch {
      return false;
    }
  }

  #onIncoming(message) {
    if (this.permission !== 'granted' || document.visibilityState === 'visible') return;
    const store = this.client.store;
    const chat = store.chats.get(message.chat_id);
    if (!chat || chat.level === 'none') return;
    if (chat.level === 'mentions' && !(message.mentions ?? []).includes(store.me.user_id)) return;
    const sender = store.userName(message.sender_id);
    const title = chat.kind === 'group' ? `${sender} in ${store.chatTitle(chat)}` : sender;
    const body = message.text ?? (message.media?.length ? 'Sent an attachment' : '');
    // The same tag as a Web Push for this chat, so the person sees one notification, not two.
    const notification = new Notification(title, { body, tag: message.chat_id, icon: '/icon.svg' });
    notification.onclick = () => {
      window.focus();
      this.client.openChat(message.chat_id);
      notification.close();
    };
  }
}

function base64UrlToBytes(value) {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(value.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
