// Real processes for the tests: the packaged roomcast jar and redis-server, each on free ports of 127.0.0.1.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const clientDir = path.resolve(here, '..');
export const repoDir = path.resolve(clientDir, '..', '..');
export const outputDir = path.join(clientDir, 'test-output');
mkdirSync(outputDir, { recursive: true });

const JAR = process.env.ROOMCAST_JAR ?? path.join(repoDir, 'target', 'quarkus-app', 'quarkus-run.jar');
const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
const killChildren = () => { for (const c of children) try { c.kill('SIGKILL'); } catch { /* gone */ } };
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { killChildren(); process.exit(1); });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns something other than undefined/false, or throws after `timeout` ms.
 *
 * @template T
 * @param {string} what
 * @param {() => T | Promise<T>} check
 * @param {number} [timeout]
 * @returns {Promise<T>}
 */
export async function until(what, check, timeout = 20000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(50);
  }
}

/** A port nobody listens on right now (never 6379: the OS hands out ephemeral ports). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

function logFile(name) {
  return openSync(path.join(outputDir, `${name}.log`), 'a');
}

/** One redis-server process. `persist` keeps an append-only file, so a restart keeps the streams. */
export class Redis {
  constructor(name, { persist = false } = {}) {
    this.name = name;
    this.persist = persist;
    this.dir = mkdtempSync(path.join(tmpdir(), `roomcast-${name}-`));
    this.port = 0;
    this.proc = null;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
    args.push('--appendonly', this.persist ? 'yes' : 'no');
    if (this.persist) args.push('--appendfsync', 'always');
    const out = logFile(this.name);
    this.proc = spawn('redis-server', args, { stdio: ['ignore', out, out] });
    children.add(this.proc);
    const proc = this.proc;
    await until(`${this.name} to answer PING on ${this.port}`, async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      return (await this.command('PING')) === '+PONG';
    });
    return this;
  }

  /** Sends one inline command and returns the first reply line. */
  command(cmd) {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, '127.0.0.1');
      s.setTimeout(2000, () => { s.destroy(); reject(new Error('redis timeout')); });
      s.once('error', reject);
      s.once('data', (d) => { resolve(d.toString().split('\r\n')[0]); s.end(); });
      s.write(`${cmd}\r\n`);
    });
  }

  async kill() {
    await killProcess(this.proc, 'SIGKILL');
    children.delete(this.proc);
  }
}

/**
 * One roomcast instance from the packaged jar.
 *
 * @param {string} name
 * @param {Record<string, string | number>} [config] -D system properties
 */
export class Roomcast {
  constructor(name, config = {}) {
    this.name = name;
    this.config = config;
    this.port = 0;
    this.managementPort = 0;
    this.proc = null;
    this.dir = mkdtempSync(path.join(tmpdir(), `roomcast-${name}-`));
  }

