// Two roomcast instances on one real Redis: failover of a client when its instance is killed, a drain (1012),
// and a Redis restart (with and without persistence).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Roomcast, compareOffsets } from '../src/index.js';
import { Roomcast as Node, Redis, collect, sleep, until } from './harness.js';

/** @type {Redis} */
let redis;
/** @type {Node} */
let a;
/** @type {Node} */
let b;
/** @type {Roomcast[]} */
const clients = [];

const nodeConfig = () => ({ 'quarkus.redis.hosts': `redis://127.0.0.1:${redis.port}`, 'roomcast.presence.lease-ttl': '3s', 'roomcast.presence.lease-refresh': '1s' });

/**
 * @param {string} user
 * @param {string[]} urls
 * @param {import('../src/index.js').RoomcastOptions} [options]
 */
function client(user, urls, options = {}) {
  const rc = new Roomcast(urls, { user, WebSocket, reconnect: { minDelay: 100, maxDelay: 2000 }, ...options });
  clients.push(rc);
  return rc;
}

before(async () => {
  redis = await new Redis('cluster-redis', { persist: true }).start();
  [a, b] = await Promise.all([new Node('cluster-a', nodeConfig()).start(), new Node('cluster-b', nodeConfig()).start()]);
});

after(async () => {
  for (const c of clients) c.close();
  await Promise.all([a?.kill(), b?.kill()]);
  await redis?.kill();
});

/**
 * Publishes 1..count through the HTTP API of `node()` every `every` ms, retrying a refused publish
 * (503: nothing was published) so that every number is published exactly once.
 */
async function publishSequence(room, count, node, every = 15) {
  for (let i = 1; i <= count; i++) {
    await until(`publish ${i}`, async () => { await node().publish(room, { seq: i }, { from: 'backend' }); return true; }, 30000);
    await sleep(every);
  }
}

