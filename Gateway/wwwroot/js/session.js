// Where the client keeps who is signed in. The token is shared by every tab (localStorage);
// the device id belongs to one tab (sessionStorage), because a tab is a device to the server.

const SESSION_KEY = 'chatorleans.session';
const DEVICE_KEY = 'chatorleans.device_id';

export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
    if (!session?.access_token || !session?.user_id) return null;
    if (session.expires_at && Date.parse(session.expires_at) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function saveSession(auth) {
  localStorage.setItem(SESSION_KEY, JSON.stringify({
    user_id: auth.user_id,
    access_token: auth.access_token,
    expires_at: auth.expires_at,
  }));
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

export function isSessionKey(key) {
  return key === SESSION_KEY || key === null;
}

export function deviceId() {
  let id = sessionStorage.getItem(DEVICE_KEY);
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) id = newDeviceId();
  return id;
}

/** A fresh device id for this tab (a duplicated tab copies sessionStorage, and with it the id). */
export function newDeviceId() {
  const id = `web-${randomId(12)}`;
  sessionStorage.setItem(DEVICE_KEY, id);
  return id;
}

export function randomId(bytes = 16) {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (b) => b.toString(16).padStart(2, '0')).join('');
}
