// The connection's state, shown above everything when it is not simply "online".

import { h } from '../dom.js';

export function renderBanner(el, client) {
  const state = client.store.connection;
  el.className = `banner banner-${state}`;
  el.dataset.state = state;
  if (state === 'online') {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  if (state === 'offline') {
    const seconds = client.socket.retryAt ? Math.max(0, Math.ceil((client.socket.retryAt - Date.now()) / 1000)) : null;
    const text = !navigator.onLine
      ? 'You are offline. Messages you send will go out when the connection is back.'
      : `Connection lost. Reconnecting${seconds ? ` in ${seconds} s` : '…'}`;
    el.replaceChildren(h('span', {}, text));
    if (navigator.onLine) el.append(h('button', { type: 'button', className: 'link', onclick: () => client.socket.retryNow() }, 'Retry now'));
  } else if (state === 'replaced') {
    el.replaceChildren(h('span', {}, 'This tab was disconnected because another window took over its device.'),
      h('button', { type: 'button', className: 'link', onclick: () => client.reconnectAsNewDevice() }, 'Reconnect here'));
  } else if (state === 'syncing') {
    el.replaceChildren(h('span', {}, 'Catching up…'));
  } else {
    el.replaceChildren(h('span', {}, 'Connecting…'));
  }
}