describe('two instances on Redis', { timeout: 180000 }, () => {
  test('the instance a client is on is killed with SIGKILL mid-stream: it fails over and gets every message once, in order', async () => {
    const N = 300;
    const alice = client('alice', [a.url, b.url]);
    const nodes = [];
    alice.on('state', (s, info) => { if (s === 'connected') nodes.push(info.node); });
    await alice.connect();
    const room = alice.room('failover');
    const got = collect(room);
    const subscribed = [];
    room.on('subscribed', (s) => subscribed.push(s));
    await room.join();
    // a second client on the survivor the whole time, as a control
    const bob = client('bob', [b.url]);
    await bob.connect();
    const control = collect(bob.room('failover'));
    await bob.room('failover').join();

    const publishing = publishSequence('failover', N, () => b);
    await got.waitFor(60);
    await a.kill('SIGKILL');
    await publishing;
    await got.waitFor(N, 30000);
    await control.waitFor(N, 30000);
    await sleep(300);   // a duplicate would arrive right behind
    const seqs = got.data().map((d) => /** @type {{ seq: number }} */ (d).seq);
    const expected = Array.from({ length: N }, (_, i) => i + 1);
    assert.equal(seqs.length, N, `got ${seqs.length} messages, expected ${N}`);
    assert.deepEqual(seqs, expected, 'every message exactly once, in order');
    assert.deepEqual(got.gaps, []);
    assert.equal(nodes.length, 2, `connected twice (to a, then to b): ${nodes}`);
    assert.notEqual(nodes[0], nodes[1]);
    assert.equal(subscribed.at(-1).resumed, true);
    assert.equal(subscribed.at(-1).recovered, true);
    assert.deepEqual(control.data().map((d) => /** @type {{ seq: number }} */ (d).seq), expected);
    // the offsets the client saw grow strictly
    for (let i = 1; i < got.messages.length; i++) assert.ok(compareOffsets(got.messages[i].offset, got.messages[i - 1].offset) > 0);
    a = await new Node('cluster-a2', nodeConfig()).start();
  });

  test('a draining instance closes with 1012: the client reconnects to the other one and recovers', async () => {
    const carol = client('carol', [b.url, a.url]);
    const closes = [];
    carol.on('state', (s, info) => { if (s === 'disconnected') closes.push(info.code); });
    await carol.connect();
    const room = carol.room('drain');
    const got = collect(room);
    await room.join();
    await a.publish('drain', 1);
    await got.waitFor(1);
    await b.kill('SIGTERM');    // drain window 1 s
    await a.publish('drain', 2);
    await a.publish('drain', 3);
    await got.waitFor(3, 30000);
    assert.deepEqual(got.data(), [1, 2, 3]);
    assert.ok(closes.includes(1012), `close codes seen: ${closes}`);
    assert.equal(carol.state, 'connected');
    b = await new Node('cluster-b2', nodeConfig()).start();
  });

  test('Redis restarts without persistence under a connected client: it stays connected, the next message comes with the new epoch and raises gap (epoch)', async () => {
    // Its own Redis, without an append-only file: the restart loses the room's history and epoch.
    const volatile = await new Redis('volatile-redis').start();
    const node = await new Node('volatile-a', { 'quarkus.redis.hosts': `redis://127.0.0.1:${volatile.port}` }).start();
    try {
      const frank = client('frank', [node.url]);
      const closes = [];
      frank.on('state', (s, info) => { if (s === 'disconnected') closes.push(info.code); });
      await frank.connect();
      const room = frank.room('volatile');
      const got = collect(room);
      await room.join();
      await node.publish('volatile', 'before');
      await got.waitFor(1);

      await volatile.kill();
      await volatile.start();   // same port, empty
      await until('a publish after the restart', async () => { await node.publish('volatile', 'after'); return true; }, 30000);
      await got.waitFor(2, 30000);
      assert.deepEqual(got.data(), ['before', 'after']);
      assert.notEqual(got.messages[1].epoch, got.messages[0].epoch);
      assert.equal(got.gaps.length, 1);
      assert.deepEqual(got.gaps[0], { room: 'volatile', reason: 'epoch', since: got.messages[0].offset,
        epoch: got.messages[0].epoch, newEpoch: got.messages[1].epoch, offset: null });
      assert.deepEqual(closes, []);
      assert.equal(frank.state, 'connected');
    } finally {
      await node.kill();
      await volatile.kill();
    }
  });

  test('Redis restarts: upgrades meanwhile get 503 + Retry-After and are retried; nothing published is lost', async () => {
    const dave = client('dave', [a.url, b.url]);
    await dave.connect();
    const room = dave.room('redis-restart');
    const got = collect(room);
    await room.join();
    await a.publish('redis-restart', 'before');
    await got.waitFor(1);

    await redis.kill();
    // a client that connects while Redis is down: refused with 503 + Retry-After, which `ws` lets it see
    const erin = client('erin', [a.url, b.url]);
    const refusals = [];
    erin.on('state', (s, info) => { if (s === 'disconnected' && info.status) refusals.push(info); });
    const erinConnected = erin.connect();
    await until('a refused upgrade', () => refusals.length > 0, 20000);
    assert.equal(refusals[0].status, 503);
    assert.equal(refusals[0].reason, 'handshake_refused');
    assert.ok(refusals[0].retryAfter >= 1, `Retry-After ${refusals[0].retryAfter}`);
    assert.ok(refusals[0].reconnectIn >= refusals[0].retryAfter * 1000, 'waits at least Retry-After');

    await redis.start();   // same port, same append-only file
    await erinConnected;
    const erinRoom = erin.room('redis-restart');
    const erinGot = collect(erinRoom);
    await erinRoom.join();
    for (let i = 1; i <= 20; i++) await until(`publish ${i}`, async () => { await (i % 2 ? a : b).publish('redis-restart', i); return true; }, 30000);
    await got.waitFor(21, 30000);
    await erinGot.waitFor(20, 30000);
    await sleep(300);
    assert.deepEqual(got.data(), ['before', ...Array.from({ length: 20 }, (_, i) => i + 1)]);
    assert.deepEqual(erinGot.data(), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(dave.state, 'connected');
  });
});
