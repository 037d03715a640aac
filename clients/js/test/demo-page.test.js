// The demo page at / in a real headless Chromium (Debian's chromium, driven by playwright-core): two pages as
// alice and bob. A failing test leaves screenshots in test-output/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Roomcast as Node, outputDir } from './harness.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// What headless Chromium needs on a CI machine without a display or a GPU (docs: GUIDE, "This machine").
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** @type {Node} */
let node;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').BrowserContext[]} */
const contexts = [];

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  node = await new Node('demo-page').start();
  // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60000 });
});

after(async () => {
  await browser?.close();
  await node?.kill();
});

/** A fresh page (own context: own storage, own connection) with the page's console kept for failures. */
async function openPage(name) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const console_ = [];
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
  return { name, page, console: console_ };
}

/**
 * Runs the body; on failure saves a screenshot of every page and adds their console to the error.
 *
 * @param {string} testName
 * @param {{ name: string, page: import('playwright-core').Page, console: string[] }[]} pages
 * @param {() => Promise<void>} body
 */
async function withScreenshots(testName, pages, body) {
  try {
    await body();
  } catch (e) {
    const notes = [];
    for (const p of pages) {
      const file = path.join(outputDir, `${testName}-${p.name}.png`);
      await p.page.screenshot({ path: file, fullPage: true }).catch(() => {});
      notes.push(`${p.name}: screenshot ${file}\n  ${p.console.slice(-20).join('\n  ')}`);
    }
    /** @type {Error} */ (e).message += `\n${notes.join('\n')}`;
    throw e;
  }
}

/** @param {import('playwright-core').Page} page */
async function connectAs(page, user, token = '') {
  await page.goto(`${node.http}/`);
  await page.fill('#user', user);
  await page.fill('#token', token);
  await page.click('#connect');
  await page.locator('#status').filter({ hasText: `connected as ${user}` }).waitFor();
}

/** @param {import('playwright-core').Page} page */
async function joinRoom(page, room) {
  await page.fill('#room', room);
  await page.click('#joinForm button');
  await page.locator('#log').filter({ hasText: `joined ${room}` }).waitFor();
}

/** @param {import('playwright-core').Page} page */
const logLines = (page, text) => page.locator('#log div').filter({ hasText: text });

describe('the demo page in Chromium', { timeout: 180000 }, () => {
  test('alice and bob: messages, presence, a direct message, and Drop recovers what was published meanwhile', async () => {
    const alice = await openPage('alice');
    const bob = await openPage('bob');
    await withScreenshots('demo-two-users', [alice, bob], async () => {
      await connectAs(alice.page, 'alice');
      // bob's token travels in the bearer-token-carrier subprotocol (ignored in auth mode none): Chromium
      // aborts such a handshake unless the server selects the subprotocol, so this proves that it does.
      await connectAs(bob.page, 'bob', 'a-token-for-the-subprotocol');
      await joinRoom(alice.page, 'team-a');
      await joinRoom(bob.page, 'team-a');

      // presence: each sees the other in the members list
      await alice.page.locator('#members li').filter({ hasText: /^bob$/ }).waitFor();
      await bob.page.locator('#members li').filter({ hasText: /^alice$/ }).waitFor();

      // messages both ways
      await alice.page.fill('#text', 'hello from alice');
      await alice.page.click('#pubForm button');
      await logLines(bob.page, 'hello from alice').waitFor();
      await bob.page.fill('#text', 'hi alice, bob here');
      await bob.page.click('#pubForm button');
      await logLines(alice.page, 'hi alice, bob here').waitFor();
      await logLines(alice.page, 'hello from alice').waitFor();   // her own message too

      // a direct message
      await alice.page.fill('#dmTo', 'bob');
      await alice.page.fill('#dmText', 'psst, direct');
      await alice.page.click('#dmForm button');
      await bob.page.locator('#directs li').filter({ hasText: 'psst, direct' }).filter({ hasText: 'alice' }).waitFor();

      // Drop: alice is offline for a few seconds; what is published meanwhile (over the HTTP API) is recovered
      await alice.page.click('#drop');
      await alice.page.locator('#status').filter({ hasText: 'offline' }).waitFor();
      await node.publish('team-a', 'published while alice was offline', { from: 'backend' });
      assert.match(await alice.page.locator('#status').innerText(), /offline/, 'published while alice was offline');
      await bob.page.locator('#members li').filter({ hasText: /^alice$/ }).waitFor({ state: 'detached' });
      await alice.page.locator('#status').filter({ hasText: 'connected as alice' }).waitFor();
      await logLines(alice.page, 'recovered ✓').waitFor();
      await logLines(alice.page, 'published while alice was offline').waitFor();
      await bob.page.fill('#text', 'live again');
      await bob.page.click('#pubForm button');
      await logLines(alice.page, 'live again').waitFor();
      assert.equal(await logLines(alice.page, 'published while alice was offline').count(), 1, 'recovered exactly once');
      assert.equal(await logLines(alice.page, 'hello from alice').count(), 1);
      assert.equal(await logLines(alice.page, 'recovered ✗').count(), 0);
      const order = await alice.page.locator('#log div').allInnerTexts();
      const at = (t) => order.findIndex((l) => l.includes(t));
      assert.ok(at('hi alice, bob here') < at('published while alice was offline'));
      assert.ok(at('published while alice was offline') < at('live again'));
      await alice.page.locator('#members li').filter({ hasText: /^bob$/ }).waitFor();
      assert.deepEqual([...alice.console, ...bob.console].filter((l) => l.startsWith('pageerror')), []);
    });
  });

  test('/?demo=1 plays its scripted session to the end, recovery check included', async () => {
    const p = await openPage('scripted');
    await withScreenshots('demo-scripted', [p], async () => {
      await p.page.goto(`${node.http}/?demo=1`);
      await p.page.waitForFunction(() => document.title.startsWith('roomcast demo (done') || document.title.includes('failed'), null, { timeout: 60000 });
      assert.equal(await p.page.title(), 'roomcast demo (done)');
      await p.page.click('#rooms li:has-text("lobby")');
      await logLines(p.page, 'published while alice was offline').waitFor();
    });
  });
});
