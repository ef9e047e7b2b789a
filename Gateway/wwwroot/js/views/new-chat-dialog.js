// Starting a conversation: a direct message by username, or a named group.

import { h } from '../dom.js';

export function openNewChatDialog(client) {
  const error = h('p', { className: 'form-error', role: 'alert', testid: 'new-chat-error' });
  const username = h('input', { placeholder: 'username', testid: 'new-chat-username', 'aria-label': 'Username', autocomplete: 'off' });
  const groupName = h('input', { placeholder: 'Group name', testid: 'group-name', 'aria-label': 'Group name', maxLength: 100 });
  const groupMembers = h('input', { placeholder: 'usernames, separated by commas', testid: 'group-members', 'aria-label': 'Members' });
  let mode = 'direct';
  const directTab = h('button', { type: 'button', className: 'tab', testid: 'tab-direct', onclick: () => show('direct') }, 'Direct message');
  const groupTab = h('button', { type: 'button', className: 'tab', testid: 'tab-group', onclick: () => show('group') }, 'New group');
  const directFields = h('label', { className: 'field' }, h('span', {}, 'Who do you want to talk to?'), username);
  const groupFields = h('div', {},
    h('label', { className: 'field' }, h('span', {}, 'Name'), groupName),
    h('label', { className: 'field' }, h('span', {}, 'Members'), groupMembers));
  const submit = h('button', { type: 'submit', className: 'primary', testid: 'new-chat-submit' }, 'Start');
  const dialog = h('dialog', { className: 'dialog', testid: 'new-chat-dialog' });
  const form = h('form', { className: 'dialog-form' },
    h('h3', {}, 'New conversation'),
    h('div', { className: 'tabs' }, directTab, groupTab),
    directFields, groupFields, error,
    h('div', { className: 'dialog-actions' },
      h('button', { type: 'button', className: 'secondary', onclick: () => dialog.close() }, 'Cancel'), submit));
  dialog.append(form);

  function show(next) {
    mode = next;
    directTab.classList.toggle('active', mode === 'direct');
    groupTab.classList.toggle('active', mode === 'group');
    directFields.hidden = mode !== 'direct';
    groupFields.hidden = mode !== 'group';
    error.textContent = '';
    (mode === 'direct' ? username : groupName).focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const chat = mode === 'direct'
        ? await client.startDirect(username.value.trim())
        : await client.createGroup(groupName.value.trim(), groupMembers.value.split(',').map((s) => s.trim()).filter(Boolean));
      dialog.close();
      client.openChat(chat.chat_id);
    } catch (err) {
      error.textContent = err.status === 404 ? 'No user has that username.' : err.message;
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  show('direct');
}
