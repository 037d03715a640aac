// roomcast-client: the roomcast protocol (docs/protocol.md of the server) with reconnect and recovery.
// No dependency in browsers; in Node it uses the `ws` package when it is installed, else a global WebSocket.
import { Emitter } from './emitter.js';

export { Emitter };

/** @typedef {'connecting' | 'connected' | 'disconnected' | 'closed'} State */

/**
 * What came with a state change.
 *
 * @typedef {object} StateInfo
 * @property {string} [url] the URL of the attempt
 * @property {string} [user] `connected`: who the server says you are
 * @property {string} [node] `connected`: the instance you are connected to
 * @property {string} [connection] `connected`: the connection's id on that node
 * @property {number} [code] `disconnected`/`closed`: the WebSocket close code (1006 when there was none)
 * @property {string} [reason] `disconnected`/`closed`: the close reason, or what the client saw:
 *   `ping_timeout`, `connect_timeout`, `handshake_refused`, `token_failed`, `disconnect`, `close`
 * @property {number} [status] the HTTP status of a refused upgrade (Node with `ws` only; browsers cannot see it)
 * @property {number} [retryAfter] seconds of the `Retry-After` header of a 503 upgrade (Node with `ws` only)
 * @property {number} [reconnectIn] `disconnected`: milliseconds until the next attempt; absent when the client
 *   will not reconnect by itself
 * @property {RoomcastError} [error] `closed`: why the client gave up (`unauthorized`, `user_exists`, ...)
 */

/**
 * A room message, delivered in offset order, once.
 *
 * @typedef {object} RoomMessage
 * @property {string} room
 * @property {string} [from] the publishing user; absent for a backend's message posted without `?from=`
 * @property {unknown} data the published JSON value
 * @property {string} offset its position in the room's history (opaque, ordered)
 * @property {string} epoch the history the offset belongs to
 * @property {number} [ts] when the publishing node accepted it (ms since the Unix epoch)
 */

/**
 * @typedef {object} DirectMessage
 * @property {string} [from] the sender; absent for a backend's message posted without `?from=`
 * @property {unknown} data
 * @property {number} [ts]
 */

/**
 * A presence event: a user's first connection joined the room, or their last one left it.
 *
 * @typedef {object} PresenceEvent
 * @property {string} room
 * @property {string} user
 */

/**
 * Recovery after a reconnect could not deliver everything that was missed: resync the room from your backend.
 *
 * @typedef {object} Gap
 * @property {string} room
 * @property {'trimmed' | 'epoch' | 'refused'} reason `trimmed`: the history no longer reached back to the last
 *   message you had (what is left of it still follows); `epoch`: the room's history was replaced (a Redis
 *   failover or restart, an in-memory node restarted), nothing is replayed; `refused`: the server refused the
 *   recovery point and the room was joined afresh
 * @property {string | null} since the offset the client had
 * @property {string | null} epoch the epoch the client had
 * @property {string} newEpoch the room's epoch now
 * @property {string | null} offset the newest offset of the room's history now
 */

/**
 * A (re)join of a room was acknowledged.
 *
 * @typedef {object} Subscribed
 * @property {string} room
 * @property {string} epoch
 * @property {string | null} offset the newest offset of the room's history at the join
 * @property {boolean} resumed true for a rejoin with `since`/`epoch` after a reconnect
 * @property {boolean} [recovered] for a resumed join: whether everything missed follows
 */

/**
 * How to join a room.
 *
 * @typedef {object} JoinOptions
 * @property {(room: string) => string | Promise<string>} [token] auth mode `jwt`: a function (may be async) giving a
 *   subscription token for this room, signed by your backend — it lets the connection into a room its own token
 *   does not allow. Called before every join of the room (the first, every rejoin after a reconnect) and when the
 *   server pushes `refresh` ahead of the subscription token's expiry (the client then sends the new one by itself)
 */

/** @typedef {{ user: string, connections: number }} Member */
/** @typedef {{ room: string, count: number, members: Member[] }} Presence */

/**
 * Reconnect backoff: the n-th consecutive failed attempt waits a random time between 0 and
 * min(maxDelay, minDelay * 2^n) ("full jitter"). `false` turns reconnecting off.
 *
 * @typedef {{ minDelay?: number, maxDelay?: number } | false} ReconnectOptions
 */

/**
 * Where to connect: one URL, a list tried in turn (the next one after every failure or drop, so a client fails
 * over when an instance dies), or a function called before every attempt.
 *
 * @typedef {string | string[] | ((attempt: number) => string | Promise<string>)} UrlOption
 */

/**
 * @typedef {object} RoomcastOptions
 * @property {string} [user] auth mode `none`: the user name, sent as `?user=`
 * @property {string | (() => string | Promise<string>)} [token] auth mode `jwt`: the token, or a function
 *   called before every connection attempt (so a reconnect carries a fresh token) and whenever the server
 *   pushes `refresh` ahead of the token's expiry (the client then sends the new token on the open connection)
 * @property {'header' | 'protocol' | 'query'} [tokenIn] how the token travels: `header` (Authorization;
 *   Node with `ws`, the default there), `protocol` (the `bearer-token-carrier` subprotocol; the default
 *   elsewhere, browsers included), `query` (`?access_token=`, may end up in access logs)
 * @property {ReconnectOptions} [reconnect] default `{ minDelay: 250, maxDelay: 10000 }`
 * @property {number} [timeout] milliseconds a request (join, publish, send, presence, leave) waits for its
 *   reply, including time spent waiting for a connection; default 10000
 * @property {number} [connectTimeout] milliseconds from the start of an attempt to `welcome`; default 10000
 * @property {number} [pingInterval] milliseconds without any frame from the server after which the client sends
 *   a `ping`; default 15000; 0 turns dead-connection detection off
 * @property {number} [pongTimeout] milliseconds the client waits for a frame after its ping before it treats the
 *   connection as dead and reconnects; default 5000
 * @property {any} [WebSocket] the WebSocket class to use (e.g. `import WebSocket from 'ws'`); default: the
 *   global one in browsers, the `ws` package in Node when it is installed, else Node's global WebSocket
 * @property {Record<string, string>} [headers] extra upgrade headers (Node with `ws` only)
 */

