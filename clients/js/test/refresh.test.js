// Token expiry on a live connection (auth mode jwt, HS256): the client refreshes on the server's `refresh` push,
// and after close 4010 (token expired) gets a new token and reconnects. Short-lived real tokens, the real jar.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Roomcast } from '../src/index.js';
import { Roomcast as Node, collect, expOf, expiringTokensConfig, nowSeconds, signJwt, until } from './harness.js';

const SECRET = 'roomcast-client-refresh-secret-of-at-least-256-bits-0123456789';
const ISSUER = 'https://auth.roomcast.test';
const API_KEY = 'refresh-test-key';
const SKEW = 1;            // mp.jwt.verify.clock.skew, seconds
const REFRESH_AHEAD = 3;   // roomcast.auth.refresh-ahead, seconds

/** @type {Node} */
let node;
/** @type {Roomcast[]} */
const clients = [];

/** @param {string} sub @param {number} ttl seconds @param {Record<string, unknown>} [claims] */
const token = (sub, ttl, claims = {}) => signJwt(SECRET, { iss: ISSUER, sub, exp: nowSeconds() + ttl, ...claims });

/** @param {import('../src/index.js').RoomcastOptions} options */
function client(options) {
  const rc = new Roomcast(node.url, { WebSocket, reconnect: { minDelay: 100, maxDelay: 1000 }, pingInterval: 0, ...options });
  clients.push(rc);
  return rc;
}

/** Records every state change of a client. @param {Roomcast} rc */
function states(rc) {
  /** @type {{ state: string, info: import('../src/index.js').StateInfo }[]} */
  const seen = [];
  rc.on('state', (state, info) => seen.push({ state, info }));
  return seen;
}

before(async () => {
  const config = expiringTokensConfig({ secret: SECRET, issuer: ISSUER, skew: SKEW, refreshAhead: REFRESH_AHEAD, apiKey: API_KEY });
  node = await new Node('refresh', config).start();
});
after(async () => {
  for (const c of clients) c.close();
  await node?.kill();
});

describe('token refresh', { timeout: 120000 }, () => {
  test('a short-lived token is refreshed on the server push: the connection stays open past its exp and keeps receiving', async () => {
    /** @type {string[]} */
    const issued = [];
    const rc = client({ token: () => { const t = token('rita', REFRESH_AHEAD + 2); issued.push(t); return t; } });
    const seen = states(rc);
    /** @type {number[]} */
    const refreshed = [];
    rc.on('refreshed', (exp) => refreshed.push(exp));
    /** @type {Error[]} */
    const errors = [];
    rc.on('error', (e) => errors.push(e));
    await rc.connect();
    const room = rc.room('team-r');
    const got = collect(room);
    await room.join();

    const firstDeadline = (expOf(issued[0]) + SKEW) * 1000;
    await until('a refresh acked with the new token\'s exp', () => refreshed.length >= 1, 15000);
    assert.equal(refreshed[0], expOf(issued[1]), 'the ack carries the exp of the token the client sent');
    // Past the first token's deadline (exp + skew), on the same connection.
    await until('the first token\'s deadline to pass', () => Date.now() > firstDeadline + 500, 15000);
    await node.publish('team-r', 'after the first exp', { apiKey: API_KEY });
    await got.waitFor(1);
    assert.deepEqual(got.data(), ['after the first exp']);
    assert.equal(rc.state, 'connected');
    assert.deepEqual(seen.map((s) => s.state), ['connecting', 'connected'], 'never reconnected');
    assert.deepEqual(errors, []);
    rc.close();
  });

  test('close 4010 (no refresh in time): a new token, an immediate reconnect, the room rejoined and recovered', async () => {
    /** @type {string[]} */
    const issued = [];
    // The first token lives shorter than refresh-ahead, so the server never pushes refresh and closes with 4010;
    // the provider's later tokens live an hour.
    const rc = client({ token: () => { const t = token('kurt', issued.length === 0 ? 2 : 3600); issued.push(t); return t; } });
    const seen = states(rc);
    await rc.connect();
    const room = rc.room('team-k');
    const got = collect(room);
    await room.join();
    await node.publish('team-k', 'one', { apiKey: API_KEY });
    await got.waitFor(1);

    const drop = await until('close 4010', () => seen.find((s) => s.state === 'disconnected'), 15000);
    assert.equal(drop.info.code, 4010);
    assert.equal(drop.info.reason, 'token expired');
    assert.equal(drop.info.reconnectIn, 0, 'an expired token is not a failure to back off from');
    await node.publish('team-k', 'two', { apiKey: API_KEY });   // while it reconnects (or just after)
    await until('the reconnect', () => seen.filter((s) => s.state === 'connected').length === 2, 15000);
    assert.equal(issued.length, 2, 'one new token for the reconnect');
    await until('the rejoin', () => room.joined);
    await node.publish('team-k', 'three', { apiKey: API_KEY });
    await got.waitFor(3);
    assert.deepEqual(got.data(), ['one', 'two', 'three']);
    assert.deepEqual(got.gaps, []);
    rc.close();
  });

  test('a refresh the server refuses (another user) is an error event; the connection stays open; rooms a narrower token no longer allows are removed', async () => {
    const rc = client({ token: () => token('vera', 3600, { rooms: { join: ['team-*'], publish: ['team-*'] } }) });
    /** @type {import('../src/index.js').RoomcastError[]} */
    const errors = [];
    rc.on('error', (e) => errors.push(e));
    await rc.connect();
    const a = rc.room('team-a');
    const b = rc.room('team-b');
    const gotA = collect(a);
    await a.join();
    await b.join();

    await assert.rejects(rc.refresh(token('mallory', 3600)), { code: 'invalid_token' });
    assert.equal(rc.state, 'connected');

    /** @type {import('../src/index.js').Removed[]} */
    const removed = [];
    b.on('removed', (r) => removed.push(r));
    const narrower = token('vera', 3600, { rooms: { join: ['team-a'], publish: ['team-a'] } });
    assert.equal(await rc.refresh(narrower), expOf(narrower));
    assert.equal(removed.length, 1, 'removed arrives before the ack');
    assert.equal(removed[0].room, 'team-b');
    assert.equal(b.joined, false);
    assert.equal(a.joined, true);
    await a.publish('still here');
    await gotA.waitFor(1);
    assert.deepEqual(errors, []);
    rc.close();
  });

  test('an automatic refresh that is refused surfaces as an error event and keeps the connection', async () => {
    let calls = 0;
    // First a short-lived token for sam; on the push, a token for someone else.
    const rc = client({ token: () => (calls++ === 0 ? token('sam', REFRESH_AHEAD + 2) : token('mallory', 3600)) });
    /** @type {import('../src/index.js').RoomcastError[]} */
    const errors = [];
    rc.on('error', (e) => errors.push(e));
    await rc.connect();
    const e = await until('the refused refresh', () => errors[0], 15000);
    assert.equal(e.code, 'invalid_token');
    assert.equal(rc.state, 'connected');
    assert.equal(rc.user, 'sam');
    await rc.ping();
    rc.close();
  });
});
