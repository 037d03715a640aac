// roomcast demo page, on roomcast-client (clients/js, copied into the jar at build time): the client does the
// reconnecting, the rejoining with since/epoch and the deduplication; this file only renders.
import { Roomcast } from './roomcast-client/index.js';

const $ = (id) => document.getElementById(id);
const MAX_LINES = 300;
const DROP_MS = 3000;
const wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
const view = new Map();      // room -> {lines: [], members: Map(user -> connections), unread}
const directs = [];
/** @type {Roomcast | null} */
let client = null;
let selected = null;
let dropTimer;
let stopped = true;          // no client, or the user pressed Disconnect
let session = '';            // user and token of the current client

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
  $('disconnect').disabled = stopped;
  $('drop').disabled = !on;
  $('connect').disabled = !stopped;
}

function notice(text) { $('notice').textContent = text; }

async function refreshPresence(room) {
  try {
    const p = await client.room(room).presence();
    const v = view.get(room);
    if (v) { v.members = new Map(p.members.map((m) => [m.user, m.connections])); render(); }
  } catch (e) {
    notice(`${e.code}: ${e.message}`);
  }
}

/** Wires a room's events to its view (once per client and room). */
function watch(room) {
  const r = client.room(room);
  if (r.watched) return r;
  r.watched = true;
  r.on('message', (m) => addLine(room, { ts: m.ts, offset: m.offset, from: m.from, text: show(m.data) }));
  r.on('subscribed', (s) => {
    if (!s.resumed) addLine(room, { cls: 'sys', text: `joined ${room}` });
    else if (s.recovered) addLine(room, { cls: 'sys', text: `re-joined after a disconnect: recovered ✓ (missed messages follow, each once)` });
    refreshPresence(room);
  });
  r.on('gap', (g) => addLine(room, { cls: 'bad', text: g.reason === 'refused'
    ? 'recovery refused by the server: joined afresh — resync from your backend'
    : `re-joined: recovered ✗ (${g.reason}) — messages after #${g.since} were lost; resync from your backend` }));
  r.on('joined', (e) => { const m = view.get(room)?.members; if (m && !m.has(e.user)) { m.set(e.user, 1); render(); } });
  r.on('left', (e) => { view.get(room)?.members.delete(e.user); render(); });
  r.on('error', (e) => { forget(room); notice(`${room}: ${e.code}: ${e.message}`); });
  return r;
}

function forget(room) {
  view.delete(room);
  if (selected === room) selected = view.keys().next().value ?? null;
  render();
}

function connect(user, token) {
  clearTimeout(dropTimer); dropTimer = undefined;
  stopped = false;
  if (client && client.state === 'disconnected' && session === `${user}\n${token}`) {
    client.connect().catch(() => {});   // the same session again: its rooms are rejoined and recovered
    return;
  }
  client?.close();
  session = `${user}\n${token}`;
  // auth mode none: ?user=; auth mode jwt: the token travels in the bearer-token-carrier subprotocol.
  const c = new Roomcast(wsUrl, { user: user || undefined, token: token || undefined });
  client = c;
  c.on('state', (state, info) => {
    if (c !== client) return;
    if (state === 'connected') setStatus(true, `connected as ${info.user} to ${info.node}`);
    else if (state === 'connecting') setStatus(false, 'connecting…');
    else if (dropTimer !== undefined) setStatus(false, `offline (Drop), reconnecting in ${(DROP_MS / 1000).toFixed(0)} s`);
    else if (state === 'disconnected' && info.reconnectIn !== undefined) {
      setStatus(false, `closed (${info.code}${info.reason ? ' ' + info.reason : ''}), reconnecting in ${(info.reconnectIn / 1000).toFixed(1)} s`);
    } else if (state === 'closed' && info.error && info.error.code !== 'closed') {
      stopped = true;
      setStatus(false, `closed: ${info.error.code} — ${info.error.message}`);
    }
    else setStatus(false, 'disconnected');
  });
  c.on('direct', (m) => { directs.push({ ts: m.ts, peer: m.from, data: m.data }); render(); });
  c.on('error', (e) => notice(`${e.code}: ${e.message}`));
  c.connect().catch(() => {});   // failures show in the status line
  // Rooms of a previous session are joined again (fresh: a new user may not see the old one's position).
  for (const room of view.keys()) join(room);
}

async function join(room) {
  if (!room || !client) return;
  notice('');
  roomView(room); select(room);
  try {
    await watch(room).join();
  } catch (e) {
    forget(room);
    notice(`${e.code}: ${e.message}`);
  }
}

function leave(room) { client?.room(room).leave().catch(() => {}); forget(room); }

function publish(room, data) {
  client.room(room).publish(data).catch((e) => addLine(room, { cls: 'bad', text: `not published: ${e.code}: ${e.message}` }));
}

function direct(to, data) {
  client.send(to, data).catch((e) => notice(`direct message not sent: ${e.code}: ${e.message}`));
  directs.push({ ts: Date.now(), peer: to, data, out: true });
  render();
}

/** Cuts the connection for a few seconds, as a network failure would; the rooms are recovered afterwards. */
function drop() {
  if (!client || client.state !== 'connected') return;
  const c = client;
  dropTimer = setTimeout(() => { dropTimer = undefined; if (c === client) c.connect().catch(() => {}); }, DROP_MS);
  c.disconnect();
}

$('connect').onclick = () => connect($('user').value.trim(), $('token').value.trim());
$('disconnect').onclick = () => { clearTimeout(dropTimer); dropTimer = undefined; stopped = true; client?.disconnect(); };
$('drop').onclick = drop;
$('joinForm').onsubmit = (e) => { e.preventDefault(); join($('room').value.trim()); $('room').value = ''; };
$('pubForm').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!selected || !client || !text) return;
  let data = text;
  if ($('format').value === 'json') {
    try { data = JSON.parse(text); } catch { addLine(selected, { cls: 'bad', text: 'not valid JSON' }); return; }
  }
  publish(selected, data);
  $('text').value = '';
};
$('dmForm').onsubmit = (e) => {
  e.preventDefault();
  const to = $('dmTo').value.trim(), text = $('dmText').value;
  if (!client || !to || !text) return;
  direct(to, text);
  $('dmText').value = '';
};

// --- ?demo=1: a scripted session with a second user (bob) simulated in this page -----------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, ms = 15000) {
  for (const end = Date.now() + ms; !cond(); await sleep(25)) if (Date.now() > end) throw new Error('demo timed out');
}

async function demo() {
  $('user').value = 'alice';
  connect('alice', $('token').value.trim());
  await until(() => client.state === 'connected');
  await join('team-a');
  await join('lobby');
  const bob = new Roomcast(wsUrl, { user: 'bob' });
  await bob.connect();
  const bobLobby = bob.room('lobby');
  await bobLobby.join();
  await until(() => roomView('lobby').members.has('bob'));
  await bobLobby.publish({ text: 'hi alice' });
  await sleep(100);
  publish('lobby', 'hello bob');
  await sleep(100);
  publish('lobby', { text: 'JSON is passed through as is', n: [1, 2, 3] });
  await bob.send('alice', 'psst, the build is green');
  await sleep(200);
  drop();                                             // alice loses her connection…
  await until(() => client.state !== 'connected');
  await bobLobby.publish('published while alice was offline');
  await until(() => client.state === 'connected', DROP_MS + 15000);   // …reconnects, re-joins with since/epoch, recovers
  await until(() => roomView('lobby').lines.some((l) => l.text.startsWith('re-joined')));
  await bobLobby.publish('and live again, with no gap and no duplicate');
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
