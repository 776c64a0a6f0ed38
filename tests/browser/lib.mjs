// What every browser test needs: the fake LLM, the real server on a fresh
// workspace, headless Chromium (Debian's, through playwright-core from
// web/node_modules), a check() that counts, and cleanup. A test imports it,
// runs its checks and ends with done().
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const SRC = process.env.BX_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const BIN = process.env.BX_BIN || path.join(SRC, 'build', 'boxagnts');
export const OUT = path.join(process.env.BX_BINARY_DIR || path.join(SRC, 'build'), 'screenshots');
const require = createRequire(path.join(SRC, 'web', 'package.json'));
const { chromium } = require('playwright-core');

fs.mkdirSync(OUT, { recursive: true });
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bx-browser-'));
const procs = [];
let failed = 0;
let passed = 0;
let ctx = null;

export function firstLine(proc, stream, re, ms = 20000) {
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

export async function startFake() {
  const p = spawn('python3', [path.join(SRC, 'tests/fakes/fake_llm.py'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(p);
  const m = await firstLine(p, 'stdout', /^(\d+)$/);
  return `http://127.0.0.1:${m[1]}`;
}

// env replaces the server's environment when given (a first run must not
// see the developer's keys); extraEnv adds to the inherited one.
export async function startServer({ env = null, extraEnv = {}, name = 'ws' } = {}) {
  const ws = path.join(tmp, name);
  fs.mkdirSync(ws);
  const p = spawn(BIN, ['--workspace-dir', ws, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...(env || process.env), ...extraEnv },
  });
  procs.push(p);
  const m = await firstLine(p, 'stderr', /serving workspace .* on (http:\/\/[^/]+)\//);
  const token = JSON.parse(fs.readFileSync(path.join(ws, '.boxagnts', 'secrets.json'))).BOXAGNTS_ACCESS_TOKEN;
  const api = async (method, p2, body) => {
    const r = await fetch(m[1] + p2, {
      method,
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { base: m[1], token, ws, api };
}

export async function script(fake, doc) {
  const r = await fetch(fake + '/_fake/script', { method: 'POST', body: JSON.stringify(doc) });
  if (!r.ok) throw new Error('fake script: ' + r.status);
}

export async function browser() {
  ctx = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 820 },
    colorScheme: 'light',
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(15000);
  page.shot = (name) => page.screenshot({ path: path.join(OUT, name + '.png') });
  return page;
}

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log('ok', name);
  } catch (e) {
    failed++;
    console.error('FAIL', name, e);
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

export async function done() {
  if (ctx) await ctx.close();
  for (const p of procs) p.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed; screenshots in ${OUT}`);
  process.exit(failed ? 1 : 0);
}
