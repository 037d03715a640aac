// One roomcast instance in auth mode jwt (HS256 secret), with a small rate limit and single sessions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Roomcast, RoomcastError } from '../src/index.js';
import { Roomcast as Node, collect, jwkOf, signJwt, sleep, until } from './harness.js';

const SECRET = 'roomcast-client-test-secret-of-at-least-256-bits-0123456789';
const ISSUER = 'https://auth.roomcast.test';
const API_KEY = 'client-test-key';

/** @type {Node} */
let node;
/** @type {Roomcast[]} */
const clients = [];

/** @param {string} sub @param {Record<string, unknown>} [claims] */
const token = (sub, claims = {}) => signJwt(SECRET, { iss: ISSUER, sub, ...claims });

/**
 * @param {import('../src/index.js').RoomcastOptions} options
 */
function client(options) {
  const rc = new Roomcast(node.url, { WebSocket, reconnect: { minDelay: 100, maxDelay: 1000 }, ...options });
  clients.push(rc);
  return rc;
}

before(async () => {
  node = await new Node('jwt', {
    'roomcast.auth.mode': 'jwt',
    'smallrye.jwt.verify.secretkey': jwkOf(SECRET),
    'smallrye.jwt.verify.algorithm': 'HS256',
    'mp.jwt.verify.issuer': ISSUER,
    'roomcast.api.keys': API_KEY,
    'roomcast.limits.rate': 20,
    'roomcast.limits.burst': 20,
    'roomcast.users.single-session': 'true',
  }).start();
});
after(async () => {
  for (const c of clients) c.close();
  await node?.kill();
});

describe('auth mode jwt', { timeout: 180000 }, () => {
  for (const tokenIn of /** @type {const} */ (['header', 'protocol', 'query'])) {
    test(`a token in the ${tokenIn} is accepted`, async () => {
      const rc = client({ token: token(`user-${tokenIn}`), tokenIn });
      await rc.connect();
      assert.equal(rc.user, `user-${tokenIn}`);
      rc.close();
    });
  }

  test('a forged token is an authentication failure: closed, no reconnect', async () => {
    let calls = 0;
    const rc = client({ token: () => { calls++; return signJwt('some-other-secret-of-at-least-256-bits-000000000', { iss: ISSUER, sub: 'mallory' }); } });
    const states = [];
    rc.on('state', (s, info) => states.push({ s, info }));
    await assert.rejects(rc.connect(), (e) => e instanceof RoomcastError && e.code === 'unauthorized');
    assert.equal(rc.state, 'closed');
    assert.equal(states.at(-1).info.status, 401);
    await sleep(500);
    assert.equal(calls, 1, 'no second attempt');
  });

  test('a forbidden join and a rate-limited publish surface as errors with the server codes', async () => {
    const rc = client({ token: token('alice', { rooms: { join: ['team-*'], publish: ['team-a'] } }) });
    await rc.connect();
    await assert.rejects(rc.room('secret').join(), (e) => e instanceof RoomcastError && e.code === 'forbidden');
    const b = rc.room('team-b');
    await b.join();
    await assert.rejects(b.publish('no'), { code: 'forbidden' });
    await assert.rejects(rc.room('secret').presence(), { code: 'forbidden' });

    const a = rc.room('team-a');
    const got = collect(a);
    await a.join();
    await sleep(1100);   // a full bucket
    const results = await Promise.allSettled(Array.from({ length: 35 }, (_, i) => a.publish(i)));
    const refused = results.filter((r) => r.status === 'rejected');
    const accepted = results.filter((r) => r.status === 'fulfilled');
    assert.ok(refused.length > 0, 'some publishes are refused');
    for (const r of refused) assert.equal(/** @type {RoomcastError} */ (r.reason).code, 'rate_limited');
    assert.ok(accepted.length >= 15, `${accepted.length} accepted`);
    // exactly the accepted ones are delivered
    await got.waitFor(accepted.length);
    await sleep(300);
    const acceptedData = results.map((r, i) => (r.status === 'fulfilled' ? i : null)).filter((x) => x !== null);
    assert.deepEqual(got.data(), acceptedData);
    await sleep(1100);
    assert.equal(rc.state, 'connected', 'refused frames do not close the connection');
    await a.publish('after the burst');
  });

  test('single session: a second connection of the same user is closed with 4009 and does not reconnect', async () => {
    const first = client({ token: token('solo') });
    await first.connect();
    const second = client({ token: token('solo') });
    await assert.rejects(second.connect(), { code: 'user_exists' });
    assert.equal(second.state, 'closed');
    assert.equal(first.state, 'connected');
  });

  test('the token provider is called on every (re)connect; the reconnect recovers with the new token', async () => {
    const issued = [];
    const rc = client({
      token: async () => { const t = token('frank', { jti: String(issued.length) }); issued.push(t); return t; },
      pingInterval: 0,
    });
    await rc.connect();
    const room = rc.room('team-f');
    const got = collect(room);
    await room.join();
    await node.publish('team-f', 'one', { apiKey: API_KEY });
    await got.waitFor(1);
    await node.kill('SIGKILL');
    await until('the drop', () => rc.state !== 'connected');
    await node.start();
    await until('the reconnect', () => rc.state === 'connected', 30000);
    assert.ok(issued.length >= 2, `${issued.length} tokens issued`);
    await until('the rejoin', () => room.joined);
    await node.publish('team-f', 'two', { apiKey: API_KEY });
    await got.waitFor(2);
    assert.deepEqual(got.data(), ['one', 'two']);
    assert.equal(got.gaps.length, 1, 'an in-memory restart is a new history');
  });
});