/** Close codes after which the client does not reconnect (see the README's table). */
const FATAL_CLOSE = new Map([
  [4009, 'user_exists'],
  [1008, 'policy_violation'],
]);

/**
 * The client's error for a close code after which it does not reconnect, or undefined. The backend's codes
 * (the server API's disconnect) follow the protocol's convention: 4100-4499 stop, 4500-4999 reconnect.
 * @param {number} code
 */
function fatalClose(code) {
  return FATAL_CLOSE.get(code) ?? (code >= 4100 && code <= 4499 ? 'disconnected_by_server' : undefined);
}

/** HTTP statuses of a refused upgrade after which the client does not reconnect (seen in Node with `ws`). */
const FATAL_STATUS = new Map([
  [400, 'bad_request'],
  [401, 'unauthorized'],
  [403, 'forbidden'],
  [404, 'not_found'],
]);

/** The server's close code for a connection whose token expired: get a new token and reconnect at once. */
const TOKEN_EXPIRED = 4010;

/** A connection that lasted this long resets the backoff. */
const STABLE_MS = 5000;

/** An error the server sent (`code` is one of its error codes) or one the client raised. */
export class RoomcastError extends Error {
  /**
   * @param {string} code the server's error code (`forbidden`, `rate_limited`, ...) or one of the client's:
   *   `timeout`, `disconnected`, `closed`, `unauthorized`, `user_exists`, `policy_violation`,
   *   `disconnected_by_server`, ...
   * @param {string} message
   * @param {object} [details]
   */
  constructor(code, message, details) {
    super(message);
    this.name = 'RoomcastError';
    /** @type {string} */
    this.code = code;
    /** @type {object | undefined} */
    this.details = details;
  }
}

/**
 * Compares two offsets of one epoch (`"41"` in memory, `"1732420000123-0"` with Redis).
 *
 * @param {string} a
 * @param {string} b
 * @returns {number} negative, 0 or positive
 */
export function compareOffsets(a, b) {
  const [a1, a2 = '0'] = a.split('-');
  const [b1, b2 = '0'] = b.split('-');
  const x = BigInt(a1) - BigInt(b1);
  if (x !== 0n) return x < 0n ? -1 : 1;
  const y = BigInt(a2) - BigInt(b2);
  return y === 0n ? 0 : y < 0n ? -1 : 1;
}

/**
 * @typedef {object} Pending
 * @property {Record<string, unknown> & { type: string, id?: string }} frame
 * @property {(reply: any) => void} resolve
 * @property {(error: RoomcastError) => void} reject
 * @property {ReturnType<typeof setTimeout>} timer
 * @property {number} gen the connection it was sent on, 0 while queued
 */

/**
 * @typedef {object} RoomcastEvents
 * @property {[State, StateInfo]} state
 * @property {[DirectMessage]} direct
 * @property {[RoomcastError]} error an error the server sent that answers no request of this client, a failing
 *   token provider (`token_failed`), or a refused automatic refresh (`invalid_token`: the connection stays
 *   open with its old token until that expires)
 * @property {[number]} refreshed the server accepted a new token on the open connection; its `exp` (seconds)
 */

/**
 * One client connection to roomcast, reconnected and recovered automatically.
 *
 * @extends {Emitter<RoomcastEvents>}
 */
export class Roomcast extends Emitter {
  /**
   * @param {UrlOption} url e.g. `ws://localhost:8080/ws`
   * @param {RoomcastOptions} [options]
   */
  constructor(url, options = {}) {
    super();
    /** @internal */
    this._url = url;
    /** @internal */
    this._opts = options;
    const rc = options.reconnect;
    /** @internal @type {{ minDelay: number, maxDelay: number } | null} */
    this._backoff = rc === false ? null : { minDelay: rc?.minDelay ?? 250, maxDelay: rc?.maxDelay ?? 10000 };
    /** @internal */
    this._timeout = options.timeout ?? 10000;
    /** @internal @type {State} */
    this._state = 'disconnected';
    /** @type {string | undefined} */
    this.user = options.user;
    /** @type {string | undefined} the node of the current or last connection */
    this.node = undefined;
    /** @internal @type {Map<string, Room>} */
    this._rooms = new Map();
    /** @internal @type {Map<string, Pending>} */
    this._pending = new Map();
    /** @internal @type {string[]} ids sent on the current connection, oldest first: replies come in this order */
    this._inflight = [];
    /** @internal */
    this._seq = 0;
    /** @internal */
    this._gen = 0;          // connection generation: events of an abandoned socket are ignored
    /** @internal */
    this._wanted = false;   // connect() was called and neither disconnect() nor close() since
    /** @internal */
    this._failures = 0;     // consecutive failed attempts, for the backoff
    /** @internal */
    this._attempts = 0;     // attempts ever, for the URL rotation
    /** @internal @type {any} */
    this._ws = null;
    /** @internal @type {ReturnType<typeof setTimeout> | undefined} */
    this._retryTimer = undefined;
    /** @internal @type {ReturnType<typeof setTimeout> | undefined} */
    this._connectTimer = undefined;
    /** @internal @type {ReturnType<typeof setTimeout> | undefined} */
    this._pingTimer = undefined;
    /** @internal */
    this._lastRx = 0;
    /** @internal @type {number | undefined} index into a list of URLs */
    this._urlCursor = undefined;
    /** @internal */
    this._connectedAt = 0;
    /** @internal @type {{ resolve: () => void, reject: (e: RoomcastError) => void }[]} */
    this._connectWaiters = [];
  }

