// The client's state: chats, the messages held per chat (keyed by seq, so repeats fold away),
// people, typing and receipts. Views read it and listen to its `change` event.

export class Store extends EventTarget {
  constructor(me) {
    super();
    this.me = me;
    this.chats = new Map();
    this.users = new Map([[me.user_id, me]]);
    this.connection = 'connecting';
    this.openChatId = null;
    this.threadParentId = null;
    this.changeQueued = false;
    this.changedParts = new Set();
  }

  /** Batches change notifications into one per animation frame. */
  changed(part = 'all') {
    this.changedParts.add(part);
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      const parts = this.changedParts;
      this.changedParts = new Set();
      this.dispatchEvent(new CustomEvent('change', { detail: parts }));
    });
  }

  // ---- chats ----

  upsertChat(chat) {
    let local = this.chats.get(chat.chat_id);
    if (!local) {
      local = {
        messages: new Map(),
        pending: [],
        typing: new Map(),
        receipts: new Map(),
        historyLoaded: false,
        hasMoreBefore: true,
        loadingHistory: false,
      };
      this.chats.set(chat.chat_id, local);
    }
    const knownLast = local.last_message;
    Object.assign(local, chat);
    // A message held here may be newer than the chat object (it came on the socket meanwhile).
    const newest = this.newestMessage(local);
    if (newest && (!local.last_message || newest.seq > local.last_message.seq)) local.last_message = newest;
    else if (!local.last_message && knownLast && local.messages.has(knownLast.seq)) local.last_message = knownLast;
    if (newest && newest.seq > (local.last_seq ?? 0)) local.last_seq = newest.seq;
    for (const id of local.members ?? []) this.wantUser(id);
    this.changed('chats');
    return local;
  }

  removeChat(chatId) {
    this.chats.delete(chatId);
    if (this.openChatId === chatId) this.openChatId = null;
    this.changed('chats');
  }

  /** Chats by newest activity first, as the server orders them. */
  sortedChats() {
    const activity = (c) => Date.parse(c.last_message?.created_at ?? c.created_at ?? 0);
    return [...this.chats.values()].sort((a, b) => activity(b) - activity(a));
  }

  badgeCount() {
    let total = 0;
    for (const chat of this.chats.values()) if (chat.level !== 'none') total += chat.unread_count ?? 0;
    return total;
  }

  // ---- messages ----

  /** Adds a message unless this (chat_id, seq) is already held. True when it was new. */
  addMessage(message) {
    const chat = this.chats.get(message.chat_id);
    if (!chat || chat.messages.has(message.seq)) return false;
    chat.messages.set(message.seq, message);
    chat.pending = chat.pending.filter((p) => p.client_msg_id !== message.client_msg_id || message.sender_id !== this.me.user_id);
    if (message.seq > (chat.last_seq ?? 0)) {
      const fromOthers = message.sender_id !== this.me.user_id;
      if (fromOthers && message.seq > (chat.last_read_seq ?? 0)) chat.unread_count = (chat.unread_count ?? 0) + 1;
      if (!fromOthers && message.seq > (chat.last_read_seq ?? 0)) {
        // Sending moves the sender's read position to the new seq.
        chat.last_read_seq = message.seq;
        chat.unread_count = 0;
      }
      chat.last_seq = message.seq;
    }
    if (!chat.last_message || message.seq >= chat.last_message.seq) chat.last_message = message;
    this.wantUser(message.sender_id);
    this.changed('messages');
    return true;
  }

  removeMessage(chatId, seq) {
    const chat = this.chats.get(chatId);
    if (!chat) return;
    const message = chat.messages.get(seq);
    chat.messages.delete(seq);
    if (message && message.sender_id !== this.me.user_id && seq > (chat.last_read_seq ?? 0) && chat.unread_count > 0) {
      chat.unread_count -= 1;
    }
    if (chat.last_message?.seq === seq) chat.last_message = this.newestMessage(chat);
    if (this.threadParentId && message?.message_id === this.threadParentId) this.threadParentId = null;
    this.changed('messages');
  }

  newestMessage(chat) {
    let newest = null;
    for (const m of chat.messages.values()) if (!newest || m.seq > newest.seq) newest = m;
    return newest;
  }

  sortedMessages(chat) {
    return [...chat.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  findMessage(chat, messageId) {
    for (const m of chat.messages.values()) if (m.message_id === messageId) return m;
    return null;
  }

  // ---- people ----

  /** Ask for a profile once; `loadUser` is set by the client. */
  wantUser(userId) {
    if (!userId || this.users.has(userId)) return;
    this.users.set(userId, null);
    this.loadUser?.(userId).then((user) => {
      this.users.set(userId, user);
      this.changed('users');
    }, () => {
      // Unknown users stay nameless; a later look-up may try again.
      this.users.delete(userId);
    });
  }

  userName(userId) {
    if (userId === this.me.user_id) return this.me.display_name;
    return this.users.get(userId)?.display_name ?? 'Someone';
  }

  chatTitle(chat) {
    if (chat.kind === 'group') return chat.name ?? 'Group';
    const other = (chat.members ?? []).find((id) => id !== this.me.user_id);
    return other ? this.userName(other) : `${this.me.display_name} (you)`;
  }

  /** The other members typing now (their `start` lapses after 6 s unless repeated). */
  typingNames(chat) {
    const now = Date.now();
    const names = [];
    for (const [userId, until] of chat.typing) {
      if (until > now) names.push(this.userName(userId));
      else chat.typing.delete(userId);
    }
    return names;
  }
}
