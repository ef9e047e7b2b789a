// The chat list: newest activity first, each with its newest message and unread badge.

import { h } from '../dom.js';
import { listTime } from '../format.js';
import { avatar } from './avatar.js';

export function renderChatList(el, client) {
  const store = client.store;
  const chats = store.sortedChats();
  if (chats.length === 0) {
    el.replaceChildren(h('div', { className: 'empty-list' },
      h('p', {}, 'No conversations yet.'),
      h('p', { className: 'muted' }, 'Start one with the + button.')));
    return;
  }
  el.replaceChildren(...chats.map((chat) => {
    const title = store.chatTitle(chat);
    const last = chat.last_message;
    let preview = 'No messages yet';
    if (last) {
      const who = last.sender_id === store.me.user_id ? 'You: ' : chat.kind === 'group' ? `${store.userName(last.sender_id)}: ` : '';
      const body = last.text ?? (last.media?.some((m) => m.content_type?.startsWith('image/')) ? 'Photo' : 'Attachment');
      preview = who + body;
    }
    const unread = chat.unread_count ?? 0;
    const item = h('button', {
      type: 'button',
      className: `chat-item${chat.chat_id === store.openChatId ? ' active' : ''}${unread ? ' has-unread' : ''}`,
      testid: 'chat-item',
      dataset: { chatId: chat.chat_id, title },
      onclick: () => client.openChat(chat.chat_id),
    },
    avatar(chat.chat_id, title),
    h('span', { className: 'chat-item-body' },
      h('span', { className: 'chat-item-top' },
        h('span', { className: 'chat-item-title', testid: 'chat-title' }, title),
        h('span', { className: 'chat-item-time' }, listTime(last?.created_at ?? chat.created_at))),
      h('span', { className: 'chat-item-bottom' },
        h('span', { className: 'chat-item-preview', testid: 'chat-preview' }, preview),
        unread ? h('span', { className: 'badge', testid: 'unread-badge', 'aria-label': `${unread} unread` }, String(unread)) : null)));
    return item;
  }));
}