  /** @returns {State} */
  get state() { return this._state; }

  /**
   * Connects (and from now on reconnects whenever the connection drops). Resolves once connected; rejects
   * only if the client gives up (an authentication failure, close code 4009, `close()`, `disconnect()`).
   *
   * @returns {Promise<void>}
   */
  connect() {
    if (this._state === 'closed') return Promise.reject(new RoomcastError('closed', 'the client was closed'));
    if (this._state === 'connected') return Promise.resolve();
    /** @type {Promise<void>} */
    const done = new Promise((resolve, reject) => this._connectWaiters.push({ resolve, reject }));
    if (!this._wanted) {
      this._wanted = true;
      this._failures = 0;
      if (this._state === 'disconnected' && this._retryTimer === undefined) this._open();
    }
    return done;
  }

  /**
   * Closes the connection without reconnecting. Rooms and their positions are kept: a later `connect()`
   * rejoins them and recovers what was published in between. Requests in flight reject with `disconnected`.
   */
  disconnect() {
    if (this._state === 'closed') return;
    this._wanted = false;
    this._drop({ code: 1000, reason: 'disconnect' }, true);
  }

  /** Closes for good: leaves every room (by closing), rejects everything pending with `closed`. */
  close() {
    if (this._state === 'closed') return;
    this._wanted = false;
    this._drop({ code: 1000, reason: 'close' }, false);
    this._giveUp(new RoomcastError('closed', 'the client was closed'), { code: 1000, reason: 'close' });
  }

  /**
   * The room of this name (the same object for the same name). Nothing is sent until `join()`.
   *
   * @param {string} name
   * @returns {Room}
   */
  room(name) {
    let room = this._rooms.get(name);
    if (!room) this._rooms.set(name, (room = new Room(this, name)));
    return room;
  }

  /**
   * A direct message to every connection of a user. Resolves when the server published it (not when it was
   * delivered: a user who is not connected never gets it).
   *
   * @param {string} to
   * @param {unknown} data any JSON value
   * @returns {Promise<void>}
   */
  async send(to, data) {
    await this._request({ type: 'send', to, data });
  }

  /**
   * An application-level round trip.
   *
   * @returns {Promise<number>} the round-trip time in milliseconds
   */
  async ping() {
    const start = Date.now();
    await this._request({ type: 'ping' });
    return Date.now() - start;
  }

  /**
   * Replaces the open connection's token (auth mode `jwt`) without reconnecting: sends `token`, or, without
   * it, what the `token` function returns. The client does this by itself when the server pushes `refresh`.
   * Rooms the new token no longer allows are left (each raises its room's `removed` event).
   *
   * @param {string} [token]
   * @returns {Promise<number>} the new token's `exp` (seconds since the Unix epoch)
   *   Rejects with `invalid_token` (another user, a bad signature, expired: the connection keeps its old token),
   *   `bad_request` (auth mode `none`), `token_failed` (the token function failed or there is none),
   *   `disconnected` (not connected: the next connection carries a fresh token anyway), `timeout`.
   */
  async refresh(token) {
    if (this._state !== 'connected') throw new RoomcastError('disconnected', 'not connected: nothing to refresh');
    const gen = this._gen;
    if (token === undefined) {
      const t = this._opts.token;
      if (typeof t !== 'function') throw new RoomcastError('token_failed', 'no token function to get a new token from');
      try {
        token = await t();
      } catch (e) {
        throw new RoomcastError('token_failed', `the token provider failed: ${/** @type {Error} */ (e).message}`, { cause: e });
      }
      if (gen !== this._gen) throw new RoomcastError('disconnected', 'the connection was lost while getting the token');
    }
    const f = await this._request({ type: 'refresh', token });
    this._emit('refreshed', f.expires);
    return f.expires;
  }

  // --- connection ----------------------------------------------------------------------------------------

  /** @internal @param {State} state @param {StateInfo} info */
  _setState(state, info) {
    this._state = state;
    this._emit('state', state, info);
  }

  /** @internal */
  async _nextUrl() {
    const url = this._url;
    const attempt = this._attempts++;
    if (typeof url === 'function') return url(attempt);
    if (Array.isArray(url)) return url[(this._urlCursor ?? 0) % url.length];
    return url;
  }

  /** @internal */
  async _webSocketClass() {
    if (this._opts.WebSocket) return this._opts.WebSocket;
    const isNode = typeof process !== 'undefined' && !!process.versions?.node;
    if (isNode) {
      try {
        const name = 'ws';  // kept out of static analysis: browsers and bundlers never load it
        return (await import(name)).default;
      } catch { /* not installed: use the global WebSocket below */ }
    }
    if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
    throw new RoomcastError('no_websocket', 'no WebSocket implementation: install the ws package or pass options.WebSocket');
  }

