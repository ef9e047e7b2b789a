// The HTTP API of the protocol (/api/v1), with the bearer token on every call but auth/*.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  /** @param {() => string | null} token  @param {() => void} onUnauthorized */
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body, { anonymous = false, allow404 = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = this.token();
    if (!anonymous && token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'unavailable', 'The server cannot be reached.');
    }
    if (response.status === 204) return null;
    const payload = await response.json().catch(() => null);
    if (response.ok) return payload;
    if (allow404 && response.status === 404) return null;
    const error = new ApiError(response.status, payload?.error?.code, payload?.error?.message);
    if (response.status === 401 && !anonymous) this.onUnauthorized?.();
    throw error;
  }

  register(username, password, displayName) {
    return this.request('POST', '/auth/register', { username, password, display_name: displayName || undefined }, { anonymous: true });
  }

  login(username, password) {
    return this.request('POST', '/auth/login', { username, password }, { anonymous: true });
  }

  me() { return this.request('GET', '/me'); }

  /** A single-use ticket for one WebSocket connection: the token itself never goes in a URL. */
  async wsTicket() { return (await this.request('POST', '/ws-tickets')).ticket; }

  async chats() { return (await this.request('GET', '/chats')).chats; }

  async chat(chatId) { return (await this.request('GET', `/chats/${encodeURIComponent(chatId)}`)).chat; }

  async createDirect(userId) {
    return (await this.request('POST', '/chats', { kind: 'direct', member_ids: [userId] })).chat;
  }

  async createGroup(name, memberIds) {
    return (await this.request('POST', '/chats', { kind: 'group', name, member_ids: memberIds })).chat;
  }

  async addMembers(chatId, userIds) {
    return (await this.request('POST', `/chats/${encodeURIComponent(chatId)}/members`, { user_ids: userIds })).chat;
  }

  removeMember(chatId, userId) {
    return this.request('DELETE', `/chats/${encodeURIComponent(chatId)}/members/${encodeURIComponent(userId)}`);
  }

  async history(chatId, { beforeSeq, afterSeq, limit = 50 } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (beforeSeq != null) query.set('before_seq', String(beforeSeq));
    if (afterSeq != null) query.set('after_seq', String(afterSeq));
    return (await this.request('GET', `/chats/${encodeURIComponent(chatId)}/messages?${query}`)).messages;
  }

  async userById(userId) {
    return (await this.request('GET', `/users/${encodeURIComponent(userId)}`)).user;
  }

  async userByUsername(username) {
    return (await this.request('GET', `/users?username=${encodeURIComponent(username.trim().toLowerCase())}`)).user;
  }

  createUpload(file) {
    return this.request('POST', '/media/uploads', {
      file_name: file.name,
      content_type: file.type || 'application/octet-stream',
      size_bytes: file.size,
    });
  }

  async completeUpload(mediaId) {
    return (await this.request('POST', `/media/${encodeURIComponent(mediaId)}/complete`)).media;
  }

  async media(mediaId) {
    return (await this.request('GET', `/media/${encodeURIComponent(mediaId)}`)).media;
  }

  /** The server's Web Push key, or null where the server offers no Web Push. */
  async webPushKey() {
    try {
      const answer = await this.request('GET', '/push/webpush-key', undefined, { allow404: true });
      return answer?.public_key ?? null;
    } catch {
      return null;
    }
  }

  putPushToken(deviceId, subscription) {
    return this.request('PUT', `/me/devices/${encodeURIComponent(deviceId)}/push-token`, { platform: 'webpush', token: subscription });
  }
}
