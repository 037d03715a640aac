'use strict';
// roomcast demo page: one WebSocket client with automatic reconnect and recovery (docs/protocol.md).

/** A connection to /ws that re-joins its rooms with since/epoch after every reconnect. */
class RoomcastClient {
  constructor(user, token, on) {
    this.user = user; this.token = token; this.on = on;
    this.rooms = new Map();     // room -> {epoch, offset, since}: where our copy of the room stands
    this.seq = 0; this.attempt = 0; this.ws = null; this.stopped = false; this.connected = false;
  }

  connect() {
    this.stopped = false;
    const q = new URLSearchParams();
    if (this.user) q.set('user', this.user);          // used when the server runs with auth.mode=none
    if (this.token) q.set('access_token', this.token); // used with auth.mode=jwt
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?' + q);
    this.ws = ws;
    ws.onmessage = (e) => this.frame(JSON.parse(e.data));
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.connected = false;
      if (this.stopped) { this.on.status?.(this, false, 'disconnected'); return; }
      // Exponential backoff with jitter, so that a restarted node is not hit by every client at once.
      const delay = Math.min(10000, 500 * 2 ** this.attempt++) * (0.5 + Math.random());
      this.on.status?.(this, false, `closed (${e.code}), reconnecting in ${(delay / 1000).toFixed(1)} s`);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  disconnect() { this.stopped = true; clearTimeout(this.timer); this.ws?.close(1000); }
  drop() { this.ws?.close(4000, 'simulated network failure'); }  // onclose reconnects
  send(frame) { if (this.connected) this.ws.send(JSON.stringify(frame)); }

  join(room) {
    if (!this.rooms.has(room)) this.rooms.set(room, { epoch: null, offset: null, since: null });
    this.sendJoin(room);
  }

  sendJoin(room) {
    const r = this.rooms.get(room);
    const frame = { type: 'join', room, id: `j${++this.seq}:${room}` };
    if (r.epoch !== null && r.offset !== null) { frame.since = r.offset; frame.epoch = r.epoch; }
    r.since = frame.since ?? null;
    this.send(frame);
  }

  leave(room) { this.rooms.delete(room); this.send({ type: 'leave', room, id: `l${++this.seq}` }); }
  publish(room, data) { this.send({ type: 'publish', room, data, id: `p${++this.seq}` }); }
  direct(to, data) { this.send({ type: 'send', to, data, id: `d${++this.seq}` }); }
  presence(room) { this.send({ type: 'presence', room, id: `q${++this.seq}` }); }

  frame(f) {
    const r = f.room !== undefined ? this.rooms.get(f.room) : undefined;
    switch (f.type) {
      case 'welcome':
        this.connected = true; this.attempt = 0; this.user = f.user;
        this.on.status?.(this, true, `connected as ${f.user} to ${f.node}`);
        for (const room of this.rooms.keys()) this.sendJoin(room);   // with since/epoch when we have them
        break;
      case 'ack':
        if (f.epoch === undefined || !r) break;                     // not a join ack
        // A plain join, or a recovery that lost messages: we stand where the room's history stands now.
        // (When recovered is true, the replayed messages move the offset forward themselves.)
        if (f.recovered !== true) r.offset = f.offset ?? '0';
        r.epoch = f.epoch;
        this.on.joinAck?.(f.room, r.since, f.recovered);
        this.presence(f.room);
        break;
      case 'message':
        if (r) { r.offset = f.offset; r.epoch = f.epoch; }
        this.on.message?.(f);
        break;
      case 'error': {
        const joinRoom = f.id?.startsWith('j') ? f.id.slice(f.id.indexOf(':') + 1) : null;
        const jr = joinRoom !== null ? this.rooms.get(joinRoom) : undefined;
        if (jr && jr.since !== null && f.code === 'bad_request') {
          // The server refused our recovery point (e.g. it restarted with a new history): join afresh.
          jr.epoch = jr.offset = null;
          this.on.joinAck?.(joinRoom, 'refused', false);
          this.sendJoin(joinRoom);
        } else {
          if (jr) this.rooms.delete(joinRoom);                        // the join did not happen
          this.on.error?.(f, joinRoom);
        }
        break;
      }
      case 'joined': case 'left':                                     // presence events
        this.on.member?.(f);
        break;
      default:
        this.on[f.type]?.(f);                                         // direct, presence, pong
    }
  }
}

// --- the page ------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const MAX_LINES = 300;
const view = new Map();      // room -> {lines: [], members: Map(user -> connections), unread}
const directs = [];
let client = null, selected = null;

function roomView(room) {
  if (!view.has(room)) view.set(room, { lines: [], members: new Map(), unread: 0 });
  return view.get(room);
}

function addLine(room, line) {
  const v = view.get(room);
  if (!v) return;             // a room we left: late frames are dropped
  v.lines.push(line);
  if (v.lines.length > MAX_LINES) v.lines.shift();
  if (room !== selected) v.unread++;
  render();
}

const show = (data) => typeof data === 'string' ? data : JSON.stringify(data);
const time = (ts) => new Date(ts || Date.now()).toLocaleTimeString();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function render() {
  const rooms = $('rooms'); rooms.replaceChildren();
  for (const [room, v] of view) {
    const li = el('li', room === selected ? 'sel' : '', room);
    li.onclick = () => select(room);
    if (v.unread) li.append(el('span', 'n', String(v.unread)));
    const x = el('button', 'x', '×'); x.title = 'leave';
    x.onclick = (e) => { e.stopPropagation(); leave(room); };
    li.append(x);
    rooms.append(li);
  }
  const v = selected && view.get(selected);
  $('roomTitle').textContent = v ? `# ${selected}` : 'No room selected';
  const log = $('log'); log.replaceChildren();
  for (const l of v ? v.lines : []) {
    const d = el('div', l.cls);
    if (l.cls) d.textContent = l.text;
    else d.append(el('span', 'meta', `${time(l.ts)} #${l.offset} `), el('span', 'from', l.from ?? '(backend)'), ': ' + l.text);
    log.append(d);
  }
  log.scrollTop = log.scrollHeight;
  const members = $('members'); members.replaceChildren();
  for (const [user, n] of v ? [...v.members].sort((a, b) => a[0].localeCompare(b[0])) : []) {
    members.append(el('li', '', n > 1 ? `${user} (${n} connections)` : user));
  }
  const dl = $('directs'); dl.replaceChildren();
  for (const d of directs) {
    const li = el('li');
    li.append(el('span', 'meta', time(d.ts) + ' '), el('span', 'from', d.out ? `→ ${d.peer}` : d.peer ?? '(backend)'), ': ' + show(d.data));
    dl.append(li);
  }
  dl.scrollTop = dl.scrollHeight;
}

function select(room) { selected = room; if (view.has(room)) view.get(room).unread = 0; render(); }

function setStatus(on, text) {
  $('status').replaceChildren(el('span', on ? 'dot on' : 'dot'), text);
  $('disconnect').disabled = !client || client.stopped;
  $('drop').disabled = !on;
  $('connect').disabled = !!client && !client.stopped;
}

const handlers = {
  status(from, on, text) { if (from === client) setStatus(on, text); },
  joinAck(room, since, recovered) {
    if (since === 'refused') addLine(room, { cls: 'bad', text: 'recovery refused by the server: joining afresh — resync from your backend' });
    else if (since === null) addLine(room, { cls: 'sys', text: `joined ${room}` });
    else if (recovered) addLine(room, { cls: 'sys', text: `re-joined after a disconnect: recovered ✓ (missed messages since #${since} follow)` });
    else addLine(room, { cls: 'bad', text: `re-joined: recovered ✗ — messages after #${since} were lost; resync from your backend` });
  },
  message(f) { addLine(f.room, { ts: f.ts, offset: f.offset, from: f.from, text: show(f.data) }); },
  direct(f) { directs.push({ ts: f.ts, peer: f.from, data: f.data }); render(); },
  presence(f) {
    const v = view.get(f.room);
    if (v) { v.members = new Map(f.members.map((m) => [m.user, m.connections])); render(); }
  },
  member(f) {                 // joined: a user's first connection came in; left: their last one went
    const m = view.get(f.room)?.members;
    if (!m) return;
    if (f.type === 'left') m.delete(f.user); else if (!m.has(f.user)) m.set(f.user, 1);
    render();
  },
  error(f, room) {
    if (room !== null) {        // a join that failed: the room is not ours
      view.delete(room);
      if (selected === room) selected = view.keys().next().value ?? null;
    }
    $('notice').textContent = `${f.code}: ${f.message}`;
    render();
  },
};
function connect(user, token) {
  const previous = client;
  previous?.disconnect();
  client = new RoomcastClient(user, token, handlers);
  // Rooms of a previous session are joined again, and recovered from where that session stopped.
  for (const [room, at] of previous?.rooms ?? []) client.rooms.set(room, { ...at });
  client.connect();
  setStatus(false, 'connecting…');
}

function join(room) {
  if (!room || !client) return;
  $('notice').textContent = '';
  roomView(room); client.join(room); select(room);
}

function leave(room) { client?.leave(room); view.delete(room); if (selected === room) selected = view.keys().next().value ?? null; render(); }

$('connect').onclick = () => connect($('user').value.trim(), $('token').value.trim());
$('disconnect').onclick = () => { client?.disconnect(); };
$('drop').onclick = () => client?.drop();
$('joinForm').onsubmit = (e) => { e.preventDefault(); join($('room').value.trim()); $('room').value = ''; };
$('pubForm').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!selected || !client || !text) return;
  let data = text;
  if ($('format').value === 'json') {
    try { data = JSON.parse(text); } catch { addLine(selected, { cls: 'bad', text: 'not valid JSON' }); return; }
  }
  client.publish(selected, data);
  $('text').value = '';
};
$('dmForm').onsubmit = (e) => {
  e.preventDefault();
  const to = $('dmTo').value.trim(), text = $('dmText').value;
  if (!client || !to || !text) return;
  client.direct(to, text);
  directs.push({ ts: Date.now(), peer: to, data: text, out: true });
  $('dmText').value = '';
  render();
};