  /** @internal */
  async _open() {
    const gen = ++this._gen;
    this._setState('connecting', {});
    let url, token, Impl;
    try {
      Impl = await this._webSocketClass();
      url = new URL(await this._nextUrl());
      // Rooms' subscription tokens are fetched with the connection's, so the rejoins after `welcome` go out at once,
      // ahead of the requests queued meanwhile. A room whose function fails or hangs fetches again at its rejoin.
      const roomTokens = this._prefetchRoomTokens(gen);
      const t = this._opts.token;
      token = typeof t === 'function' ? await t() : t;
      await roomTokens;
    } catch (e) {
      if (gen !== this._gen) return;
      if (e instanceof RoomcastError && e.code === 'no_websocket') {
        this._giveUp(e, { reason: e.code });
        return;
      }
      this._afterFailure(gen, { code: 1006, reason: 'token_failed' }, undefined, /** @type {Error} */ (e));
      return;
    }
    if (gen !== this._gen) return;   // disconnect() or close() while we awaited
    const isWsPackage = typeof Impl.prototype?.on === 'function';
    const tokenIn = this._opts.tokenIn ?? (isWsPackage ? 'header' : 'protocol');
    if (this._opts.user !== undefined) url.searchParams.set('user', this._opts.user);
    /** @type {string[]} */
    const protocols = [];
    /** @type {Record<string, string>} */
    const headers = { ...this._opts.headers };
    if (token) {
      if (tokenIn === 'query') url.searchParams.set('access_token', token);
      else if (tokenIn === 'header' && isWsPackage) headers.Authorization = `Bearer ${token}`;
      else protocols.push('bearer-token-carrier', encodeURIComponent(`quarkus-http-upgrade#Authorization#Bearer ${token}`));
    }
    const href = url.toString();
    /** @type {{ status?: number, retryAfter?: number }} */
    const refused = {};
    let ws;
    try {
      ws = isWsPackage
        ? new Impl(href, protocols, { headers, handshakeTimeout: this._opts.connectTimeout ?? 10000 })
        : new Impl(href, protocols);
    } catch (e) {
      this._giveUp(new RoomcastError('bad_url', `cannot open ${href}: ${/** @type {Error} */ (e).message}`), { url: href });
      return;
    }
    this._ws = ws;
    if (isWsPackage) {
      // Only `ws` lets us see why an upgrade was refused; a browser reports any refusal as close 1006.
      ws.on('unexpected-response', (/** @type {any} */ _req, /** @type {any} */ res) => {
        refused.status = res.statusCode;
        const ra = Number.parseFloat(res.headers['retry-after']);
        if (Number.isFinite(ra) && ra >= 0) refused.retryAfter = ra;
        res.resume();
        ws.terminate();
      });
    }
    ws.onmessage = (/** @type {{ data: any }} */ e) => this._onFrame(gen, e.data);
    ws.onclose = (/** @type {{ code: number, reason: string }} */ e) => {
      if (gen !== this._gen) return;
      this._afterFailure(gen, { code: e.code, reason: e.reason, url: href }, refused);
    };
    ws.onerror = () => {};   // a close event follows
    this._connectTimer = setTimeout(() => {
      if (gen !== this._gen) return;
      this._abandon();
      this._afterFailure(gen, { code: 1006, reason: 'connect_timeout', url: href }, refused);
    }, this._opts.connectTimeout ?? 10000);
  }

  /**
   * @param {number} gen
   * @returns {Promise<void>} never rejects; settles within `connectTimeout`
   * @internal
   */
  _prefetchRoomTokens(gen) {
    const fetches = [];
    for (const room of this._rooms.values()) if (room._wanted && room._token) fetches.push(room._prefetchToken(gen));
    if (fetches.length === 0) return Promise.resolve();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const bound = new Promise((resolve) => { timer = setTimeout(resolve, this._opts.connectTimeout ?? 10000); });
    return Promise.race([Promise.all(fetches), bound]).then(() => clearTimeout(timer));
  }

  /** @internal Detaches the current socket and closes it without waiting for anything from it. */
  _abandon() {
    const ws = this._ws;
    this._ws = null;
    this._gen++;
    if (!ws) return;
    ws.onmessage = ws.onclose = null;
    try {
      if (typeof ws.terminate === 'function') ws.terminate();
      else ws.close(4000, 'abandoned');
    } catch { /* already closed */ }
  }

  /**
   * The connection (or the attempt) ended: clean up, then reconnect or give up.
   *
   * @param {number} gen
   * @param {StateInfo} info
   * @param {{ status?: number, retryAfter?: number }} [refused]
   * @param {Error} [cause]
   * @internal
   */
  _afterFailure(gen, info, refused = {}, cause) {
    const wasConnected = this._state === 'connected';
    this._cleanupConnection();
    if (wasConnected && Date.now() - this._connectedAt >= STABLE_MS) this._failures = 0;
    if (refused.status !== undefined) {
      info = { ...info, reason: 'handshake_refused', status: refused.status };
      if (refused.retryAfter !== undefined) info.retryAfter = refused.retryAfter;
    }
    const fatalCode = refused.status !== undefined ? FATAL_STATUS.get(refused.status) : fatalClose(info.code ?? 0);
    if (fatalCode) {
      const error = new RoomcastError(fatalCode, refused.status !== undefined
        ? `the server refused the connection with HTTP ${refused.status}`
        : `the server closed the connection with ${info.code}${info.reason ? ` (${info.reason})` : ''}`, info);
      this._giveUp(error, info);
      return;
    }
    if (!this._wanted || this._backoff === null) {
      this._wanted = false;
      const error = new RoomcastError('disconnected', `not connected (close ${info.code}) and not reconnecting`, info);
      this._setState('disconnected', info);
      this._rejectQueued(error);
      for (const w of this._connectWaiters.splice(0)) w.reject(error);
      for (const room of this._rooms.values()) room._failJoin(error);
      return;
    }
    // Rotate through a list of URLs: the next attempt goes to the next instance.
    this._urlCursor = (this._urlCursor ?? 0) + 1;
    const { minDelay, maxDelay } = this._backoff;
    const cap = Math.min(maxDelay, minDelay * 2 ** Math.min(this._failures, 30));
    let delay = Math.random() * cap;
    if (info.retryAfter !== undefined) delay += info.retryAfter * 1000;
    // An expired token is not the server failing: reconnect at once (the token function gives a new one). A
    // provider that keeps handing out expired tokens ends in a refused upgrade (401), which is fatal.
    if (wasConnected && info.code === TOKEN_EXPIRED) delay = 0;
    else this._failures++;
    this._setState('disconnected', { ...info, reconnectIn: Math.round(delay) });
    if (cause) this._emit('error', new RoomcastError('token_failed', `the token provider failed: ${cause.message}`, { cause }));
    this._retryTimer = setTimeout(() => {
      this._retryTimer = undefined;
      if (this._wanted && this._state === 'disconnected') this._open();
    }, delay);
  }

