'use strict';
// The hand-written Node server roomcast is compared with: `ws` + ioredis, one Redis pub/sub channel per room.
// It speaks roomcast's JSON protocol (welcome, join -> ack, publish -> message to every member of the room on
// every instance), so the same load generator drives it. No auth, presence or history: the least a real
// multi-instance room server has to do.
//
//   PORT=8081 REDIS_URL=redis://127.0.0.1:6390 node ws-server.js
const http = require('http');
const crypto = require('crypto');
const { WebSocketServer } = require('ws');
const Redis = require('ioredis');

const port = Number(process.env.PORT || 8081);
const host = process.env.HOST || '127.0.0.1';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6390';
const node = 'ws-' + crypto.randomBytes(4).toString('hex');
const CHANNEL = 'wspeer:';

const pub = new Redis(redisUrl);
const sub = new Redis(redisUrl);
let redisReady = 0;
pub.on('ready', () => redisReady++);
sub.on('ready', () => redisReady++);

/** room -> { members: Set<WebSocket>, subscribed: Promise } (only rooms with a local member) */
const rooms = new Map();

// One serialized frame per room message, written as-is to every local member.
sub.on('messageBuffer', (channel, message) => {
  const room = rooms.get(channel.toString('latin1', CHANNEL.length));
  if (!room) return;
  for (const ws of room.members) ws.send(message, { binary: false });
});

function roomOf(name) {
  let room = rooms.get(name);
  if (!room) {
    room = { members: new Set(), subscribed: sub.subscribe(CHANNEL + name) };
    rooms.set(name, room);
  }
  return room;
}

function leaveAll(ws) {
  for (const name of ws.joined) {
    const room = rooms.get(name);
    if (!room) continue;
    room.members.delete(ws);
    if (room.members.size === 0) {
      rooms.delete(name);
      sub.unsubscribe(CHANNEL + name).catch(() => {});
    }
  }
  ws.joined.clear();
}

function send(ws, obj) {
  ws.send(JSON.stringify(obj));
}

function error(ws, id, code, message) {
  send(ws, id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message });
}

const validRoom = (r) => typeof r === 'string' && r.length > 0 && r.length <= 128;

function onFrame(ws, raw) {
  let f;
  try {
    f = JSON.parse(raw);
  } catch {
    return error(ws, undefined, 'bad_request', 'not JSON');
  }
  if (f === null || typeof f !== 'object') return error(ws, undefined, 'bad_request', 'not an object');
  switch (f.type) {
    case 'join': {
      if (!validRoom(f.room)) return error(ws, f.id, 'bad_request', 'bad room');
      const room = roomOf(f.room);
      room.members.add(ws);
      ws.joined.add(f.room);
      // acknowledged once this instance is subscribed to the room's channel: nothing published after the ack is missed
      room.subscribed.then(
        () => ws.readyState === 1 && send(ws, { type: 'ack', id: f.id, room: f.room }),
        () => error(ws, f.id, 'unavailable', 'redis'));
      return;
    }
    case 'leave': {
      if (!validRoom(f.room)) return error(ws, f.id, 'bad_request', 'bad room');
      const room = rooms.get(f.room);
      if (room) {
        room.members.delete(ws);
        if (room.members.size === 0) {
          rooms.delete(f.room);
          sub.unsubscribe(CHANNEL + f.room).catch(() => {});
        }
      }
      ws.joined.delete(f.room);
      return send(ws, { type: 'ack', id: f.id, room: f.room });
    }
    case 'publish': {
      if (!validRoom(f.room)) return error(ws, f.id, 'bad_request', 'bad room');
      if (!ws.joined.has(f.room)) return error(ws, f.id, 'not_joined', 'join ' + f.room + ' before publishing to it');
      const out = JSON.stringify({ type: 'message', room: f.room, ts: Date.now(), from: ws.user, data: f.data });
      pub.publish(CHANNEL + f.room, out).then(
        () => f.id !== undefined && send(ws, { type: 'ack', id: f.id }),
        () => error(ws, f.id, 'unavailable', 'redis'));
      return;
    }
    case 'ping':
      return send(ws, { type: 'pong', id: f.id });
    default:
      return error(ws, f.id, 'bad_request', 'unknown type');
  }
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/q/health')) {
    const up = redisReady >= 2;
    res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ status: up ? 'UP' : 'DOWN', node }));
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 64 * 1024, clientTracking: false });
wss.on('connection', (ws, req) => {
  const user = new URL(req.url, 'http://x').searchParams.get('user') || 'anonymous';
  ws.user = user;
  ws.joined = new Set();
  ws.on('message', (data) => onFrame(ws, data));
  ws.on('close', () => leaveAll(ws));
  ws.on('error', () => {});
  send(ws, { type: 'welcome', user, connection: crypto.randomUUID(), node, protocol: 1 });
});

server.listen(port, host, () => console.log(`${node} listening on ${host}:${port}, redis ${redisUrl}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