// --- ?demo=1: a scripted session with a second user (bob) simulated in this page -----------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, ms = 10000) {
  for (const end = Date.now() + ms; !cond(); await sleep(25)) if (Date.now() > end) throw new Error('demo timed out');
}

async function demo() {
  $('user').value = 'alice';
  connect('alice', $('token').value.trim());
  await until(() => client.connected);
  join('team-a');
  join('lobby');
  const bob = new RoomcastClient('bob', '', {});
  bob.connect();
  await until(() => bob.connected);
  bob.join('lobby');
  await until(() => roomView('lobby').members.has('bob'));
  bob.publish('lobby', { text: 'hi alice' });
  await sleep(100);
  client.publish('lobby', 'hello bob');
  await sleep(100);
  client.publish('lobby', { text: 'JSON is passed through as is', n: [1, 2, 3] });
  bob.direct('alice', 'psst, the build is green');
  await sleep(200);
  client.drop();                                      // alice loses her connection…
  await until(() => !client.connected);
  bob.publish('lobby', 'published while alice was offline');
  await until(() => client.connected);                // …reconnects, re-joins with since/epoch, recovers
  await until(() => roomView('lobby').lines.some((l) => l.text.startsWith('re-joined')));
  bob.publish('lobby', 'and live again, with no gap and no duplicate');
  const lines = roomView('lobby').lines;
  await until(() => lines.some((l) => l.text.startsWith('and live again')));
  // The demo doubles as a smoke test of recovery: the message published while offline must be there, once.
  const missed = lines.filter((l) => l.text === 'published while alice was offline').length;
  if (missed !== 1) addLine('lobby', { cls: 'bad', text: `demo check: the message published while offline arrived ${missed} times, expected once` });
  document.title = missed === 1 ? 'roomcast demo (done)' : 'roomcast demo (done, recovery check failed)';
}

if (new URLSearchParams(location.search).has('demo')) {
  demo().catch((e) => { document.title = 'roomcast demo (failed)'; console.error(e); });
}