  /** @internal Forgets the socket: timers off, requests in flight rejected, rooms unsubscribed. */
  _cleanupConnection() {
    if (this._ws) this._abandon();
    clearTimeout(this._connectTimer);
    clearTimeout(this._pingTimer);
    this._connectTimer = this._pingTimer = undefined;
    const lost = new RoomcastError('disconnected', 'the connection was lost before the reply came');
    for (const id of this._inflight) {
      const p = this._pending.get(id);
      if (!p || p.gen === 0) continue;
      this._pending.delete(id);
      clearTimeout(p.timer);
      p.reject(lost);   // a join's room is joined again on the next connection, with a new request
    }
    this._inflight = [];
    for (const room of this._rooms.values()) room._subscribed = false;
  }

  /**
   * @param {StateInfo} info
   * @param {boolean} manual
   * @internal
   */
  _drop(info, manual) {
    clearTimeout(this._retryTimer);
    this._retryTimer = undefined;
    const ws = this._ws;
    if (ws) {
      this._ws = null;
      this._gen++;
      ws.onmessage = ws.onclose = null;
      try { ws.close(1000); } catch { /* closed already */ }
    } else {
      this._gen++;   // cancels an attempt that is still awaiting its URL or token
    }
    this._cleanupConnection();
    if (manual && this._state !== 'disconnected') this._setState('disconnected', info);
    const err = new RoomcastError('disconnected', 'disconnect() was called');
    this._rejectQueued(err);
    for (const w of this._connectWaiters.splice(0)) w.reject(err);
  }

