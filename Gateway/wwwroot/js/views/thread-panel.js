// A thread: the parent message and the replies this tab holds, with a composer that replies.

import { icon } from '../icons.js';
import { h } from '../dom.js';
import { Composer } from './composer.js';
import { messageItem, updateMessageItem } from './message-item.js';

export class ThreadPanel {
  constructor(client) {
    this.client = client;
    this.parentId = null;
    this.list = h('div', { className: 'thread-list' });
    this.composer = new Composer(client, { placeholder: 'Reply in thread', testPrefix: 'thread-' });
    this.el = h('aside', { className: 'side-panel thread-panel', testid: 'thread-panel' },
      h('header', { className: 'side-panel-header' }, h('h3', {}, 'Thread'),
        h('button', { type: 'button', className: 'icon-button', 'aria-label': 'Close thread', onclick: () => this.close() }, icon('close'))),
      this.list, this.composer.el);
  }

  close() {
    this.client.store.threadParentId = null;
    this.client.store.changed('thread');
  }

  render() {
    const store = this.client.store;
    const chat = store.chats.get(store.openChatId);
    const parent = chat && store.threadParentId ? store.findMessage(chat, store.threadParentId) : null;
    this.el.hidden = !parent;
    if (!parent) return;
    if (this.parentId !== parent.message_id || this.composer.chatId !== chat.chat_id) {
      this.parentId = parent.message_id;
      this.composer.parentMessageId = parent.message_id;
      this.composer.chatId = null;
      this.composer.setChat(chat.chat_id);
    }
    const replies = store.sortedMessages(chat).filter((m) => m.parent_message_id === parent.message_id);
    const items = [parent, ...replies].map((m) => {
      const el = messageItem(this.client, chat, m, { inThread: true });
      updateMessageItem(el, this.client, chat, m, { continued: false, replies: 0, status: null });
      return el;
    });
    const pending = chat.pending.filter((p) => p.parent_message_id === parent.message_id)
      .map((p) => h('div', { className: 'muted thread-pending' }, `Sending: ${p.text ?? 'attachment'}`));
    this.list.replaceChildren(...items.slice(0, 1),
      h('div', { className: 'thread-count muted' }, replies.length === 1 ? '1 reply' : `${replies.length} replies`),
      ...items.slice(1), ...pending);
  }
}
