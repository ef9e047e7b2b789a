// Start-up: sign in (or pick up the saved session), then the chat screen over one WebSocket.

import { Api } from './api.js';
import { ChatClient } from './client.js';
import { Notifier } from './notifications.js';
import { clearSession, isSessionKey, loadSession, saveSession } from './session.js';
import { renderAuthView } from './views/auth-view.js';
import { renderMainView } from './views/main-view.js';

const root = document.getElementById('app');
let session = loadSession();
let current = null;
const api = new Api(() => session?.access_token ?? null, () => signOut());

function signOut() {
  clearSession();
  session = null;
  current?.client.stop();
  current?.dispose();
  current = null;
  showSignIn();
}

function showSignIn() {
  renderAuthView(root, api, (auth) => {
    saveSession(auth);
    session = loadSession();
    start();
  });
}

async function start() {
  if (!session) return showSignIn();
  let me;
  try {
    me = await api.me();
  } catch (e) {
    if (e.status === 401) return signOut();
    // The server is away: try again shortly; the page stays as it is.
    setTimeout(start, 2000);
    return;
  }
  const client = new ChatClient(api, session, me);
  const notifier = new Notifier(client, api);
  client.addEventListener('expired', () => signOut());
  const dispose = renderMainView(root, client, notifier, () => signOut());
  current = { client, dispose };
  await client.start();
  notifier.subscribePush();
}

// Signing in or out in another tab applies here too.
window.addEventListener('storage', (e) => {
  if (!isSessionKey(e.key)) return;
  const next = loadSession();
  if (!next && session) signOut();
  else if (next && !session) { session = next; start(); }
});

start();
