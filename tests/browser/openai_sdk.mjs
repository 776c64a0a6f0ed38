// The official OpenAI Node SDK (npm `openai`, a devDependency in
// web/package.json) against /v1/chat/completions and /v1/models of the real
// binary, with the fake LLM behind the agent: proves SDK clients can drive
// boxagnts agents, streaming and not, and see errors in a shape they parse.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const SRC = process.env.BX_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const BIN = process.env.BX_BIN || path.join(SRC, 'build', 'boxagnts');
const require = createRequire(path.join(SRC, 'web', 'package.json'));
const OpenAI = require('openai').default || require('openai');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bx-sdk-'));
const procs = [];
let passed = 0;
let failed = 0;

function firstLine(proc, stream, re, ms = 20000) {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc[stream] });
    const t = setTimeout(() => reject(new Error('timed out waiting for ' + re)), ms);
    rl.on('line', (line) => { const m = line.match(re); if (m) { clearTimeout(t); resolve(m); } });
    proc.on('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

async function check(name, fn) {
  try { await fn(); passed++; console.log('ok', name); } catch (e) { failed++; console.error('FAIL', name, e); }
}

function assert(c, msg) { if (!c) throw new Error('assertion failed: ' + msg); }

const fakeProc = spawn('python3', [path.join(SRC, 'tests/fakes/fake_llm.py'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
procs.push(fakeProc);
const fake = `http://127.0.0.1:${(await firstLine(fakeProc, 'stdout', /^(\d+)$/))[1]}`;
const srvProc = spawn(BIN, ['--workspace-dir', tmp, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, OPENAI_BASE_URL: fake + '/v1', OPENAI_API_KEY: 'sk-test' },
});
procs.push(srvProc);
const base = (await firstLine(srvProc, 'stderr', /serving workspace .* on (http:\/\/[^/]+)\//))[1];
const token = JSON.parse(fs.readFileSync(path.join(tmp, '.boxagnts', 'secrets.json'))).BOXAGNTS_ACCESS_TOKEN;
await fetch(base + '/api/settings', {
  method: 'PATCH',
  headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
  body: JSON.stringify({ default_model: 'openai/gpt-4o' }),
});
const script = (doc) => fetch(fake + '/_fake/script', { method: 'POST', body: JSON.stringify(doc) });
const client = new OpenAI({ apiKey: token, baseURL: base + '/v1', maxRetries: 0 });

try {
  await check('models lists the agents', async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    assert(['build', 'plan', 'explore'].every((x) => ids.includes(x)), ids.join(','));
  });

  await check('a completion', async () => {
    await script({ default: { text: 'Hi from the agent.', usage: { input: 7, output: 4 } } });
    const r = await client.chat.completions.create({ model: 'build', messages: [{ role: 'user', content: 'hello' }] });
    assert(r.choices[0].message.content === 'Hi from the agent.', JSON.stringify(r));
    assert(r.choices[0].finish_reason === 'stop', r.choices[0].finish_reason);
    assert(r.usage.completion_tokens === 4, JSON.stringify(r.usage));
  });

  await check('a streamed completion', async () => {
    await script({ default: { text: 'streamed words arrive in pieces', chunk: 5, usage: { input: 3, output: 6 } } });
    const stream = await client.chat.completions.create({
      model: 'plan', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'system', content: 'terse' }, { role: 'user', content: 'go' }],
    });
    let text = '';
    let chunks = 0;
    let usage = null;
    let finish = null;
    for await (const c of stream) {
      chunks++;
      if (c.usage) usage = c.usage;
      if (c.choices[0]) {
        text += c.choices[0].delta.content || '';
        finish = c.choices[0].finish_reason || finish;
      }
    }
    assert(text === 'streamed words arrive in pieces', text);
    assert(chunks >= 5, 'chunks ' + chunks);
    assert(finish === 'stop' && usage && usage.prompt_tokens === 3, JSON.stringify({ finish, usage }));
  });

  await check('errors reach the SDK as API errors', async () => {
    let err = null;
    try {
      await client.chat.completions.create({ model: 'no-such-agent', messages: [{ role: 'user', content: 'x' }] });
    } catch (e) { err = e; }
    assert(err && err.status === 404 && /no-such-agent/.test(err.message), String(err));
    const bad = new OpenAI({ apiKey: 'wrong', baseURL: base + '/v1', maxRetries: 0 });
    err = null;
    try { await bad.models.list(); } catch (e) { err = e; }
    assert(err && err.status === 401, String(err));
  });
} finally {
  for (const p of procs) p.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