  get url() { return `ws://127.0.0.1:${this.port}/ws`; }
  get http() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    if (!existsSync(JAR)) {
      throw new Error(`no roomcast jar at ${JAR}: run ./mvnw -B package -DskipTests in the repository first`);
    }
    if (!this.port) this.port = await freePort();
    if (!this.managementPort) this.managementPort = await freePort();
    const props = {
      'roomcast.auth.mode': 'none',
      'roomcast.drain.window': '1s',
      'quarkus.http.host': '127.0.0.1',
      ...this.config,
      'quarkus.http.port': this.port,
      // Only used when the management interface is enabled; keeps two instances from sharing a port.
      'quarkus.management.port': this.managementPort,
    };
    const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-Xshare:auto'];
    for (const [k, v] of Object.entries(props)) args.push(`-D${k}=${v}`);
    args.push('-jar', JAR);
    const out = logFile(this.name);
    this.proc = spawn(JAVA, args, { cwd: this.dir, stdio: ['ignore', out, out] });
    children.add(this.proc);
    const proc = this.proc;
    await until(`${this.name} to be ready on ${this.port}`, async () => {
      if (proc.exitCode !== null) throw new Error(`java exited with ${proc.exitCode}; see test-output/${this.name}.log`);
      for (const port of [this.port, this.managementPort]) {
        const res = await fetch(`http://127.0.0.1:${port}/q/health/ready`).catch(() => null);
        if (res?.status === 200) return true;
      }
      return false;
    }, 60000);
    return this;
  }

  /** @param {NodeJS.Signals} signal */
  async kill(signal = 'SIGKILL') {
    await killProcess(this.proc, signal);
    children.delete(this.proc);
  }

  /**
   * SIGSTOP: the process keeps its sockets open but answers nothing, as a hung node or a dead network.
   * Resolves once every thread is stopped (a thread busy in the kernel stops only when it leaves it).
   */
  async pause() {
    const pid = this.proc?.pid;
    this.proc?.kill('SIGSTOP');
    await until(`${this.name} to be stopped`, () => readdirSync(`/proc/${pid}/task`).every((t) => {
      try {
        return /^\d+ \(.*\) [tT] /.test(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'));
      } catch {
        return true;   // a thread that ended meanwhile
      }
    }), 10000);
  }
  resume() { this.proc?.kill('SIGCONT'); }

  /** Posts to a room through the HTTP API; returns the response body. */
  async publish(room, data, { from, apiKey } = {}) {
    const q = from ? `?from=${encodeURIComponent(from)}` : '';
    const res = await fetch(`${this.http}/api/rooms/${encodeURIComponent(room)}/messages${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(data),
    });
    if (res.status !== 200) throw new Error(`publish to ${room} on ${this.name}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }

  /** Posts a JSON body to a server API path (`/api/...`); returns the response body, fails unless 200. */
  async post(apiPath, body, { apiKey } = {}) {
    const res = await fetch(`${this.http}${apiPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`POST ${apiPath} on ${this.name}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }

  logTail(lines = 40) {
    try {
      return readFileSync(path.join(outputDir, `${this.name}.log`), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/**
 * @param {import('node:child_process').ChildProcess | null} proc
 * @param {NodeJS.Signals} signal
 */
async function killProcess(proc, signal) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGCONT');
  proc.kill(signal);
  await Promise.race([exited, sleep(15000)]);
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGKILL');
    await exited;
  }
}

/**
 * An HS256 JWT signed with node:crypto.
 *
 * @param {string} secret
 * @param {Record<string, unknown>} claims
 */
export function signJwt(secret, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iat: now, exp: now + 3600, ...claims })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** The smallrye-jwt setting for an HS256 secret: a JWK with the base64url secret. */
export function jwkOf(secret) {
  return JSON.stringify({ kty: 'oct', k: Buffer.from(secret).toString('base64url') });
}

/** Now, in seconds since the Unix epoch (a JWT's clock). */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The `exp` of a token signed by {@link signJwt}. @param {string} jwt */
export const expOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).exp;

/**
 * A node's settings for tokens that expire on live connections: auth mode jwt with an HS256 secret, a short clock
 * skew and refresh-ahead (seconds), and an API key.
 */
export function expiringTokensConfig({ secret, issuer, skew, refreshAhead, apiKey }) {
  return {
    'roomcast.auth.mode': 'jwt',
    'smallrye.jwt.verify.secretkey': jwkOf(secret),
    'smallrye.jwt.verify.algorithm': 'HS256',
    'mp.jwt.verify.issuer': issuer,
    'mp.jwt.verify.clock.skew': skew,
    'roomcast.auth.refresh-ahead': `${refreshAhead}s`,
    'roomcast.api.keys': apiKey,
  };
}

/**
 * Collects a room's messages and waits for them.
 *
 * @param {import('../src/index.js').Room} room
 */
export function collect(room) {
  /** @type {import('../src/index.js').RoomMessage[]} */
  const messages = [];
  /** @type {import('../src/index.js').Gap[]} */
  const gaps = [];
  room.on('message', (m) => messages.push(m));
  room.on('gap', (g) => gaps.push(g));
  return {
    messages,
    gaps,
    data: () => messages.map((m) => m.data),
    waitFor: (n, timeout = 20000) => until(`${n} messages in ${room.name} (have ${messages.length})`, () => messages.length >= n, timeout),
  };
}
