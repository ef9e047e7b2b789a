// The protocol's client side: replay and catch-up, delivered and read positions, the outbox of
// sends that survive reconnects (same client_msg_id, so a retry never makes a second message).

import { ChatSocket, RequestError } from './socket.js';
import { Store } from './store.js';
import { deviceId, newDeviceId, randomId } from './session.js';

const DELIVERED_DEBOUNCE_MS = 60;
const TYPING_LAPSE_MS = 6000;

export class ChatClient extends EventTarget {
  constructor(api, session, me) {
    super();
    this.api = api;
    this.session = session;
    this.deviceId = deviceId();
    this.store = new Store(me);
    this.store.loadUser = (id) => api.userById(id);
    this.socket = new ChatSocket(() => this.#socketUrl());
    // What the server has confirmed as this device's position, per chat (delivered with req_id).
    this.confirmed = new Map();
    // The highest seq received per chat, and the delivered acks waiting to be sent.
    this.received = new Map();
    this.deliveredTimers = new Map();
    this.replaying = false;
    this.replayedSeqs = new Map();
    this.positionsAtWelcome = new Map();
    this.synced = false;
    this.socket.addEventListener('frame', (e) => this.#onFrame(e.detail));
    this.socket.addEventListener('state', (e) => this.#onSocketState(e.detail));
    document.addEventListener('visibilitychange', () => this.markOpenChatRead());
    window.addEventListener('focus', () => this.markOpenChatRead());
    this.typingTicker = setInterval(() => this.#expireTyping(), 1000);
  }

  async start() {
    this.store.connection = 'connecting';
    // The chat list first, so the screen fills at once; after each sync_done it is read again.
    try {
      for (const chat of await this.api.chats()) this.store.upsertChat(chat);
    } catch { /* the socket's catch-up reads it again */ }
    this.socket.start();
  }

  stop() {
    clearInterval(this.typingTicker);
    this.socket.stop();
  }

  /** After 4001: this tab takes a new device id and connects again as a new device. */
  reconnectAsNewDevice() {
    this.deviceId = newDeviceId();
    this.confirmed.clear();
    this.received.clear();
    this.socket.start();
  }

  // A fresh single-use ticket per attempt; the bearer token stays in headers, out of URLs and logs.
  async #socketUrl() {
    const ticket = await this.api.wsTicket();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = new URLSearchParams({ ticket, device_id: this.deviceId });
    return `${scheme}//${location.host}/ws?${query}`;
  }

  #onSocketState(state) {
    if (state !== 'open') this.synced = false;
    this.store.connection = state === 'open' ? 'syncing' : state;
    if (state !== 'open') {
      for (const chat of this.store.chats.values()) {
        for (const p of chat.pending) if (p.state === 'sending') p.state = 'queued';
        chat.typing.clear();
      }
    }
    if (state === 'expired') this.dispatchEvent(new Event('expired'));
    this.store.changed('connection');
  }

  // ---- frames from the server ----

  #onFrame(frame) {
    switch (frame.type) {
      case 'welcome':
        this.replaying = true;
        this.replayedSeqs = new Map();
        this.positionsAtWelcome = new Map(this.confirmed);
        this.received.clear();
        break;
      case 'new_message':
        this.#onNewMessage(frame.message);
        break;
      case 'message_deleted':
        this.store.removeMessage(frame.chat_id, frame.seq);
        break;
      case 'read_state': {
        const chat = this.store.chats.get(frame.chat_id);
        if (chat && frame.last_read_seq >= (chat.last_read_seq ?? 0)) {
          chat.last_read_seq = frame.last_read_seq;
          chat.unread_count = frame.unread_count;
          this.store.changed('chats');
        }
        break;
      }
      case 'receipt': {
        const chat = this.store.chats.get(frame.chat_id);
        if (chat) {
          chat.receipts.set(frame.user_id, Math.max(chat.receipts.get(frame.user_id) ?? 0, frame.last_read_seq));
          chat.typing.delete(frame.user_id);
          this.store.changed('messages');
        }
        break;
      }
      case 'typing': {
        const chat = this.store.chats.get(frame.chat_id);
        if (!chat) break;
        if (frame.state === 'start') chat.typing.set(frame.user_id, Date.now() + TYPING_LAPSE_MS);
        else chat.typing.delete(frame.user_id);
        this.store.wantUser(frame.user_id);
        this.store.changed('typing');
        break;
      }
      case 'chat_created':
        this.store.upsertChat(frame.chat);
        break;
      case 'member_added':
      case 'member_removed':
        this.#onMembership(frame);
        break;
      case 'sync_done':
        this.#onSyncDone();
        break;
      default:
        break;
    }
  }

  #onNewMessage(message) {
    const chatId = message.chat_id;
    if (!this.store.chats.has(chatId)) {
      // A message of a chat this tab has not listed yet: list it, then keep the message.
      this.api.chat(chatId).then((chat) => { this.store.upsertChat(chat); this.store.addMessage(message); }, () => {});
    }
    if (this.replaying) {
      if (!this.replayedSeqs.has(chatId)) this.replayedSeqs.set(chatId, new Set());
      this.replayedSeqs.get(chatId).add(message.seq);
    }
    const fresh = this.store.addMessage(message);
    this.#queueDelivered(chatId, message.seq);
    if (fresh && !this.replaying && message.sender_id !== this.store.me.user_id) {
      this.store.chats.get(chatId)?.typing.delete(message.sender_id);
      this.dispatchEvent(new CustomEvent('incoming', { detail: message }));
    }
    if (chatId === this.store.openChatId) this.markOpenChatRead();
  }

