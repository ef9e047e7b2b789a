// Writing a message: text, attachments uploaded as soon as they are picked (with progress), and
// typing signals (start repeated while typing, stop when done).

import { icon } from '../icons.js';
import { h } from '../dom.js';
import { fileSize } from '../format.js';
import { uploadFile } from '../uploads.js';

const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 4000;

export class Composer {
  constructor(client, { placeholder = 'Write a message', parentMessageId = null, testPrefix = '' } = {}) {
    this.client = client;
    this.chatId = null;
    this.parentMessageId = parentMessageId;
    this.attachments = [];
    this.typingSentAt = 0;
    this.idleTimer = null;
    this.input = h('textarea', { className: 'composer-input', rows: 1, placeholder, testid: `${testPrefix}composer-input`, 'aria-label': placeholder, maxLength: 16000 });
    this.fileInput = h('input', { type: 'file', multiple: true, hidden: true, testid: `${testPrefix}attach-input` });
    this.attachButton = h('button', { type: 'button', className: 'icon-button', title: 'Attach files', 'aria-label': 'Attach files', onclick: () => this.fileInput.click() }, icon('attach'));
    this.sendButton = h('button', { type: 'submit', className: 'primary send', testid: `${testPrefix}send-button` }, 'Send');
    this.tray = h('div', { className: 'attachment-tray', testid: `${testPrefix}attachment-tray` });
    this.el = h('form', { className: 'composer' }, this.tray,
      h('div', { className: 'composer-row' }, this.attachButton, this.fileInput, this.input, this.sendButton));

    this.el.addEventListener('submit', (e) => { e.preventDefault(); this.send(); });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.send(); }
    });
    this.input.addEventListener('input', () => { this.#autosize(); this.#typing(); });
    this.fileInput.addEventListener('change', () => {
      for (const file of this.fileInput.files) this.#attach(file);
      this.fileInput.value = '';
    });
  }

  setChat(chatId) {
    if (this.chatId === chatId) return;
    this.#stopTyping();
    this.chatId = chatId;
    this.input.value = '';
    for (const a of this.attachments) a.upload?.cancel();
    this.attachments = [];
    this.#renderTray();
  }

  send() {
    if (!this.chatId) return;
    if (this.attachments.some((a) => a.state === 'uploading')) return;
    const ready = this.attachments.filter((a) => a.state === 'ready');
    const text = this.input.value;
    if (!text.trim() && ready.length === 0) return;
    const media = ready.map((a) => ({ ...a.media, local_url: a.previewUrl }));
    this.client.sendMessage(this.chatId, { text, media, parentMessageId: this.parentMessageId });
    this.input.value = '';
    this.attachments = this.attachments.filter((a) => a.state === 'failed');
    this.#renderTray();
    this.#autosize();
    this.#stopTyping();
    this.input.focus();
  }

  #attach(file) {
    const attachment = {
      file, state: 'uploading', progress: 0, media: null, error: null,
      previewUrl: file.type.startsWith('image/') ? URL.createObjectURL(file) : null,
    };
    attachment.upload = uploadFile(this.client.api, file, (p) => { attachment.progress = p; this.#renderTray(); });
    attachment.upload.promise.then((media) => {
      attachment.state = 'ready';
      attachment.media = media;
    }, (e) => {
      attachment.state = 'failed';
      attachment.error = e.message;
    }).finally(() => this.#renderTray());
    this.attachments.push(attachment);
    this.#renderTray();
  }

  #renderTray() {
    this.tray.hidden = this.attachments.length === 0;
    this.sendButton.disabled = this.attachments.some((a) => a.state === 'uploading');
    this.tray.replaceChildren(...this.attachments.map((a) => {
      const remove = h('button', {
        type: 'button', className: 'icon-button', 'aria-label': 'Remove attachment',
        onclick: () => { a.upload?.cancel(); this.attachments = this.attachments.filter((x) => x !== a); this.#renderTray(); },
      }, icon('close'));
      const progress = h('progress', { max: 1, value: a.progress, testid: 'upload-progress' });
      return h('div', { className: `attachment state-${a.state}`, testid: 'attachment', dataset: { state: a.state } },
        a.previewUrl ? h('img', { src: a.previewUrl, alt: '', className: 'attachment-thumb' }) : h('span', { className: 'attachment-icon' }, icon('file')),
        h('span', { className: 'attachment-body' },
          h('span', { className: 'attachment-name' }, a.file.name),
          h('span', { className: 'attachment-detail' }, a.state === 'failed' ? a.error : a.state === 'ready' ? `${fileSize(a.file.size)} · ready` : `${Math.round(a.progress * 100)}%`),
          a.state === 'uploading' ? progress : null),
        remove);
    }));
  }

  #autosize() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
  }

  #typing() {
    if (!this.chatId) return;
    if (!this.input.value.trim()) { this.#stopTyping(); return; }
    const now = Date.now();
    if (now - this.typingSentAt > TYPING_REPEAT_MS) {
      this.typingSentAt = now;
      this.client.typing(this.chatId, 'start');
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping() {
    clearTimeout(this.idleTimer);
    if (this.typingSentAt && this.chatId) this.client.typing(this.chatId, 'stop');
    this.typingSentAt = 0;
  }
}
