// One message: its text (always as text), its media, its reply context and its actions.

import { icon } from '../icons.js';
import { h, safeUrl } from '../dom.js';
import { clockTime, fileSize } from '../format.js';
import { avatar } from './avatar.js';

/** Builds a held message's element; the parts that change are refreshed by updateMessageItem. */
export function messageItem(client, chat, message, { inThread = false } = {}) {
  const store = client.store;
  const mine = message.sender_id === store.me.user_id;
  const el = h('div', {
    className: `message${mine ? ' mine' : ''}`,
    testid: 'message',
    dataset: { seq: String(message.seq), messageId: message.message_id },
  });
  const header = h('div', { className: 'message-header' },
    h('span', { className: 'message-sender', testid: 'message-sender' }, store.userName(message.sender_id)),
    h('time', { className: 'message-time', dateTime: message.created_at, title: new Date(message.created_at).toLocaleString() }, clockTime(message.created_at)));
  const bubble = h('div', { className: 'bubble' });
  if (message.parent_message_id && !inThread) {
    bubble.append(h('button', {
      type: 'button', className: 'reply-context', testid: 'reply-context',
      onclick: () => { store.threadParentId = message.parent_message_id; store.changed('thread'); },
    }, replyContextText(store, chat, message.parent_message_id)));
  }
  if (message.text != null) bubble.append(h('div', { className: 'message-text', testid: 'message-text' }, message.text));
  if (message.media?.length) bubble.append(mediaList(client, message.media));
  const actions = h('div', { className: 'message-actions' },
    inThread ? null : h('button', {
      type: 'button', className: 'icon-button', title: 'Reply in thread', 'aria-label': 'Reply in thread', testid: 'reply-button',
      onclick: () => { store.threadParentId = message.message_id; store.changed('thread'); },
    }, icon('reply')),
    mine ? h('button', {
      type: 'button', className: 'icon-button danger', title: 'Delete', 'aria-label': 'Delete message', testid: 'delete-message',
      onclick: async () => {
        if (!confirm('Delete this message for everyone?')) return;
        try { await client.deleteMessage(chat.chat_id, message.message_id); } catch (e) { alert(e.message); }
      },
    }, icon('trash')) : null);
  const footer = h('div', { className: 'message-footer' });
  el.append(avatar(message.sender_id, store.userName(message.sender_id), 'sm'),
    h('div', { className: 'message-main' }, header, bubble, footer), actions);
  el._parts = { header, footer, sender: header.firstChild };
  return el;
}

/** Refreshes grouping, sender name, reply count and read status. */
export function updateMessageItem(el, client, chat, message, { continued, replies, status }) {
  el.classList.toggle('continued', continued);
  el._parts.sender.textContent = client.store.userName(message.sender_id);
  const footer = [];
  if (replies > 0) {
    footer.push(h('button', {
      type: 'button', className: 'link replies', testid: 'replies-link',
      onclick: () => { client.store.threadParentId = message.message_id; client.store.changed('thread'); },
    }, replies === 1 ? '1 reply' : `${replies} replies`));
  }
  if (status) footer.push(h('span', { className: `message-status status-${status.kind}`, testid: 'message-status' }, status.text));
  el._parts.footer.replaceChildren(...footer);
}

/** A message being sent (or that failed), shown where it will appear. */
export function pendingItem(client, chat, pending) {
  const store = client.store;
  const el = h('div', { className: `message mine pending state-${pending.state}`, testid: 'pending-message' });
  const bubble = h('div', { className: 'bubble' });
  if (pending.text) bubble.append(h('div', { className: 'message-text' }, pending.text));
  if (pending.media.length) bubble.append(mediaList(client, pending.media));
  const status = pending.state === 'failed'
    ? h('span', { className: 'message-status status-failed' }, `Not sent: ${pending.error ?? 'error'} `,
      h('button', { type: 'button', className: 'link', onclick: () => client.retryPending(chat.chat_id, pending.client_msg_id) }, 'Retry'), ' · ',
      h('button', { type: 'button', className: 'link', onclick: () => client.discardPending(chat.chat_id, pending.client_msg_id) }, 'Discard'))
    : h('span', { className: 'message-status status-sending', testid: 'message-status' }, store.connection === 'online' ? 'Sending…' : 'Waiting for connection…');
  el.append(avatar(store.me.user_id, store.me.display_name, 'sm'),
    h('div', { className: 'message-main' },
      h('div', { className: 'message-header' }, h('span', { className: 'message-sender' }, store.me.display_name)),
      bubble, h('div', { className: 'message-footer' }, status)));
  return el;
}

function replyContextText(store, chat, parentId) {
  const parent = store.findMessage(chat, parentId);
  if (!parent) return 'Reply in a thread';
  const snippet = parent.text ?? 'an attachment';
  return `Replying to ${store.userName(parent.sender_id)}: ${snippet.length > 80 ? `${snippet.slice(0, 80)}…` : snippet}`;
}

function mediaList(client, media) {
  return h('div', { className: 'media-list' }, media.map((m) => mediaItem(client, m)));
}

function mediaItem(client, media) {
  const href = safeUrl(media.url);
  const isImage = media.content_type?.startsWith('image/');
  const preview = safeUrl(media.thumbnail_url) ?? (isImage ? safeUrl(media.url) : null) ?? safeUrl(media.local_url);
  if (preview) {
    const img = h('img', {
      className: 'media-image', testid: 'message-image', src: preview, alt: media.file_name ?? 'image', loading: 'lazy',
    });
    if (media.width && media.height) {
      img.width = Math.min(320, media.width);
      img.height = Math.round(img.width * media.height / media.width);
    }
    // Signed URLs expire: on a failed load, ask once for fresh ones.
    let refreshed = false;
    img.addEventListener('error', async () => {
      if (refreshed || !media.media_id || media.local_url) return;
      refreshed = true;
      try {
        const fresh = await client.api.media(media.media_id);
        const src = safeUrl(fresh.thumbnail_url) ?? safeUrl(fresh.url);
        if (src) img.src = src;
      } catch { /* the image stays broken */ }
    });
    return href ? h('a', { className: 'media-link', href, target: '_blank', rel: 'noopener noreferrer' }, img) : img;
  }
  const label = [media.file_name ?? 'file', fileSize(media.size_bytes)].filter(Boolean).join(' · ');
  return href
    ? h('a', { className: 'media-file', href, target: '_blank', rel: 'noopener noreferrer', download: media.file_name ?? '' }, icon('file'), label)
    : h('span', { className: 'media-file' }, icon('file'), label);
}
