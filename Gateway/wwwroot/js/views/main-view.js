// The signed-in screen: chat list on the left, the open conversation on the right, a banner
// when the connection is not there. On narrow screens one pane shows at a time.

import { icon } from '../icons.js';
import { h } from '../dom.js';
import { avatar } from './avatar.js';
import { renderBanner } from './banner.js';
import { renderChatList } from './chat-list.js';
import { ConversationView } from './conversation.js';
import { MembersPanel } from './members-panel.js';
import { openNewChatDialog } from './new-chat-dialog.js';
import { ThreadPanel } from './thread-panel.js';

export function renderMainView(root, client, notifier, onSignOut) {
  const store = client.store;
  const banner = h('div', { className: 'banner', testid: 'connection-banner', role: 'status' });
  const list = h('nav', { className: 'chat-list', testid: 'chat-list', 'aria-label': 'Chats' });
  const notifyButton = h('button', {
    type: 'button', className: 'icon-button', title: 'Turn on desktop notifications', 'aria-label': 'Turn on desktop notifications',
    testid: 'enable-notifications', onclick: () => notifier.enable(),
  }, icon('bell'));
  const sidebar = h('aside', { className: 'sidebar' },
    h('header', { className: 'sidebar-header' },
      avatar(store.me.user_id, store.me.display_name),
      h('div', { className: 'me' },
        h('span', { className: 'me-name', testid: 'me-name' }, store.me.display_name),
        h('span', { className: 'muted' }, `@${store.me.username}`)),
      notifyButton,
      h('button', { type: 'button', className: 'icon-button', title: 'New conversation', 'aria-label': 'New conversation', testid: 'new-chat-button', onclick: () => openNewChatDialog(client) }, icon('plus')),
      h('button', { type: 'button', className: 'icon-button', title: 'Sign out', 'aria-label': 'Sign out', testid: 'sign-out', onclick: onSignOut }, icon('logout'))),
    list);
  const members = new MembersPanel(client);
  const thread = new ThreadPanel(client);
  const conversation = new ConversationView(client, {
    onBack: () => client.closeChat(),
    onMembers: () => members.toggle(),
  });
  const empty = h('section', { className: 'conversation-empty' },
    h('img', { src: 'icon.svg', alt: '', width: 64, height: 64 }),
    h('h2', {}, 'Pick a conversation'),
    h('p', { className: 'muted' }, 'Or start a new one with someone by their username.'),
    h('button', { type: 'button', className: 'primary', onclick: () => openNewChatDialog(client) }, 'New conversation'));
  const main = h('main', { className: 'main-pane' }, empty, conversation.el, thread.el, members.el);
  const layout = h('div', { className: 'layout' }, sidebar, main);
  root.replaceChildren(banner, layout);

  let openBefore = null;
  function render() {
    const open = store.chats.has(store.openChatId);
    layout.classList.toggle('show-conversation', open);
    empty.hidden = open;
    conversation.el.hidden = !open;
    if (store.openChatId !== openBefore) {
      openBefore = store.openChatId;
      members.open = false;
    }
    renderChatList(list, client);
    if (open) conversation.render();
    thread.render();
    members.render();
    renderBanner(banner, client);
    notifyButton.hidden = !notifier.supported || notifier.permission !== 'default';
    const badge = store.badgeCount();
    document.title = badge > 0 ? `(${badge}) ChatOrleans` : 'ChatOrleans';
  }

  store.addEventListener('change', render);
  // The banner's countdown and typing lapses move with time, not only with events.
  const ticker = setInterval(() => {
    if (store.connection === 'offline') renderBanner(banner, client);
  }, 1000);
  render();
  return () => { clearInterval(ticker); store.removeEventListener('change', render); };
}
