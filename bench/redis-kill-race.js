#!/usr/bin/env node
// What a Redis killed with SIGKILL (no persistence) does to the last acknowledged publish, without roomcast:
// a publisher runs roomcast's shape of publish (one Lua call: XADD to the stream, then PUBLISH) back to back,
// a subscriber listens, and Redis is killed at a random moment. Redis writes a script's reply to the caller
// before the PUBLISH message to the subscribers (both leave in the same write loop, the caller first), so a
// kill between those two writes leaves a message that was acknowledged and that no subscriber received.
// With --replica, a replica follows the killed Redis, as under Sentinel: a message acknowledged and received by no
// subscriber counts as lost only if the replica does not have it either.
// Usage: node bench/redis-kill-race.js [trials=300] [--replica]   (needs redis-server on PATH; free ports, never 6379)
'use strict';
const net = require('net');
const { spawn } = require('child_process');

const SCRIPT = "redis.call('XADD',KEYS[1],'*','s',ARGV[1]) return redis.call('PUBLISH','ch',ARGV[1])";
const resp = (...args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const tryOnce = (left) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => resolve(c));
      c.once('error', (e) => (left > 0 ? setTimeout(() => tryOnce(left - 1), 20) : reject(e)));
    };
    tryOnce(100);
  });
}

/** Sends one inline command on a fresh connection; resolves with the whole first reply chunk. */
async function command(port, cmd) {
  const c = await connect(port);
  return new Promise((resolve) => {
    c.once('data', (d) => { resolve(d.toString()); c.destroy(); });
    c.write(`${cmd}\r\n`);
  });
}

const startRedis = (port, ...extra) =>
  spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });

async function trial(withReplica) {
  const port = await freePort();
  const redis = startRedis(port);
  let replica = null;
  let replicaPort = 0;
  if (withReplica) {
    replicaPort = await freePort();
    replica = startRedis(replicaPort, '--replicaof', '127.0.0.1', String(port));
    while (!(await command(replicaPort, 'INFO replication')).includes('master_link_status:up')) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const sub = await connect(port);
  const pub = await connect(port);
  const received = new Set();
  const acked = new Set();
  let subBuf = '';
  let pubBuf = '';
  let seq = 0;
  sub.on('data', (d) => {
    subBuf += d;
    const re = /message\r\n\$2\r\nch\r\n\$\d+\r\n(\d+)\r\n/g;
    let m;
    let end = 0;
    while ((m = re.exec(subBuf)) !== null) { received.add(Number(m[1])); end = re.lastIndex; }
    subBuf = subBuf.slice(end);
  });
  const publish = () => pub.write(resp('EVAL', SCRIPT, 1, 'stream', seq));
  pub.on('data', (d) => {
    pubBuf += d;
    let i;
    while ((i = pubBuf.indexOf('\r\n')) >= 0) {
      const line = pubBuf.slice(0, i);
      pubBuf = pubBuf.slice(i + 2);
      if (line.startsWith(':')) { acked.add(seq++); publish(); }
    }
  });
  await new Promise((resolve) => {
    sub.write(resp('SUBSCRIBE', 'ch'));
    sub.once('data', resolve); // subscribed
  });
  publish();
  setTimeout(() => redis.kill('SIGKILL'), 50 + Math.random() * 100);
  await Promise.all([sub, pub].map((s) => new Promise((resolve) => { s.on('close', resolve); s.on('error', () => {}); })));
  let notReceived = [...acked].filter((s) => !received.has(s));
  let notOnReplica = [];
  if (replica) {
    // Entries were appended in sequence order, so the replica holds seqs 0 .. XLEN-1.
    const replicated = Number((await command(replicaPort, 'XLEN stream')).slice(1).trim());
    notOnReplica = [...acked].filter((s) => s >= replicated);
    notReceived = notReceived.filter((s) => s >= replicated);
    replica.kill('SIGKILL');
  }
  return { acked: acked.size, lost: notReceived, notOnReplica };
}

(async () => {
  const withReplica = process.argv.includes('--replica');
  const trials = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a))) || 300;
  let hit = 0;
  let behind = 0;
  for (let i = 0; i < trials; i++) {
    const r = await trial(withReplica);
    if (r.lost.length) hit++;
    if (r.notOnReplica.length) behind++;
    if (r.lost.length) console.log(`trial ${i}: ${r.acked} acknowledged, acknowledged and lost: ${r.lost.join(', ')}`);
  }
  if (withReplica) console.log(`${behind} of ${trials} trials: an acknowledged message the replica did not have`);
  console.log(`${hit} of ${trials} trials left an acknowledged message that the subscriber never received`
    + (withReplica ? ' and the replica did not have' : ''));
})();
