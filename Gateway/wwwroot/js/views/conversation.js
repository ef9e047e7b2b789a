// The open chat: header, the message timeline (grouped by sender and day, older pages loaded
// when scrolled to the top), typing line and composer.

import { icon } from '../icons.js';
import { h, reconcile } from '../dom.js';
import { dayKey, dayLabel } from '../format.js';
import { avatar } from './avatar.js';
import { Composer } from './composer.js';
import { messageItem, pendingItem, updateMessageItem } from './message-item.js';

const GROUP_GAP_MS = 5 * 60 * 1000;

export class ConversationView {
  constructor(client, { onBack, onMembers }) {
    this.client = client;
    this.chatId = null;
    this.items = new Map();
    this.title = h('h2', { className: 'conversation-title', testid: 'conversation-title' });
    this.subtitle = h('span', { className: 'conversation-subtitle muted' });
    this.headerAvatar = h('span');
    this.timeline = h('div', { className: 'timeline', testid: 'timeline', role: 'log', 'aria-live': 'polite' });
    this.loader = h('div', { className: 'timeline-loader muted' });
    this.scroller = h('div', { className: 'timeline-scroller', testid: 'timeline-scroller' }, this.loader, this.timeline);
    this.typingLine = h('div', { className: 'typing-line', testid: 'typing-indicator', 'aria-live': 'polite' });
    this.composer = new Composer(client);
    this.el = h('section', { className: 'conversation' },
      h('header', { className: 'conversation-header' },
        h('button', { type: 'button', className: 'icon-button back', 'aria-label': 'Back to chats', onclick: onBack }, icon('back')),
        this.headerAvatar,
        h('div', { className: 'conversation-heading' }, this.title, this.subtitle),
        h('button', { type: 'button', className: 'secondary', testid: 'members-button', onclick: onMembers }, 'Details')),
      this.scroller, this.typingLine, this.composer.el);
    this.scroller.addEventListener('scroll', () => {
      if (this.scroller.scrollTop < 80 && this.chatId) this.client.loadHistory(this.chatId);
    });
  }

  render() {
    const store = this.client.store;
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    const switched = this.chatId !== chat.chat_id;
    if (switched) {
      this.chatId = chat.chat_id;
      this.items.clear();
      this.composer.setChat(chat.chat_id);
    }
    const title = store.chatTitle(chat);
    this.title.textContent = title;
    this.subtitle.textContent = chat.kind === 'group'
      ? `${chat.member_count} member${chat.member_count === 1 ? '' : 's'}`
      : 'Direct message';
    this.headerAvatar.replaceChildren(avatar(chat.chat_id, title));

    const nearBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 120;
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    const firstBefore = this.timeline.firstChild;

    const messages = store.sortedMessages(chat);
    const replies = new Map();
    for (const m of messages) if (m.parent_message_id) replies.set(m.parent_message_id, (replies.get(m.parent_message_id) ?? 0) + 1);
    const status = this.#statuses(chat, messages);

    const nodes = [];
    const seen = new Set();
    let previous = null;
    for (const m of messages) {
      const day = dayKey(m.created_at);
      if (!previous || dayKey(previous.created_at) !== day) {
        const key = `day:${day}`;
        nodes.push(this.#keyed(key, () => h('div', { className: 'day-separator' }, h('span', {}, dayLabel(m.created_at)))));
        seen.add(key);
      }
      const key = `m:${m.message_id}`;
      const el = this.#keyed(key, () => messageItem(this.client, chat, m));
      const continued = !!previous && previous.sender_id === m.sender_id && dayKey(previous.created_at) === day
        && Date.parse(m.created_at) - Date.parse(previous.created_at) < GROUP_GAP_MS && !m.parent_message_id;
      updateMessageItem(el, this.client, chat, m, { continued, replies: replies.get(m.message_id) ?? 0, status: status.get(m.seq) });
      nodes.push(el);
      seen.add(key);
      previous = m;
    }
    for (const p of chat.pending) nodes.push(pendingItem(this.client, chat, p));
    for (const key of [...this.items.keys()]) if (!seen.has(key)) this.items.delete(key);
    reconcile(this.timeline, nodes);

    this.loader.textContent = chat.loadingHistory ? 'Loading…' : !chat.hasMoreBefore && chat.historyLoaded ? 'This is the beginning of the conversation.' : '';
    if (!chat.historyLoaded && messages.length === 0) this.loader.textContent = 'Loading…';

    const typing = store.typingNames(chat);
    this.typingLine.textContent = typing.length === 0 ? ''
      : typing.length === 1 ? `${typing[0]} is typing…` : `${typing.join(', ')} are typing…`;

    // Stay at the bottom when there; keep the view still when older messages came in above.
    if (switched || nearBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
    else if (firstBefore && this.timeline.firstChild !== firstBefore) this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
    if (switched) this.composer.input.focus();
  }

  #keyed(key, make) {
    let el = this.items.get(key);
    if (!el) { el = make(); this.items.set(key, el); }
    return el;
  }

  /** "Sent" under my newest message, "Seen" (or "Seen by N") where receipts say so. */
  #statuses(chat, messages) {
    const me = this.client.store.me.user_id;
    const result = new Map();
    const mine = messages.filter((m) => m.sender_id === me);
    if (mine.length === 0) return result;
    const newest = mine[mine.length - 1];
    const others = (chat.members ?? []).filter((id) => id !== me);
    const readers = others.filter((id) => (chat.receipts.get(id) ?? 0) >= newest.seq);
    if (readers.length === 0) result.set(newest.seq, { kind: 'sent', text: 'Sent' });
    else if (chat.kind === 'direct') result.set(newest.seq, { kind: 'seen', text: 'Seen' });
    else result.set(newest.seq, { kind: 'seen', text: readers.length === others.length ? 'Seen by everyone' : `Seen by ${readers.length}` });
    return result;
  }
}
