// One WebSocket to /ws: requests matched to their answers by req_id, reconnection with
// exponential backoff and jitter, and the close codes that must not be retried.

const CLOSE_REPLACED = 4001;
const CLOSE_TOKEN_EXPIRED = 4401;
const PING_EVERY_MS = 25000;
const PING_TIMEOUT_MS = 10000;

export class SocketClosedError extends Error {
  constructor() { super('The connection closed before an answer came.'); this.code = 'unavailable'; }
}

export class RequestError extends Error {
  constructor(frame) {
    super(frame.message || frame.code);
    this.code = frame.code;
    this.retryAfterMs = frame.retry_after_ms ?? null;
  }
}

/**
 * Events (EventTarget): `frame` (detail: a server frame other than ack/error-with-req/pong),
 * `state` (detail: 'connecting' | 'open' | 'offline' | 'replaced' | 'expired' | 'stopped').
 */
export class ChatSocket extends EventTarget {
  /** @param {() => Promise<string>} urlFactory  the URL of the next attempt */
  constructor(urlFactory) {
    super();
    this.urlFactory = urlFactory;
    this.ws = null;
    this.state = 'stopped';
    this.attempt = 0;
    this.connectAttempt = 0;
    this.nextReqId = 1;
    this.pending = new Map();
    this.retryTimer = null;
    this.pingTimer = null;
    this.retryAt = null;
    this.onOnline = () => this.#retryNow();
    this.onOffline = () => this.#drop('the browser is offline');
  }

  start() {
    if (this.state !== 'stopped' && this.state !== 'replaced') return;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.attempt = 0;
    this.#connect();
  }

  stop() {
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    this.#setState('stopped');
    this.ws?.close(1000, 'bye');
    this.ws = null;
  }

  /** Call once the connection is fully caught up: the next failure starts the backoff afresh. */
  markHealthy() { this.attempt = 0; }

  get isOpen() { return this.ws?.readyState === WebSocket.OPEN; }

  /** Sends a frame that expects an answer; resolves with the ack, rejects with RequestError. */
  request(frame, timeoutMs = 15000) {
    if (!this.isOpen) return Promise.reject(new SocketClosedError());
    const reqId = this.nextReqId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new SocketClosedError());
        this.#drop('a request timed out');
      }, timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...frame, req_id: reqId }));
    });
  }

  /** Sends a frame with no answer wanted; false when the socket is not open. */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  async #connect() {
    clearTimeout(this.retryTimer);
    if (!navigator.onLine) {
      this.#setState('offline');
      return;
    }
    this.#setState('connecting');
    const attempt = ++this.connectAttempt;
    let ws;
    try {
      // The URL carries a single-use ticket fetched for this attempt (an HTTP call).
      const url = await this.urlFactory();
      if (attempt !== this.connectAttempt || this.state !== 'connecting') return;
      ws = new WebSocket(url);
    } catch {
      if (attempt === this.connectAttempt && this.state === 'connecting') this.#scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.#setState('open');
      this.#schedulePing();
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      this.#receive(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.#failPending();
      clearTimeout(this.pingTimer);
      if (this.state === 'stopped') return;
      if (event.code === CLOSE_REPLACED) {
        this.#setState('replaced');
      } else if (event.code === CLOSE_TOKEN_EXPIRED) {
        this.#setState('expired');
      } else {
        this.#scheduleRetry();
      }
    };
  }

  #receive(frame) {
    const reqId = frame.req_id;
    if (reqId != null && (frame.type === 'ack' || frame.type === 'error' || frame.type === 'pong')) {
      const waiter = this.pending.get(reqId);
      if (waiter) {
        this.pending.delete(reqId);
        clearTimeout(waiter.timer);
        if (frame.type === 'error') waiter.reject(new RequestError(frame));
        else waiter.resolve(frame);
        return;
      }
    }
    this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
  }

  #schedulePing() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(async () => {
      try {
        await this.request({ type: 'ping' }, PING_TIMEOUT_MS);
        this.#schedulePing();
      } catch {
        // request() already dropped the socket on a timeout; a closed socket reconnects itself.
      }
    }, PING_EVERY_MS);
  }

  #drop(reason) {
    const ws = this.ws;
    if (!ws) {
      if (!navigator.onLine && this.state === 'connecting') this.#setState('offline');
      return;
    }
    // Closing and reconnecting at once: the old socket's events are ignored from here on.
    this.ws = null;
    this.#failPending();
    clearTimeout(this.pingTimer);
    try { ws.close(4000, reason.slice(0, 100)); } catch { /* already closing */ }
    this.#scheduleRetry();
  }

  #scheduleRetry() {
    if (!navigator.onLine) {
      this.#setState('offline');
      return;
    }
    // Exponential backoff with "equal jitter": half the step fixed, half random, 30 s at most.
    const step = Math.min(30000, 500 * 2 ** this.attempt);
    const delay = step / 2 + Math.random() * step / 2;
    this.attempt = Math.min(this.attempt + 1, 10);
    this.retryAt = Date.now() + delay;
    this.#setState('offline');
    this.retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #retryNow() {
    if (this.state !== 'offline') return;
    this.attempt = 0;
    this.#connect();
  }

  /** Reconnects now, skipping the rest of the backoff (the banner's "Retry now"). */
  retryNow() { this.#retryNow(); }

  #failPending() {
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new SocketClosedError());
    }
    this.pending.clear();
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    if (state !== 'offline') this.retryAt = null;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }
}
