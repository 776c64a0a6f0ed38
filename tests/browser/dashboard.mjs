// Browser tests for the dashboard: the real binary, the fake LLM and
// headless Chromium driven by playwright-core. Logs in with the token URL,
// sends a message and sees the streamed reply, approves a tool call and
// sees its card, finds the written file in Files, cancels a run, switches
// the theme, and visits every page. Screenshots go to
// $BX_BINARY_DIR/screenshots/*.png for people to look at.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const SRC = process.env.BX_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const BIN = process.env.BX_BIN || path.join(SRC, 'build', 'boxagnts');
const OUT = path.join(process.env.BX_BINARY_DIR || path.join(SRC, 'build'), 'screenshots');
const require = createRequire(path.join(SRC, 'web', 'package.json'));
const { chromium } = require('playwright-core');

fs.mkdirSync(OUT, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bx-browser-'));
const procs = [];
let failed = 0;
let passed = 0;

function firstLine(proc, stream, re, ms = 20000) {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc[stream] });
    const t = setTimeout(() => reject(new Error('timed out waiting for ' + re)), ms);
    rl.on('line', (line) => {
      const m = line.match(re);
      if (m) { clearTimeout(t); resolve(m); }
    });
    proc.on('exit', (code) => reject(new Error(`exited with ${code} before ${re}`)));
  });
}

async function startFake() {
  const p = spawn('python3', [path.join(SRC, 'tests/fakes/fake_llm.py'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(p);
  const m = await firstLine(p, 'stdout', /^(\d+)$/);
  return `http://127.0.0.1:${m[1]}`;
}

async function startServer(fake) {
  const ws = path.join(tmp, 'ws');
  fs.mkdirSync(ws);
  const p = spawn(BIN, ['--workspace-dir', ws, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OPENAI_BASE_URL: fake + '/v1', OPENAI_API_KEY: 'sk-test' },
  });
  procs.push(p);
  const m = await firstLine(p, 'stderr', /serving workspace .* on (http:\/\/[^/]+)\//);
  const token = JSON.parse(fs.readFileSync(path.join(ws, '.boxagnts', 'secrets.json'))).BOXAGNTS_ACCESS_TOKEN;
  return { base: m[1], token, ws };
}

async function script(fake, doc) {
  const r = await fetch(fake + '/_fake/script', { method: 'POST', body: JSON.stringify(doc) });
  if (!r.ok) throw new Error('fake script: ' + r.status);
}

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log('ok', name);
  } catch (e) {
    failed++;
    console.error('FAIL', name, e);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

const fake = await startFake();
const srv = await startServer(fake);
await fetch(srv.base + '/api/settings', {
  method: 'PATCH',
  headers: { Authorization: 'Bearer ' + srv.token, 'Content-Type': 'application/json' },
  body: JSON.stringify({ default_model: 'openai/gpt-4o' }),
});
const ctx = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 820 },
  colorScheme: 'light',
});
const page = ctx.pages()[0] || await ctx.newPage();
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
page.setDefaultTimeout(15000);
const shot = (name) => page.screenshot({ path: path.join(OUT, name + '.png') });

