// The client's reaction to each close code and refused upgrade (the README's table). A roomcast node sends
// most of these only in situations that are slow to produce (4008, 1013), so a small `ws` server that speaks
// the welcome frame plays the server here; the real node's 1006, 1012, 4009, 401 and 503 are in the other tests.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { Roomcast, compareOffsets } from '../src/index.js';
import { until } from './harness.js';

/** @type {http.Server} */
let server;
/** @type {WebSocketServer} */
let wss;
let port = 0;
/** what the next upgrade gets: a close code after welcome, or an HTTP status */
let plan = /** @type {{ close?: number, status?: number, retryAfter?: string }[]} */ ([]);
let upgrades = 0;

before(async () => {
  wss = new WebSocketServer({ noServer: true });
  server = http.createServer();
  server.on('upgrade', (req, socket, head) => {
    upgrades++;
    const step = plan.shift() ?? {};
    if (step.status) {
      const extra = step.retryAfter ? `Retry-After: ${step.retryAfter}\r\n` : '';
      socket.end(`HTTP/1.1 ${step.status} Refused\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ type: 'welcome', user: 'u', connection: String(upgrades), node: 'fake', protocol: 1 }));
      if (step.close === 1006) setTimeout(() => ws.terminate(), 20);
      else if (step.close) setTimeout(() => ws.close(step.close, 'planned'), 20);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
});
after(() => { wss.close(); server.close(); });

/** @param {import('../src/index.js').RoomcastOptions} [options] */
function connectWith(options = {}) {
  const rc = new Roomcast(`ws://127.0.0.1:${port}/ws`, { WebSocket, reconnect: { minDelay: 50, maxDelay: 200 }, pingInterval: 0, ...options });
  /** @type {{ s: string, info: import('../src/index.js').StateInfo }[]} */
  const states = [];
  rc.on('state', (s, info) => states.push({ s, info }));
  return { rc, states };
}

describe('close codes and refused upgrades', { timeout: 180000 }, () => {
  for (const code of [1000, 1001, 1006, 1011, 1012, 1013, 4008, 4011, 4500, 4999]) {
    test(`close ${code}: reconnects`, async () => {
      plan = [{ close: code }];
      const { rc, states } = connectWith();
      await rc.connect();
      await until('a second connection', () => states.filter((x) => x.s === 'connected').length === 2, 5000);
      const drop = states.find((x) => x.s === 'disconnected');
      assert.equal(drop?.info.code, code);
      assert.ok(drop?.info.reconnectIn !== undefined && drop.info.reconnectIn <= 200, 'full jitter below the cap');
      rc.close();
    });
  }

  for (const [code, error] of /** @type {const} */ ([[4009, 'user_exists'], [1008, 'policy_violation'],
    [4100, 'disconnected_by_server'], [4499, 'disconnected_by_server']])) {
    test(`close ${code}: does not reconnect (${error})`, async () => {
      plan = [{ close: code }];
      const before = upgrades;
      const { rc, states } = connectWith();
      await rc.connect();
      await until('closed', () => rc.state === 'closed', 5000);
      assert.equal(states.at(-1)?.info.error?.code, error);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(upgrades - before, 1, 'no second attempt');
    });
  }

  for (const [status, error] of /** @type {const} */ ([[401, 'unauthorized'], [403, 'forbidden']])) {
    test(`HTTP ${status} on the upgrade: does not reconnect`, async () => {
      plan = [{ status }];
      const { rc } = connectWith();
      await assert.rejects(rc.connect(), { code: error });
      assert.equal(rc.state, 'closed');
    });
  }

  test('HTTP 503 with Retry-After: waits at least that long, then connects', async () => {
    plan = [{ status: 503, retryAfter: '1' }];
    const { rc, states } = connectWith();
    const start = Date.now();
    await rc.connect();
    assert.ok(Date.now() - start >= 1000, `connected after ${Date.now() - start} ms`);
    const refused = states.find((x) => x.s === 'disconnected');
    assert.equal(refused?.info.status, 503);
    assert.equal(refused?.info.retryAfter, 1);
    rc.close();
  });

  test('backoff grows exponentially up to maxDelay, with full jitter', async () => {
    plan = Array.from({ length: 8 }, () => ({ status: 502 }));
    const { rc, states } = connectWith({ reconnect: { minDelay: 10, maxDelay: 80 } });
    await rc.connect();
    const delays = states.filter((x) => x.s === 'disconnected').map((x) => /** @type {number} */ (x.info.reconnectIn));
    assert.equal(delays.length, 8);
    delays.forEach((d, n) => assert.ok(d >= 0 && d <= Math.min(80, 10 * 2 ** n), `attempt ${n}: ${d} ms`));
    rc.close();
  });

  test('reconnect: false stays disconnected after a close; connect() starts again', async () => {
    plan = [{ close: 1012 }];
    const before = upgrades;
    const { rc, states } = connectWith({ reconnect: false });
    await rc.connect();
    await until('disconnected', () => rc.state === 'disconnected', 5000);
    assert.equal(states.at(-1)?.info.reconnectIn, undefined);
    await assert.rejects(rc.ping(), { code: 'disconnected' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(upgrades - before, 1);
    await rc.connect();
    assert.equal(upgrades - before, 2);
    rc.close();
  });

  test('a list of URLs is tried in turn', async () => {
    const dead = `ws://127.0.0.1:1/ws`;
    const rc = new Roomcast([dead, `ws://127.0.0.1:${port}/ws`], { WebSocket, reconnect: { minDelay: 10, maxDelay: 50 }, pingInterval: 0 });
    /** @type {string[]} */
    const urls = [];
    rc.on('state', (s, info) => { if (s === 'disconnected' && info.url) urls.push(info.url); });
    await rc.connect();
    assert.deepEqual(urls, [dead]);
    rc.close();
  });

  test('offsets compare as numbers, in memory and Redis form', () => {
    assert.ok(compareOffsets('10', '9') > 0);
    assert.ok(compareOffsets('1732420000123-10', '1732420000123-9') > 0);
    assert.ok(compareOffsets('1732420000124-0', '1732420000123-99') > 0);
    assert.equal(compareOffsets('0', '0-0'), 0);
  });
});
