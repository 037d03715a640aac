// `npm pack` makes a tarball that installs into a fresh project and works there: a Node example imports it
// (with Node's global WebSocket, no `ws`), talks to a real node, and a TypeScript consumer type-checks against it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Roomcast as Node, clientDir } from './harness.js';

/** @type {Node} */
let node;
const work = mkdtempSync(path.join(tmpdir(), 'roomcast-pack-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(async () => { node = await new Node('pack').start(); });
after(async () => { await node?.kill(); });

test('npm pack produces a tarball that installs and runs in a fresh project', { timeout: 180000 }, async () => {
  const out = JSON.parse(npm(['pack', '--json', '--pack-destination', work], clientDir));
  const files = out[0].files.map((f) => f.path).sort();
  assert.ok(files.includes('src/index.js') && files.includes('src/emitter.js'), files.join(' '));
  assert.ok(files.includes('types/index.d.ts') && files.includes('types/emitter.d.ts'), 'types are shipped');
  assert.ok(files.includes('README.md'));
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('node_modules/')), 'no tests in the package');
  const tarball = path.join(work, out[0].filename);

  const app = path.join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'example', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--offline', tarball], app);
  assert.ok(existsSync(path.join(app, 'node_modules', 'roomcast-client', 'src', 'index.js')));
  assert.ok(!existsSync(path.join(app, 'node_modules', 'ws')), 'no runtime dependency installed');

  // the example of the README, cut down: connect, join, publish, receive
  writeFileSync(path.join(app, 'example.js'), `
import { Roomcast } from 'roomcast-client';
const rc = new Roomcast(process.argv[2], { user: 'example' });
const room = rc.room('example');
const got = new Promise((resolve) => room.on('message', (m) => resolve(m)));
await rc.connect();
await room.join();
await room.publish({ text: 'hi from the packed client' });
const m = await got;
console.log(JSON.stringify({ from: m.from, data: m.data, members: (await room.presence()).count }));
rc.close();
`);
  // Node 20 has a global WebSocket behind this flag (Node 22 without it); the package finds it without `ws`.
  const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-websocket', '--no-warnings'] : [];
  const printed = execFileSync(process.execPath, [...flags, 'example.js', node.url], { cwd: app, encoding: 'utf8', timeout: 30000 });
  assert.deepEqual(JSON.parse(printed.trim()), { from: 'example', data: { text: 'hi from the packed client' }, members: 1 });

  // a TypeScript consumer sees the types (tsc from this package's devDependencies)
  writeFileSync(path.join(app, 'check.ts'), `
import { Roomcast, RoomcastError, type RoomMessage, type Gap } from 'roomcast-client';
const rc = new Roomcast(['ws://a/ws', 'ws://b/ws'], { token: async () => 't', reconnect: { minDelay: 100, maxDelay: 1000 } });
rc.on('state', (s, info) => { const x: 'connecting' | 'connected' | 'disconnected' | 'closed' = s; void info.reconnectIn; void x; });
rc.room('r').on('message', (m: RoomMessage) => { const o: string = m.offset; void o; });
rc.room('r').on('gap', (g: Gap) => { const r: 'trimmed' | 'epoch' | 'refused' = g.reason; void r; });
const e = new RoomcastError('timeout', 'x'); const c: string = e.code; void c;
// @ts-expect-error internals are not part of the types
rc._request;
`);
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] },
    files: ['check.ts'],
  }));
  execFileSync(process.execPath, [path.join(clientDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { encoding: 'utf8' });
  assert.ok(readdirSync(work).some((f) => f.endsWith('.tgz')));
});
