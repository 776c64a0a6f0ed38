// First run in the dashboard: with no key and no local server the chat says
// so before the first message (and does not send), pointing at Settings →
// Providers; there every OpenAI-compatible preset has a base-URL field, and
// once a local server's URL is saved (the fake LLM stands in for Ollama) the
// banner is gone and a message gets its reply.
import net from 'node:net';
import { assert, browser, check, done, script, startFake, startServer } from './lib.mjs';

const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !k.endsWith('_API_KEY') && !k.endsWith('_BASE_URL') && k !== 'OLLAMA_HOST' && k !== 'AZURE_OPENAI_ENDPOINT'));

function listens(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(200);
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
    s.on('timeout', () => { s.destroy(); resolve(false); });
  });
}

const busy = (await Promise.all([11434, 1234, 8080, 8000].map(listens))).some(Boolean);
const fake = await startFake();
const srv = await startServer({ env: clean });
const page = await browser();
try {
  await page.goto(`${srv.base}/login?token=${srv.token}`);
  await page.waitForURL(srv.base + '/');
  await page.waitForSelector('#prompt');

  await check('the chat says no provider is set up, before any message', async () => {
    if (busy) { console.log('skip: a local model server listens on this machine'); return; }
    await page.waitForSelector('#setup-banner:not([hidden])');
    const text = await page.textContent('#setup-banner');
    assert(text.includes('No model provider is set up') && text.includes('secrets.json'), text);
    assert(await page.$('#setup-banner a[href="#/settings"]'), 'links to the settings');
    await page.shot('first-run');
    await page.fill('#prompt', 'hello?');
    await page.press('#prompt', 'Enter');
    await page.waitForTimeout(300);
    const sessions = await srv.api('GET', '/api/sessions');
    assert(sessions.body.sessions.length === 0, 'nothing was sent: ' + JSON.stringify(sessions.body));
  });

  await check('settings has a base-URL field for every OpenAI-compatible preset', async () => {
    await page.click('#setup-banner a[href="#/settings"]').catch(() => page.goto(srv.base + '/#/settings'));
    await page.waitForSelector('input.base-url[data-provider=ollama]');
    const prov = (await srv.api('GET', '/api/providers')).body.providers;
    for (const p of prov.filter((x) => x.openai_compatible))
      assert(await page.$(`input.base-url[data-provider="${p.id}"]`), 'base URL field for ' + p.id);
    await page.fill('input.base-url[data-provider=ollama]', fake + '/v1');
    await page.click('tr[data-provider=ollama] button:has-text("Save URL")');
    await page.waitForFunction(async () => true);
    for (let i = 0; i < 50; i++) {
      const st = (await srv.api('GET', '/api/providers')).body;
      if (st.providers.find((x) => x.id === 'ollama').ready) return;
      await page.waitForTimeout(100);
    }
    throw new Error('ollama did not become ready');
  });

  await check('with the local server set, no banner and a reply', async () => {
    await srv.api('PATCH', '/api/settings', { default_model: 'ollama/llama3' });
    await script(fake, { turns: [{ text: 'Hello from the local model.' }] });
    await page.goto(srv.base + '/#/chat');
    await page.waitForSelector('#prompt');
    await page.waitForTimeout(300);
    assert(await page.$('#setup-banner[hidden]'), 'banner hidden');
    await page.fill('#prompt', 'Say hello');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.msg.assistant >> text=Hello from the local model.');
  });
} finally {
  await done();
}
