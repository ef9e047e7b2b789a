// A chat's details: its members, adding people (groups), removing them (the owner), leaving.

import { icon } from '../icons.js';
import { h } from '../dom.js';
import { avatar } from './avatar.js';

export class MembersPanel {
  constructor(client) {
    this.client = client;
    this.open = false;
    this.error = h('p', { className: 'form-error', role: 'alert' });
    this.body = h('div', { className: 'members-body' });
    this.el = h('aside', { className: 'side-panel members-panel', testid: 'members-panel' },
      h('header', { className: 'side-panel-header' }, h('h3', {}, 'Details'),
        h('button', { type: 'button', className: 'icon-button', 'aria-label': 'Close details', onclick: () => this.toggle(false) }, icon('close'))),
      this.body, this.error);
  }

  toggle(open = !this.open) {
    this.open = open;
    this.error.textContent = '';
    this.render();
  }

  render() {
    const store = this.client.store;
    const chat = store.chats.get(store.openChatId);
    this.el.hidden = !this.open || !chat;
    if (this.el.hidden) return;
    const me = store.me.user_id;
    const isGroup = chat.kind === 'group';
    const rows = (chat.members ?? []).map((id) => {
      const user = store.users.get(id);
      const canRemove = isGroup && chat.owner_id === me && id !== me;
      return h('li', { className: 'member', testid: 'member', dataset: { userId: id } },
        avatar(id, store.userName(id), 'sm'),
        h('span', { className: 'member-name' }, store.userName(id),
          h('span', { className: 'muted' }, user?.username ? ` @${user.username}` : ''),
          chat.owner_id === id ? h('span', { className: 'tag' }, 'owner') : null,
          id === me ? h('span', { className: 'tag' }, 'you') : null),
        canRemove ? h('button', { type: 'button', className: 'link danger', testid: 'remove-member', onclick: () => this.#run(() => this.client.removeMember(chat.chat_id, id)) }, 'Remove') : null);
    });
    const parts = [
      h('p', { className: 'muted' }, isGroup ? `Group · ${chat.member_count} members` : 'Direct message'),
      h('ul', { className: 'member-list' }, rows),
    ];
    if (isGroup) {
      const input = h('input', { placeholder: 'username', testid: 'add-member-username', 'aria-label': 'Username to add' });
      parts.push(h('form', {
        className: 'inline-form',
        onsubmit: (e) => { e.preventDefault(); const name = input.value.trim(); if (name) this.#run(async () => { await this.client.addMember(chat.chat_id, name); input.value = ''; }); },
      }, input, h('button', { type: 'submit', className: 'secondary', testid: 'add-member' }, 'Add')));
      parts.push(h('button', {
        type: 'button', className: 'danger-button', testid: 'leave-group',
        onclick: () => { if (confirm('Leave this group?')) this.#run(() => this.client.removeMember(chat.chat_id, me)); },
      }, 'Leave group'));
    }
    this.body.replaceChildren(...parts);
  }

  async #run(action) {
    this.error.textContent = '';
    try {
      await action();
    } catch (e) {
      this.error.textContent = e.status === 404 ? 'No user has that username.' : e.message;
    }
  }
}
