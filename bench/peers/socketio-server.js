'use strict';
// socket.io 4 with @socket.io/redis-adapter (ioredis clients), as a socket.io user would set it up for several
// instances. Events: "join" {room} (acknowledged), "publish" {room, data} -> "message" {room, from, data} to the
// room on every instance (io.to(room).emit, through the adapter's Redis channel).
//
//   PORT=8081 REDIS_URL=redis://127.0.0.1:6390 node socketio-server.js
const http = require('http');
const crypto = require('crypto');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const Redis = require('ioredis');

const port = Number(process.env.PORT || 8081);
const host = process.env.HOST || '127.0.0.1';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6390';
const node = 'sio-' + crypto.randomBytes(4).toString('hex');

const pubClient = new Redis(redisUrl);
const subClient = pubClient.duplicate();
let redisReady = 0;
pubClient.on('ready', () => redisReady++);
subClient.on('ready', () => redisReady++);

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/q/health')) {
    const up = redisReady >= 2;
    res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ status: up ? 'UP' : 'DOWN', node }));
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  maxHttpBufferSize: 64 * 1024,
  adapter: createAdapter(pubClient, subClient),
});

const validRoom = (r) => typeof r === 'string' && r.length > 0 && r.length <= 128;

io.on('connection', (socket) => {
  const user = String(socket.handshake.query.user || 'anonymous');
  socket.on('join', (msg, ack) => {
    if (typeof ack !== 'function') return;
    if (!msg || !validRoom(msg.room)) return ack({ error: 'bad_request' });
    socket.join(msg.room);
    ack({ room: msg.room });
  });
  socket.on('leave', (msg, ack) => {
    if (msg && validRoom(msg.room)) socket.leave(msg.room);
    if (typeof ack === 'function') ack({ room: msg && msg.room });
  });
  socket.on('publish', (msg, ack) => {
    if (!msg || !validRoom(msg.room)) return typeof ack === 'function' && ack({ error: 'bad_request' });
    if (!socket.rooms.has(msg.room)) return typeof ack === 'function' && ack({ error: 'not_joined' });
    io.to(msg.room).emit('message', { room: msg.room, ts: Date.now(), from: user, data: msg.data });
    if (typeof ack === 'function') ack({});
  });
});

server.listen(port, host, () => console.log(`${node} listening on ${host}:${port}, redis ${redisUrl}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
