// Subscription tokens (auth mode jwt, HS256): a per-join token function lets the client into a room its connection
// token does not allow; it is called on join, on every rejoin after a reconnect and on the server's refresh push.
// Short-lived real tokens, the real jar.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Roomcast } from '../src/index.js';
import { Roomcast as Node, collect, expOf, expiringTokensConfig, nowSeconds, signJwt, until } from './harness.js';

const SECRET = 'roomcast-client-subscription-secret-of-at-least-256-bits-0123';
const ISSUER = 'https://auth.roomcast.test';
const API_KEY = 'subscription-test-key';
const SKEW = 1;            // mp.jwt.verify.clock.skew, seconds
const REFRESH_AHEAD = 3;   // roomcast.auth.refresh-ahead, seconds

/** @type {Node} */
let node;
/** @type {Roomcast[]} */
const clients = [];

/** A connection token that allows the room `lobby` only. @param {string} sub @param {number} ttl seconds */
const connectionToken = (sub, ttl) => signJwt(SECRET, {
  iss: ISSUER, sub, exp: nowSeconds() + ttl, rooms: { join: ['lobby'], publish: ['lobby'] },
});

/** A subscription token. @param {string} sub @param {string} room @param {number} ttl seconds @param {string[]} [allow] */
const roomToken = (sub, room, ttl, allow) => signJwt(SECRET, {
  iss: ISSUER, sub, room, exp: nowSeconds() + ttl, ...(allow ? { allow } : {}),
});

/** @param {import('../src/index.js').RoomcastOptions} options */
function client(options) {
  const rc = new Roomcast(node.url, { WebSocket, reconnect: { minDelay: 100, maxDelay: 1000 }, pingInterval: 0, ...options });
  clients.push(rc);
  return rc;
}

before(async () => {
  const config = expiringTokensConfig({ secret: SECRET, issuer: ISSUER, skew: SKEW, refreshAhead: REFRESH_AHEAD, apiKey: API_KEY });
  node = await new Node('subscription', config).start();
});
after(async () => {
  for (const c of clients) c.close();
  await node?.kill();
});

describe('subscription tokens', { timeout: 120000 }, () => {
  test('a room the connection token does not allow is joined with a token; the token is refreshed on the push and the room keeps receiving past its first exp', async () => {
    /** @type {string[]} */
    const issued = [];
    /** @type {string[]} */
    const asked = [];
    const rc = client({ token: () => connectionToken('ivy', 3600) });
    await rc.connect();
    const vip = rc.room('vip');
    await assert.rejects(vip.join(), { code: 'forbidden' });

    const got = collect(vip);
    /** @type {number[]} */
    const refreshed = [];
    vip.on('refreshed', (exp) => refreshed.push(exp));
    /** @type {Error[]} */
    const errors = [];
    vip.on('error', (e) => errors.push(e));
    const s = await vip.join({
      token: (room) => {
        asked.push(room);
        const t = roomToken('ivy', room, REFRESH_AHEAD + 2, ['publish']);
        issued.push(t);
        return t;
      },
    });
    assert.equal(s.room, 'vip');
    assert.deepEqual(asked, ['vip'], 'called with the room, once per join');
    await vip.publish('mine');   // "allow": ["publish"]
    await got.waitFor(1);

    const firstDeadline = (expOf(issued[0]) + SKEW) * 1000;
    await until('the room token refreshed on the push', () => refreshed.length >= 1, 15000);
    assert.equal(refreshed[0], expOf(issued[1]), 'the ack carries the exp of the token the client sent');
    await until('the first token\'s deadline to pass', () => Date.now() > firstDeadline + 500, 15000);
    await node.publish('vip', 'after the first exp', { apiKey: API_KEY });
    await got.waitFor(2);
    assert.deepEqual(got.data(), ['mine', 'after the first exp']);
    assert.equal(vip.joined, true);
    assert.deepEqual(errors, []);
    rc.close();
  });

  test('after a reconnect (close 4010) the room is rejoined with a new token from the function and recovered', async () => {
    let connections = 0;
    // The first connection token lives shorter than refresh-ahead: no push, close 4010, reconnect at once.
    const rc = client({ token: () => connectionToken('jay', connections++ === 0 ? 2 : 3600) });
    /** @type {string[]} */
    const states = [];
    rc.on('state', (state) => states.push(state));
    await rc.connect();
    let calls = 0;
    const vip = rc.room('vip');
    const got = collect(vip);
    await vip.join({ token: (room) => { calls++; return roomToken('jay', room, 3600); } });
    await node.publish('vip', 'one', { apiKey: API_KEY });
    await got.waitFor(1);

    await until('the reconnect', () => states.filter((s) => s === 'connected').length === 2, 15000);
    await node.publish('vip', 'two', { apiKey: API_KEY });   // while it rejoins (or just after)
    await until('the rejoin', () => vip.joined, 15000);
    assert.equal(calls, 2, 'one new subscription token for the rejoin');
    await node.publish('vip', 'three', { apiKey: API_KEY });
    await got.waitFor(3);
    assert.deepEqual(got.data(), ['one', 'two', 'three']);
    assert.deepEqual(got.gaps, []);
    rc.close();
  });

  test('refused tokens reject the join (invalid_token, token_failed) and leave the connection as it was', async () => {
    const rc = client({ token: () => connectionToken('kim', 3600) });
    await rc.connect();
    const lobby = rc.room('lobby');
    const gotLobby = collect(lobby);
    await lobby.join();
    await assert.rejects(rc.room('vip').join({ token: () => roomToken('kim', 'vip-2', 3600) }), { code: 'invalid_token' });
    await assert.rejects(rc.room('vip').join({ token: () => roomToken('mallory', 'vip', 3600) }), { code: 'invalid_token' });
    await assert.rejects(rc.room('vip').join({ token: () => signJwt('another-secret-of-at-least-256-bits-000000000000', { iss: ISSUER, sub: 'kim', room: 'vip' }) }),
      { code: 'invalid_token' });
    await assert.rejects(rc.room('vip').join({ token: () => { throw new Error('backend down'); } }), { code: 'token_failed' });
    assert.equal(rc.room('vip').joined, false);
    assert.equal(rc.state, 'connected');
    await lobby.publish('still here');
    await gotLobby.waitFor(1);
    rc.close();
  });

  test('a refresh the server refuses is an error event, and at exp + skew the room is removed while the connection stays', async () => {
    let calls = 0;
    const rc = client({ token: () => connectionToken('lou', 3600) });
    await rc.connect();
    const vip = rc.room('vip');
    /** @type {import('../src/index.js').RoomcastError[]} */
    const errors = [];
    vip.on('error', (e) => errors.push(e));
    /** @type {import('../src/index.js').Removed[]} */
    const removed = [];
    vip.on('removed', (r) => removed.push(r));
    // First a short-lived token for lou; on the push, a token for someone else.
    await vip.join({ token: (room) => (calls++ === 0 ? roomToken('lou', room, REFRESH_AHEAD + 2) : roomToken('mallory', room, 3600)) });

    const e = await until('the refused refresh', () => errors[0], 15000);
    assert.equal(e.code, 'invalid_token');
    const r = await until('the room removed', () => removed[0], 15000);
    assert.equal(r.room, 'vip');
    assert.equal(r.reason, 'the subscription token expired');
    assert.equal(vip.joined, false);
    assert.equal(rc.state, 'connected');
    await rc.ping();
    rc.close();
  });
});