try {
  await check('login page without a token', async () => {
    await page.goto(srv.base + '/');
    await page.waitForURL(/\/login$/);
    await page.waitForSelector('#login-form');
    await shot('login');
    await page.fill('#token', 'wrong-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-msg:not(:empty)');
  });

  await check('log in with the token URL', async () => {
    await page.goto(`${srv.base}/login?token=${srv.token}`);
    await page.waitForURL(srv.base + '/');
    await page.waitForSelector('#prompt');
  });

  await check('send a message and see the streamed reply', async () => {
    await script(fake, { turns: [{ text: 'Hello from the **fake** model.\n\n```c\nint main(void) { return 0; }\n```\n', chunk: 6, delay_ms: 15, usage: { input: 120, output: 30 } }] });
    await page.fill('#prompt', 'Say hello');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.msg.user .bubble >> text=Say hello');
    await page.waitForSelector('.msg.assistant .md strong >> text=fake');
    await page.waitForSelector('#run-status >> text=idle');
    const code = await page.textContent('.msg.assistant pre code');
    assert(code.includes('int main'), 'code block rendered');
    assert(await page.$('.msg.assistant pre code.hljs'), 'code highlighted');
    const counter = await page.textContent('#counter');
    assert(counter.includes('120 in') && counter.includes('30 out'), 'counter: ' + counter);
    assert(await page.$('#session-list li.active'), 'session in the sidebar');
    await shot('chat');
  });

  await check('approve a tool call and see its card', async () => {
    await script(fake, { turns: [
      { tool_calls: [{ id: 'call_b1', name: 'write', arguments: { file_path: '/browser/hello.txt', content: 'written by the agent\n' } }] },
      { text: 'I wrote **/browser/hello.txt**.' }] });
    await page.fill('#prompt', 'Write a file please');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.approval .approve-btn');
    await shot('approval');
    await page.click('.approval .approve-btn');
    await page.waitForSelector('.tool-card .badge.ok');
    await page.waitForSelector('.msg.assistant >> text=I wrote');
    await page.click('.tool-card details.out summary');
    const out = await page.textContent('.tool-card .tool-output');
    assert(out.length > 0 && out !== '…', 'tool output shown: ' + out);
    await shot('tool-card');
  });

  await check('todo list and a question answered inline', async () => {
    await script(fake, { turns: [
      { tool_calls: [{ id: 'call_t1', name: 'todo_write', arguments: { todos: [
        { content: 'Pick a colour', status: 'completed' },
        { content: 'Paint the fence', status: 'in_progress' },
        { content: 'Clean the brushes', status: 'pending' }] } }] },
      { tool_calls: [{ id: 'call_q1', name: 'ask_user', arguments: { question: 'Which colour?', options: ['red', 'blue'] } }] },
      { text: 'Blue it is.' }] });
    await page.fill('#prompt', 'Plan the painting');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.todos li.in_progress >> text=Paint the fence');
    await page.waitForSelector('[data-question] button >> text=blue');
    await shot('question');
    await page.click('[data-question] button >> text=blue');
    await page.waitForSelector('.msg.assistant >> text=Blue it is.');
    await page.waitForSelector('[data-question] >> text=answered: blue');
  });

  await check('see the written file in Files', async () => {
    await page.click('#nav a[data-page=files]');
    await page.click('.tree .entry[data-path="/browser"]');
    await page.click('.tree .entry[data-path="/browser/hello.txt"]');
    await page.waitForFunction(() => document.querySelector('#file-editor').value.includes('written by the agent'));
    await shot('files');
  });

  await check('the Files page follows file changes', async () => {
    fs.writeFileSync(path.join(srv.ws, 'root', 'browser', 'from-outside.txt'), 'x');
    await page.waitForSelector('.tree .entry[data-path="/browser/from-outside.txt"]');
  });

  await check('cancel a run', async () => {
    await page.click('#nav a[data-page=chat]');
    await page.click('#session-list li a');
    await page.waitForSelector('#prompt');
    await script(fake, { turns: [{ text: 'This will never finish', fault: { type: 'hold', after_events: 2, max_s: 60 } }] });
    await page.fill('#prompt', 'Take your time');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('#cancel-btn:not([hidden])');
    await shot('running');
    await page.click('#cancel-btn');
    await page.waitForSelector('.run-outcome >> text=cancelled');
    await page.waitForSelector('#cancel-btn[hidden]', { state: 'attached' });
    await shot('cancelled');
  });

  await check('a second tab joins a run in progress without duplicates', async () => {
    await script(fake, { turns: [
      { text: 'First part, before the tool.', tool_calls: [{ id: 'call_l1', name: 'read', arguments: { file_path: '/browser/hello.txt' } }] },
      { text: 'Second part, streamed slowly to the end.', chunk: 3, delay_ms: 60 }] });
    await page.fill('#prompt', 'Read it slowly');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.msg.assistant >> text=First part');
    const url = page.url();
    const tab = await ctx.newPage();
    await tab.goto(url);
    await tab.waitForSelector('.msg.assistant >> text=Second part, streamed slowly to the end.');
    await tab.waitForSelector('#run-status >> text=idle');
    const firsts = await tab.locator('.msg.assistant >> text=First part').count();
    const prompts = await tab.locator('.msg.user .bubble >> text=Read it slowly').count();
    assert(firsts === 1 && prompts === 1, `first part ${firsts}x, prompt ${prompts}x`);
    assert(await tab.locator('.tool-card .tool-name >> text=read').count() === 1, 'one read card');
    await tab.screenshot({ path: path.join(OUT, 'second-tab.png') });
    await tab.close();
    await page.waitForSelector('#run-status >> text=idle');
  });

  await check('rename a session from its title', async () => {
    page.once('dialog', (d) => d.accept('Painting plans'));
    await page.click('.chat-head .title');
    await page.waitForSelector('.chat-head .title >> text=Painting plans');
    await page.waitForSelector('#session-list li a >> text=Painting plans');
  });

  await check('a hidden tab lets its stream go and catches up when shown', async () => {
    const setHidden = (hidden) => page.evaluate((h) => {
      Object.defineProperty(document, 'hidden', { value: h, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
    await setHidden(true);
    await script(fake, { turns: [{ text: 'Sent while the tab was hidden.' }] });
    const sid = page.url().split('/').pop();
    const r = await fetch(`${srv.base}/api/sessions/${sid}/messages`, {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + srv.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'from another client' }),
    });
    assert(r.status === 202, 'message accepted: ' + r.status);
    for (let i = 0; i < 100; i++) {
      const run = await (await fetch(`${srv.base}/api/sessions/${sid}/run`, { headers: { Authorization: 'Bearer ' + srv.token } })).json();
      if (!run.active) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert(await page.locator('text=Sent while the tab was hidden.').count() === 0, 'nothing arrives while hidden');
    await setHidden(false);
    await page.waitForSelector('.msg.assistant >> text=Sent while the tab was hidden.');
  });

  await check('switch the theme', async () => {
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.click('#theme-btn');
    const after = await page.evaluate(() => document.documentElement.dataset.theme);
    assert(before !== after && (after === 'dark' || after === 'light'), `${before} -> ${after}`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(after !== 'dark' || bg === 'rgb(17, 19, 23)', 'dark background: ' + bg);
    await shot('chat-dark');
    await page.reload();
    await page.waitForSelector('#prompt');
    assert(await page.evaluate(() => document.documentElement.dataset.theme) === after, 'theme remembered');
  });

  for (const p of ['tools', 'skills', 'agents', 'settings', 'usage', 'audit']) {
    await check(`page ${p}`, async () => {
      await page.click(`#nav a[data-page=${p}]`);
      await page.waitForSelector('.page h2');
      if (p === 'tools') await page.waitForSelector('#tools-table input[data-tool=read]');
      if (p === 'usage') await page.waitForSelector('#usage-chart');
      if (p === 'audit') await page.waitForSelector('#audit-table tbody tr >> text=write');
      if (p === 'settings') await page.waitForSelector('#default-model');
      await page.waitForTimeout(300);
      await shot('page-' + p);
    });
  }

  await check('tools can be disabled from the page', async () => {
    await page.click('#nav a[data-page=tools]');
    await page.uncheck('#tools-table input[data-tool=bash]');
    await page.waitForTimeout(300);
    const r = await fetch(srv.base + '/api/tools/bash', { headers: { Authorization: 'Bearer ' + srv.token } });
    assert((await r.json()).enabled === false, 'bash disabled');
  });

  await check('narrow screens', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.click('#nav a[data-page=chat]');
    await page.waitForSelector('#prompt');
    await shot('mobile');
    await page.click('#menu-btn');
    await page.waitForTimeout(250);
    await shot('mobile-sidebar');
    await page.setViewportSize({ width: 1280, height: 820 });
  });

  await check('no console errors', async () => {
    const real = consoleErrors.filter((e) => !e.includes('401') && !e.includes('Failed to load resource'));
    assert(real.length === 0, real.join('\n'));
  });
} finally {
  await ctx.close();
  for (const p of procs) p.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed; screenshots in ${OUT}`);
process.exit(failed ? 1 : 0);