  #onMembership(frame) {
    const chat = this.store.chats.get(frame.chat_id);
    if (!chat) return;
    if (frame.type === 'member_removed' && frame.user_id === this.store.me.user_id) {
      this.store.removeChat(frame.chat_id);
      return;
    }
    // The chat object from the server has the exact members, count and owner.
    this.api.chat(frame.chat_id).then((fresh) => this.store.upsertChat(fresh), () => {});
  }

  async #onSyncDone() {
    this.replaying = false;
    this.socket.markHealthy();
    // Held messages above the acknowledged position that the replay did not send again were
    // deleted before this device acknowledged them. Where the position is not certain (an ack
    // lost with the old socket), history decides.
    const checks = [];
    for (const chat of this.store.chats.values()) {
      const position = this.positionsAtWelcome.get(chat.chat_id) ?? 0;
      const replayed = this.replayedSeqs.get(chat.chat_id) ?? new Set();
      const doubtful = [...chat.messages.keys()].filter((seq) => seq > position && !replayed.has(seq));
      if (doubtful.length > 0) checks.push(this.#verifyHeld(chat, doubtful));
    }
    this.synced = true;
    this.store.connection = 'online';
    this.store.changed('connection');
    this.#flushOutbox();
    await Promise.allSettled(checks);
    try {
      const chats = await this.api.chats();
      const listed = new Set(chats.map((c) => c.chat_id));
      for (const chat of chats) this.store.upsertChat(chat);
      for (const id of [...this.store.chats.keys()]) if (!listed.has(id)) this.store.removeChat(id);
    } catch { /* the next sync tries again */ }
    this.markOpenChatRead();
  }

  async #verifyHeld(chat, seqs) {
    const from = Math.min(...seqs) - 1;
    const messages = await this.api.history(chat.chat_id, { afterSeq: from, limit: 200 });
    const present = new Set(messages.map((m) => m.seq));
    const complete = messages.length < 200;
    const upTo = complete ? Infinity : Math.max(...present);
    for (const seq of seqs) if (seq <= upTo && !present.has(seq)) this.store.removeMessage(chat.chat_id, seq);
    for (const m of messages) this.store.addMessage(m);
  }

  #queueDelivered(chatId, seq) {
    this.received.set(chatId, Math.max(this.received.get(chatId) ?? 0, seq));
    if (this.deliveredTimers.has(chatId)) return;
    this.deliveredTimers.set(chatId, setTimeout(async () => {
      this.deliveredTimers.delete(chatId);
      const upTo = this.received.get(chatId);
      if (!upTo || upTo <= (this.confirmed.get(chatId) ?? 0)) return;
      try {
        await this.socket.request({ type: 'delivered', chat_id: chatId, seq: upTo });
        this.confirmed.set(chatId, Math.max(this.confirmed.get(chatId) ?? 0, upTo));
      } catch { /* the next connection replays what was not confirmed */ }
    }, DELIVERED_DEBOUNCE_MS));
  }

  // ---- what the user does ----

  openChat(chatId) {
    this.store.openChatId = chatId;
    this.store.threadParentId = null;
    this.store.changed('open');
    const chat = this.store.chats.get(chatId);
    if (chat && !chat.historyLoaded) this.loadHistory(chatId, { latest: true });
    this.markOpenChatRead();
  }

  closeChat() {
    this.store.openChatId = null;
    this.store.threadParentId = null;
    this.store.changed('open');
  }

  /** The latest page, or the page before the oldest held message. */
  async loadHistory(chatId, { latest = false } = {}) {
    const chat = this.store.chats.get(chatId);
    if (!chat || chat.loadingHistory || (!latest && !chat.hasMoreBefore)) return;
    chat.loadingHistory = true;
    this.store.changed('messages');
    try {
      const oldest = Math.min(...chat.messages.keys());
      const beforeSeq = latest || chat.messages.size === 0 ? undefined : oldest;
      const messages = await this.api.history(chatId, { beforeSeq, limit: 50 });
      if (messages.length < 50) chat.hasMoreBefore = false;
      for (const m of messages) this.store.addMessage(m);
      chat.historyLoaded = true;
    } catch {
      // Shown as "could not load"; scrolling up tries again.
    } finally {
      chat.loadingHistory = false;
      this.store.changed('messages');
      if (chatId === this.store.openChatId) this.markOpenChatRead();
    }
  }

  markOpenChatRead() {
    const chat = this.store.chats.get(this.store.openChatId);
    if (!chat || document.visibilityState !== 'visible' || !this.synced) return;
    const seq = chat.last_seq ?? 0;
    if (seq <= (chat.last_read_seq ?? 0) && !chat.unread_count) return;
    if (chat.markingReadUpTo >= seq) return;
    chat.markingReadUpTo = seq;
    this.socket.request({ type: 'mark_read', chat_id: chat.chat_id, seq }).then(() => {
      // The read_state frame carries the server's count; this only clears the badge sooner.
      if (seq >= (chat.last_read_seq ?? 0)) {
        chat.last_read_seq = seq;
        if (seq >= (chat.last_seq ?? 0)) chat.unread_count = 0;
        this.store.changed('chats');
      }
    }, () => { chat.markingReadUpTo = 0; });
  }

  sendMessage(chatId, { text, media = [], parentMessageId = null }) {
    const chat = this.store.chats.get(chatId);
    if (!chat) return;
    const trimmed = text?.trim() ? text : null;
    if (!trimmed && media.length === 0) return;
    chat.pending.push({
      client_msg_id: `${this.deviceId}-${randomId(8)}`,
      chat_id: chatId,
      text: trimmed,
      media,
      parent_message_id: parentMessageId,
      created_at: new Date().toISOString(),
      state: 'queued',
      error: null,
    });
    this.store.changed('messages');
    this.#flushOutbox();
  }

  retryPending(chatId, clientMsgId) {
    const p = this.store.chats.get(chatId)?.pending.find((x) => x.client_msg_id === clientMsgId);
    if (!p) return;
    p.state = 'queued';
    p.error = null;
    this.store.changed('messages');
    this.#flushOutbox();
  }

  discardPending(chatId, clientMsgId) {
    const chat = this.store.chats.get(chatId);
    if (!chat) return;
    chat.pending = chat.pending.filter((x) => x.client_msg_id !== clientMsgId);
    this.store.changed('messages');
  }

  #flushOutbox() {
    if (!this.synced) return;
    for (const chat of this.store.chats.values()) {
      for (const p of chat.pending) if (p.state === 'queued') this.#sendPending(chat, p);
    }
  }

  async #sendPending(chat, p) {
    p.state = 'sending';
    this.store.changed('messages');
    const frame = { type: 'send_message', chat_id: chat.chat_id, client_msg_id: p.client_msg_id };
    if (p.text) frame.text = p.text;
    if (p.media.length) frame.media_ids = p.media.map((m) => m.media_id);
    if (p.parent_message_id) frame.parent_message_id = p.parent_message_id;
    try {
      const ack = await this.socket.request(frame);
      this.store.addMessage(ack.message);
      chat.pending = chat.pending.filter((x) => x !== p);
      this.store.changed('messages');
    } catch (e) {
      if (e instanceof RequestError && e.code === 'rate_limited') {
        p.state = 'queued';
        setTimeout(() => this.#flushOutbox(), e.retryAfterMs ?? 500);
      } else if (e instanceof RequestError && e.code !== 'unavailable') {
        p.state = 'failed';
        p.error = e.message;
      } else {
        // The socket went away or the server asked to send it again: the outbox keeps it.
        p.state = 'queued';
        if (e instanceof RequestError) setTimeout(() => this.#flushOutbox(), 1000);
      }
      this.store.changed('messages');
    }
  }

  async deleteMessage(chatId, messageId) {
    await this.socket.request({ type: 'delete_message', chat_id: chatId, message_id: messageId });
  }

  typing(chatId, state) {
    this.socket.send({ type: 'typing', chat_id: chatId, state });
  }

  #expireTyping() {
    const now = Date.now();
    let changed = false;
    for (const chat of this.store.chats.values()) {
      for (const [userId, until] of chat.typing) {
        if (until <= now) { chat.typing.delete(userId); changed = true; }
      }
    }
    if (changed) this.store.changed('typing');
  }

  // ---- chats and members ----

  async startDirect(username) {
    const user = await this.api.userByUsername(username);
    this.store.users.set(user.user_id, user);
    const chat = await this.api.createDirect(user.user_id);
    this.store.upsertChat(chat);
    return chat;
  }

  async createGroup(name, usernames) {
    const ids = [];
    for (const username of usernames) {
      const user = await this.api.userByUsername(username);
      this.store.users.set(user.user_id, user);
      ids.push(user.user_id);
    }
    const chat = await this.api.createGroup(name, ids);
    this.store.upsertChat(chat);
    return chat;
  }

  async addMember(chatId, username) {
    const user = await this.api.userByUsername(username);
    this.store.users.set(user.user_id, user);
    this.store.upsertChat(await this.api.addMembers(chatId, [user.user_id]));
  }

  async removeMember(chatId, userId) {
    await this.api.removeMember(chatId, userId);
    if (userId === this.store.me.user_id) this.store.removeChat(chatId);
    else this.store.upsertChat(await this.api.chat(chatId));
  }
}