  /** @internal @param {RoomcastError} error */
  _rejectQueued(error) {
    for (const [id, p] of this._pending) {
      if (p.gen !== 0 || p.frame.type === 'join') continue;
      this._pending.delete(id);
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  /**
   * @param {RoomcastError} error
   * @param {StateInfo} info
   * @internal
   */
  _giveUp(error, info) {
    this._wanted = false;
    clearTimeout(this._retryTimer);
    this._retryTimer = undefined;
    this._cleanupConnection();
    for (const [id, p] of this._pending) {
      this._pending.delete(id);
      clearTimeout(p.timer);
      p.reject(error);
    }
    for (const w of this._connectWaiters.splice(0)) w.reject(error);
    for (const room of this._rooms.values()) {
      clearTimeout(room._rejoinTimer);
      room._failJoin(error);
    }
    this._setState('closed', { ...info, error });
  }

  // --- frames --------------------------------------------------------------------------------------------

  /**
   * @param {number} gen
   * @param {any} raw
   * @internal
   */
  _onFrame(gen, raw) {
    if (gen !== this._gen) return;
    this._lastRx = Date.now();
    let f;
    try {
      f = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch {
      return;
    }
    if (f === null || typeof f !== 'object') return;
    switch (f.type) {
      case 'welcome': this._onWelcome(gen, f); break;
      case 'message': this._rooms.get(f.room)?._onMessage(f); break;
      case 'joined': case 'left': this._rooms.get(f.room)?._onPresence(f); break;
      case 'direct': this._emit('direct', { from: f.from, data: f.data, ts: f.ts }); break;
      case 'refresh':
        if (typeof f.room === 'string') this._rooms.get(f.room)?._onRefreshDue();
        else this._onRefreshDue();
        break;
      case 'removed': this._rooms.get(f.room)?._onRemoved(f); break;
      case 'ack': case 'presence': case 'pong': this._onReply(f); break;
      case 'error': this._onError(f); break;
      default: break;   // frames of a newer protocol version
    }
  }

  /**
   * @param {number} gen
   * @param {any} f
   * @internal
   */
  _onWelcome(gen, f) {
    clearTimeout(this._connectTimer);
    this._connectTimer = undefined;
    this.user = f.user;
    this.node = f.node;
    this._connectedAt = Date.now();
    this._state = 'connected';
    // Rooms first (each with its position, so it is recovered), then what was queued meanwhile, then the
    // 'connected' event: the server handles a connection's frames in order, so a publish queued or made by a
    // listener follows its room's rejoin.
    for (const room of this._rooms.values()) if (room._wanted) room._sendJoin();
    for (const [id, p] of this._pending) if (p.gen === 0 && p.frame.type !== 'join') this._transmit(id, p);
    this._schedulePing(gen);
    this._setState('connected', { user: f.user, node: f.node, connection: f.connection });
    if (gen !== this._gen) return;   // a listener disconnected us
    for (const w of this._connectWaiters.splice(0)) w.resolve();
  }

  /** @internal The server pushed `refresh`: its token expires soon. Without a token function nothing can be done. */
  _onRefreshDue() {
    if (typeof this._opts.token !== 'function') return;
    this.refresh().catch((/** @type {RoomcastError} */ e) => {
      if (e.code !== 'disconnected') this._emit('error', e);
    });
  }

  /** @internal @param {number} gen */
  _schedulePing(gen) {
    const interval = this._opts.pingInterval ?? 15000;
    if (interval <= 0) return;
    const pongTimeout = this._opts.pongTimeout ?? 5000;
    const tick = () => {
      if (gen !== this._gen) return;
      const idle = Date.now() - this._lastRx;
      if (idle < interval) {
        this._pingTimer = setTimeout(tick, interval - idle);
        return;
      }
      const sentAt = Date.now();
      this._request({ type: 'ping' }, pongTimeout).catch(() => {});
      this._pingTimer = setTimeout(() => {
        if (gen !== this._gen) return;
        if (this._lastRx >= sentAt) { tick(); return; }
        // Nothing came back: the connection is dead (a stopped node, a lost network) even if TCP has not noticed.
        this._abandon();
        this._afterFailure(this._gen, { code: 1006, reason: 'ping_timeout' });
      }, pongTimeout);
    };
    this._pingTimer = setTimeout(tick, interval);
  }

  /** @internal @param {any} f */
  _onReply(f) {
    const id = typeof f.id === 'string' ? f.id : undefined;
    if (id === undefined) return;
    const p = this._settle(id);
    if (!p) return;
    if (p.frame.type === 'join') this._rooms.get(/** @type {string} */ (p.frame.room))?._onJoinAck(p, f);
    else p.resolve(f);
  }

  /** @internal @param {any} f */
  _onError(f) {
    const error = new RoomcastError(String(f.code), String(f.message ?? f.code), f);
    // An error without id (rate_limited, too_large: refused before the id was read) answers the oldest
    // request still in flight, since the server replies to a connection's frames in order.
    const id = typeof f.id === 'string' ? f.id : this._inflight.find((i) => this._pending.get(i)?.gen === this._gen);
    const p = id !== undefined ? this._settle(id) : undefined;
    if (!p) {
      this._emit('error', error);
      return;
    }
    if (p.frame.type === 'join') this._rooms.get(/** @type {string} */ (p.frame.room))?._onJoinError(p, error);
    else p.reject(error);
  }

  /**
   * @param {string} id
   * @returns {Pending | undefined}
   * @internal
   */
  _settle(id) {
    const p = this._pending.get(id);
    if (!p) return undefined;
    this._pending.delete(id);
    clearTimeout(p.timer);
    const i = this._inflight.indexOf(id);
    if (i >= 0) this._inflight.splice(i, 1);
    return p;
  }

  /**
   * Sends a request now, or when connected. Rejects with the server's error, `timeout`, `disconnected`
   * (not connected and not reconnecting, or the connection dropped before the reply) or `closed`.
   *
   * @param {Record<string, unknown> & { type: string }} frame
   * @param {number} [timeout]
   * @returns {Promise<any>}
   * @internal
   */
  _request(frame, timeout = this._timeout) {
    if (this._state === 'closed') return Promise.reject(new RoomcastError('closed', 'the client was closed'));
    if (!this._wanted) return Promise.reject(new RoomcastError('disconnected', 'not connected: call connect() first'));
    return new Promise((resolve, reject) => {
      const id = String(++this._seq);
      /** @type {Pending} */
      const p = {
        frame: { ...frame, id }, resolve, reject, gen: 0,
        timer: setTimeout(() => {
          if (!this._settle(id)) return;
          if (p.frame.type === 'join') this._rooms.get(/** @type {string} */ (p.frame.room))?._onRejoinTimeout(p);
          else reject(new RoomcastError('timeout', `no reply to ${frame.type} within ${timeout} ms`));
        }, timeout),
      };
      this._pending.set(id, p);
      if (this._state === 'connected') this._transmit(id, p);
    });
  }

  /**
   * @param {string} id
   * @param {Pending} p
   * @internal
   */
  _transmit(id, p) {
    p.gen = this._gen;
    this._inflight.push(id);
    try {
      this._ws.send(JSON.stringify(p.frame));
    } catch (e) {
      this._settle(id);
      p.reject(new RoomcastError('disconnected', `could not send: ${/** @type {Error} */ (e).message}`));
    }
  }
}

/**
 * @typedef {object} RoomEvents
 * @property {[RoomMessage]} message
 * @property {[PresenceEvent]} joined
 * @property {[PresenceEvent]} left
 * @property {[Gap]} gap
 * @property {[Subscribed]} subscribed
 * @property {[RoomcastError]} error a rejoin after a reconnect was refused: the room is no longer joined; or, with a
 *   subscription token, the token function failed (`token_failed`: a rejoin is retried with backoff, a refresh is
 *   not) or the server refused an automatic refresh (`invalid_token`: the room stays joined until the old token
 *   expires)
 * @property {[Removed]} removed the server took this client out of the room (a refreshed connection token no
 *   longer allows it, its subscription token expired, or the backend removed the user): no more messages, no rejoin
 *   after a reconnect
 * @property {[number]} refreshed the server accepted a new subscription token for the room; its `exp` (seconds)
 */

/**
 * @typedef {object} Removed
 * @property {string} room
 * @property {string} reason the server's words
 */

/**
 * A room of a {@link Roomcast} client. Once joined, it stays joined across reconnects until `leave()`.
 *
 * @extends {Emitter<RoomEvents>}
 */
export class Room extends Emitter {
  /**
   * @param {Roomcast} client
   * @param {string} name
   */
  constructor(client, name) {
    super();
    this.client = client;
    this.name = name;
    /** @internal */
    this._wanted = false;
    /** @internal */
    this._subscribed = false;
    /** @type {string | null} the epoch of the last message (or join ack) processed */
    this.epoch = null;
    /** @type {string | null} the offset of the last message (or join ack) processed */
    this.offset = null;
    /** @internal @type {{ resolve: (s: Subscribed) => void, reject: (e: RoomcastError) => void }[]} */
    this._joinWaiters = [];
    /** @internal */
    this._joinRetries = 0;
    /** @internal @type {ReturnType<typeof setTimeout> | undefined} */
    this._rejoinTimer = undefined;
    /** @internal @type {ReturnType<typeof setTimeout> | undefined} */
    this._joinTimer = undefined;
    /** @internal @type {((room: string) => string | Promise<string>) | undefined} the subscription token function */
    this._token = undefined;
    /** @internal @type {{ gen: number, token: string } | undefined} a token fetched for the join on connection `gen` */
    this._prefetched = undefined;
  }

  /** True while the room is joined on the current connection. */
  get joined() { return this._subscribed; }

  /**
   * Joins the room; resolves on the server's ack, rejects with a {@link RoomcastError} whose `code` is the
   * server's (`forbidden`, `invalid_room`, `too_many_rooms`, `unavailable`, ...) or `timeout`. From then on
   * the room is rejoined after every reconnect, recovering what was missed. With `options.token` each join
   * carries a subscription token from that function (rejects with `token_failed` when it fails, `invalid_token`
   * when the server refuses the token).
   *
   * @param {JoinOptions} [options]
   * @returns {Promise<Subscribed>}
   */
  join(options = {}) {
    const c = this.client;
    if (c._state === 'closed') return Promise.reject(new RoomcastError('closed', 'the client was closed'));
    if (!c._wanted) return Promise.reject(new RoomcastError('disconnected', 'not connected: call connect() first'));
    if (options.token !== undefined) this._token = options.token;
    const done = new Promise((resolve, reject) => this._joinWaiters.push({ resolve, reject }));
    if (this._subscribed) {
      const s = { room: this.name, epoch: /** @type {string} */ (this.epoch), offset: this.offset, resumed: false };
      for (const w of this._joinWaiters.splice(0)) w.resolve(s);
      return done;
    }
    if (!this._wanted) {
      this._wanted = true;
      this._joinRetries = 0;
      this.epoch = this.offset = null;   // a fresh join: no recovery from an earlier membership
      if (c._state === 'connected') this._sendJoin();
    }
    // Bounded, whether the wait is for a connection or for the ack.
    clearTimeout(this._joinTimer);
    this._joinTimer = setTimeout(() => this._onJoinTimeout(), c._timeout);
    return done;
  }

  /**
   * Publishes to the room (you must have joined it). Resolves when the server stored and published it.
   * If the connection drops before the ack, rejects with `disconnected`: the message may or may not have
   * been published.
   *
   * @param {unknown} data any JSON value
   * @returns {Promise<void>}
   */
  async publish(data) {
    await this.client._request({ type: 'publish', room: this.name, data });
  }

  /**
   * Who is in the room, across every instance.
   *
   * @returns {Promise<Presence>}
   */
  async presence() {
    const f = await this.client._request({ type: 'presence', room: this.name });
    return { room: f.room, count: f.count, members: f.members };
  }

  /**
   * Replaces the room's subscription token without leaving it: sends `token`, or, without it, what the join's
   * `token` function returns. The client does this by itself when the server pushes `refresh` for the room.
   *
   * @param {string} [token]
   * @returns {Promise<number>} the new token's `exp` (seconds since the Unix epoch). Rejects with `invalid_token`
   *   (another user or room, a bad signature, expired: nothing changed), `not_joined`, `token_failed` (the function
   *   failed or there is none), `disconnected`, `timeout`.
   */
  async refresh(token) {
    const c = this.client;
    if (!this._subscribed) throw new RoomcastError('not_joined', `${this.name} is not joined: nothing to refresh`);
    const gen = c._gen;
    if (token === undefined) {
      token = await this._fetchToken();
      if (gen !== c._gen) throw new RoomcastError('disconnected', 'the connection was lost while getting the token');
    }
    const f = await c._request({ type: 'refresh', room: this.name, token });
    this._emit('refreshed', f.expires);
    return f.expires;
  }

  /**
   * Leaves the room: no more messages, no rejoin after a reconnect.
   *
   * @returns {Promise<void>}
   */
  async leave() {
    const wasWanted = this._wanted;
    this._wanted = false;
    this._subscribed = false;
    this._token = this._prefetched = undefined;
    clearTimeout(this._rejoinTimer);
    this.epoch = this.offset = null;
    this._failJoin(new RoomcastError('left', 'left the room before the join completed'));
    if (wasWanted && this.client._state === 'connected') {
      try {
        await this.client._request({ type: 'leave', room: this.name });
      } catch (e) {
        if (/** @type {RoomcastError} */ (e).code !== 'not_joined' && /** @type {RoomcastError} */ (e).code !== 'disconnected') throw e;
      }
    }
  }

  // --- internals, called by the client ------------------------------------------------------------------

  /** @internal */
  _sendJoin() {
    clearTimeout(this._rejoinTimer);
    const c = this.client;
    /** @type {Record<string, unknown> & { type: string }} */
    const frame = { type: 'join', room: this.name };
    if (this.epoch !== null && this.offset !== null) {
      frame.since = this.offset;
      frame.epoch = this.epoch;
    }
    if (this._token) {
      const prefetched = this._prefetched;
      this._prefetched = undefined;
      if (prefetched && prefetched.gen === c._gen) {
        frame.token = prefetched.token;
      } else {
        const gen = c._gen;
        this._fetchToken().then((token) => {
          if (gen !== c._gen || !this._wanted || this._subscribed || c._state !== 'connected') return;
          frame.token = token;
          c._request(frame).catch(() => {});
        }, (/** @type {RoomcastError} */ e) => {
          if (gen === c._gen && this._wanted) this._onTokenFailed(e);
        });
        return;
      }
    }
    c._request(frame).catch(() => {});   // settled through _onJoinAck/_onJoinError/_onJoinTimeout
  }

  /**
   * @returns {Promise<string>} a subscription token from the join's function; rejects with `token_failed`
   * @internal
   */
  async _fetchToken() {
    const t = this._token;
    if (typeof t !== 'function') throw new RoomcastError('token_failed', `no token function for ${this.name}`);
    try {
      return await t(this.name);
    } catch (e) {
      throw new RoomcastError('token_failed', `the token function of ${this.name} failed: ${/** @type {Error} */ (e).message}`, { cause: e });
    }
  }

  /**
   * Fetches the token for the join on connection `gen` ahead of its `welcome`; never rejects.
   *
   * @param {number} gen
   * @returns {Promise<void>}
   * @internal
   */
  async _prefetchToken(gen) {
    try {
      const token = await this._fetchToken();
      if (gen === this.client._gen) this._prefetched = { gen, token };
    } catch { /* the join fetches again, and reports a failure then */ }
  }

  /** @internal @param {RoomcastError} error the token function failed before a join */
  _onTokenFailed(error) {
    if (this._joinWaiters.length > 0) {
      this._wanted = false;
      this._failJoin(error);
      return;
    }
    this._emit('error', error);
    this._retryLater();
  }

  /** @internal The server pushed `refresh` for this room: its subscription token expires soon. */
  _onRefreshDue() {
    if (!this._token || !this._subscribed) return;
    this.refresh().catch((/** @type {RoomcastError} */ e) => {
      if (e.code !== 'disconnected' && e.code !== 'not_joined') this._emit('error', e);
    });
  }

  /**
   * @param {Pending} p
   * @param {any} f
   * @internal
   */
  _onJoinAck(p, f) {
    if (!this._wanted) return;
    const since = /** @type {string | undefined} */ (p.frame.since);
    const sentEpoch = /** @type {string | undefined} */ (p.frame.epoch);
    this._subscribed = true;
    this._joinRetries = 0;
    if (since === undefined) {
      this.epoch = f.epoch;
      this.offset = f.offset ?? '0';
    } else if (f.recovered !== true) {
      const reason = f.epoch === sentEpoch ? 'trimmed' : 'epoch';
      if (reason === 'epoch') {
        this.epoch = f.epoch;
        this.offset = f.offset ?? '0';
      }   // trimmed: what is left after `since` follows and moves the offset forward
      this._emit('gap', { room: this.name, reason, since, epoch: sentEpoch ?? null, newEpoch: f.epoch, offset: f.offset ?? null });
    }
    /** @type {Subscribed} */
    const s = { room: this.name, epoch: f.epoch, offset: f.offset ?? null, resumed: since !== undefined };
    if (since !== undefined) s.recovered = f.recovered === true;
    this._emit('subscribed', s);
    clearTimeout(this._joinTimer);
    for (const w of this._joinWaiters.splice(0)) w.resolve(s);
  }

  /**
   * @param {Pending} p
   * @param {RoomcastError} error
   * @internal
   */
  _onJoinError(p, error) {
    if (!this._wanted) return;
    const recovering = p.frame.since !== undefined;
    if (recovering && error.code === 'bad_request') {
      // The server refused our position (e.g. an in-memory node restarted): join afresh and say so.
      const gap = { room: this.name, reason: /** @type {const} */ ('refused'), since: this.offset, epoch: this.epoch, newEpoch: '', offset: null };
      this.epoch = this.offset = null;
      this.once('subscribed', (s) => this._emit('gap', { ...gap, newEpoch: s.epoch, offset: s.offset }));
      this._sendJoin();
      return;
    }
    const firstJoin = this._joinWaiters.length > 0;
    if (!firstJoin && (error.code === 'unavailable' || error.code === 'rate_limited' || error.code === 'internal')) {
      this._retryLater();
      return;
    }
    this._wanted = false;
    this._subscribed = false;
    if (firstJoin) this._failJoin(error);
    else this._emit('error', error);
  }

  /** @internal join() waited too long (for a connection or for the ack). */
  _onJoinTimeout() {
    if (!this._wanted || this._joinWaiters.length === 0) return;
    // If the server still joins us, leave again so that the state stays simple.
    this._wanted = false;
    this._failJoin(new RoomcastError('timeout', `join ${this.name} did not complete within ${this.client._timeout} ms`));
    if (this.client._state === 'connected') this.client._request({ type: 'leave', room: this.name }).catch(() => {});
  }

  /**
   * A join frame got no reply in time. A first join is failed by `_onJoinTimeout`; a rejoin is retried.
   *
   * @param {Pending} p
   * @internal
   */
  _onRejoinTimeout(p) {
    if (!this._wanted || this._joinWaiters.length > 0) return;
    if (p.gen === this.client._gen && this.client._state === 'connected') this._retryLater();
  }

  /** @internal */
  _retryLater() {
    const delay = Math.random() * Math.min(10000, 250 * 2 ** Math.min(this._joinRetries++, 10));
    clearTimeout(this._rejoinTimer);
    this._rejoinTimer = setTimeout(() => {
      if (this._wanted && !this._subscribed && this.client._state === 'connected') this._sendJoin();
    }, delay);
  }

  /** @internal @param {RoomcastError} error */
  _failJoin(error) {
    clearTimeout(this._joinTimer);
    for (const w of this._joinWaiters.splice(0)) w.reject(error);
  }

  /** @internal @param {any} f */
  _onMessage(f) {
    if (!this._wanted) return;   // late frames after leave()
    if (this.epoch !== null && f.epoch !== this.epoch) {
      // The room's history was replaced while we were connected (e.g. Redis restarted without persistence).
      this._emit('gap', { room: this.name, reason: 'epoch', since: this.offset, epoch: this.epoch, newEpoch: f.epoch, offset: null });
    } else if (this.offset !== null && compareOffsets(f.offset, this.offset) <= 0) {
      return;   // already delivered
    }
    this.epoch = f.epoch;
    this.offset = f.offset;
    this._emit('message', { room: f.room, from: f.from, data: f.data, offset: f.offset, epoch: f.epoch, ts: f.ts });
  }

  /** @internal @param {any} f */
  _onRemoved(f) {
    if (!this._wanted) return;
    this._wanted = false;
    this._subscribed = false;
    clearTimeout(this._rejoinTimer);
    this.epoch = this.offset = null;
    this._failJoin(new RoomcastError('removed', String(f.reason ?? 'removed by the server')));
    this._emit('removed', { room: this.name, reason: String(f.reason ?? '') });
  }

  /** @internal @param {any} f */
  _onPresence(f) {
    if (!this._wanted) return;
    this._emit(f.type === 'left' ? 'left' : 'joined', { room: f.room, user: f.user });
  }
}
