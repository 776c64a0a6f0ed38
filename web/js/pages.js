// The smaller pages: Tools (spec, enable/disable), Skills (SKILL.md CRUD),
// Agents, Settings (providers and write-only keys, default model,
// permission mode, outbound hosts, sandbox limits, AGENTS.md), Usage
// (chart.js charts by day, tables by model and session) and Audit.
import { get, put, patch, del, h, toast, fmtTime, fmtCost } from './api.js';
import { currentTheme } from './theme.js';

const page = (root, title, ...kids) => {
  const el = h('div', { class: 'page' }, h('h2', {}, title), ...kids);
  root.append(el);
  return el;
};

export function mountTools(root) {
  const tbody = h('tbody');
  page(root, 'Tools', h('p', { class: 'muted' }, 'Tools run inside the WebAssembly sandbox with the grants of their level. Disabled tools are not offered to agents.'),
    h('table', { id: 'tools-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'On'), h('th', {}, 'Tool'), h('th', {}, 'Level'), h('th', {}, 'Description'))), tbody));
  (async () => {
    let data;
    try { data = await get('/api/tools'); } catch (e) { toast(e.message); return; }
    for (const t of data.tools) {
      const box = h('input', { type: 'checkbox', 'aria-label': 'enable ' + t.name, dataset: { tool: t.name } });
      box.checked = t.enabled;
      box.addEventListener('change', async () => {
        try { await put('/api/tools/' + encodeURIComponent(t.name), { enabled: box.checked }); } catch (e) { toast(e.message); box.checked = !box.checked; }
      });
      tbody.append(h('tr', {}, h('td', {}, box), h('td', {}, h('code', {}, t.name)), h('td', {}, h('span', { class: 'badge' }, t.level)),
        h('td', {}, t.description, h('details', {}, h('summary', { class: 'muted' }, 'input schema'), h('pre', {}, JSON.stringify(t.input_schema, null, 2))))));
    }
  })();
}

export function mountSkills(root) {
  const list = h('ul');
  const name = h('input', { placeholder: 'skill name' });
  const text = h('textarea', { class: 'code', placeholder: '---\nname: ...\ndescription: ...\n---\nInstructions' });
  const save = h('button', { class: 'primary' }, 'Save');
  const remove = h('button', { class: 'danger' }, 'Delete');
  page(root, 'Skills', list, h('div', { class: 'card' }, h('div', { class: 'row' }, name, save, remove), text));
  async function refresh() {
    try {
      const d = await get('/api/skills');
      list.replaceChildren(...d.skills.map((s) => h('li', {}, h('a', { href: '#', onclick: async (e) => {
        e.preventDefault();
        const sk = await get('/api/skills/' + encodeURIComponent(s.name));
        name.value = sk.name;
        text.value = sk.content;
      } }, s.name), ' — ', h('span', { class: 'muted' }, s.description))));
      if (!d.skills.length) list.append(h('li', { class: 'muted' }, 'No skills yet.'));
    } catch (e) { toast(e.message); }
  }
  save.addEventListener('click', async () => {
    try { await put('/api/skills/' + encodeURIComponent(name.value), { content: text.value }); toast('saved', 'info'); refresh(); } catch (e) { toast(e.message); }
  });
  remove.addEventListener('click', async () => {
    if (!confirm('Delete skill ' + name.value + '?')) return;
    try { await del('/api/skills/' + encodeURIComponent(name.value)); name.value = text.value = ''; refresh(); } catch (e) { toast(e.message); }
  });
  refresh();
}

export function mountAgents(root) {
  const box = h('div');
  page(root, 'Agents', box);
  const field = (label, el) => h('label', { class: 'field' }, h('span', {}, label), el);
  async function refresh() {
    let d;
    try { d = await get('/api/agents'); } catch (e) { toast(e.message); return; }
    box.replaceChildren();
    const blank = { name: '', description: '', access: 'full', permission_mode: 'default', max_turns: 100, model: '', system_prompt: '' };
    for (const a of [...d.agents, blank]) {
      const name = h('input', { value: a.name, placeholder: 'new agent name', disabled: !!a.name });
      const desc = h('input', { value: a.description || '' });
      const access = h('select', {}, ...['full', 'read-only', 'search-only'].map((v) => h('option', { value: v }, v)));
      access.value = a.access || 'full';
      const mode = h('select', {}, ...['default', 'accept-edits', 'plan', 'bypass'].map((v) => h('option', { value: v }, v)));
      mode.value = a.permission_mode || 'default';
      const turns = h('input', { type: 'number', min: 1, value: a.max_turns || 100 });
      const model = h('input', { value: a.model || '', placeholder: 'default model' });
      const sys = h('textarea', {}, a.system_prompt || '');
      const save = h('button', { class: 'primary' }, a.name ? 'Save' : 'Add agent');
      const rm = a.name ? h('button', { class: 'danger' }, 'Delete') : null;
      save.addEventListener('click', async () => {
        const body = { description: desc.value, access: access.value, permission_mode: mode.value, max_turns: Number(turns.value) };
        if (model.value) body.model = model.value;
        if (sys.value) body.system_prompt = sys.value;
        try { await put('/api/agents/' + encodeURIComponent(name.value), body); toast('saved', 'info'); refresh(); } catch (e) { toast(e.message); }
      });
      if (rm) rm.addEventListener('click', async () => {
        if (!confirm('Delete agent ' + a.name + '?')) return;
        try { await del('/api/agents/' + encodeURIComponent(a.name)); refresh(); } catch (e) { toast(e.message); }
      });
      box.append(h('div', { class: 'card' }, h('div', { class: 'row' }, field('Name', name), field('Access', access), field('Permission mode', mode), field('Max turns', turns)),
        field('Description', desc), field('Model', model), field('System prompt', sys), h('div', { class: 'row' }, save, rm)));
    }
  }
  refresh();
}

export function mountSettings(root) {
  const el = page(root, 'Settings');
  const field = (label, e) => h('label', { class: 'field' }, h('span', {}, label), e);
  (async () => {
    let s, prov, md;
    try {
      [s, prov, md] = await Promise.all([get('/api/settings'), get('/api/providers'), get('/api/agents-md')]);
    } catch (e) { toast(e.message); return; }
    const st = s.settings;
    if (s.settings_error) el.append(h('p', { class: 'error' }, 'settings.json: ' + (s.settings_error.message || JSON.stringify(s.settings_error))));
    if (s.settings_problems) el.append(h('pre', { class: 'error' }, 'These values were replaced by their defaults:\n' + s.settings_problems));
    // providers and keys (write-only)
    const ptable = h('tbody');
    for (const p of prov.providers) {
      const key = h('input', { type: 'password', placeholder: p.key_set ? '•••••• (set)' : 'API key', autocomplete: 'off' });
      const set = h('button', {}, 'Set key');
      const clear = h('button', { class: 'danger', disabled: !p.key_set }, 'Remove');
      set.addEventListener('click', async () => {
        if (!key.value) return;
        try { await put(`/api/providers/${p.id}/key`, { api_key: key.value }); key.value = ''; key.placeholder = '•••••• (set)'; clear.disabled = false; toast('key saved', 'info'); } catch (e) { toast(e.message); }
      });
      clear.addEventListener('click', async () => {
        try { const r = await del(`/api/providers/${p.id}/key`); clear.disabled = !r.key_set; key.placeholder = r.key_set ? '•••••• (set in the environment)' : 'API key'; } catch (e) { toast(e.message); }
      });
      // Every OpenAI-compatible preset (and local servers) can be pointed
      // at a base URL: a proxy, Ollama, llama.cpp, vLLM, ...
      let urlCell = h('td', {});
      if (p.openai_compatible || p.local) {
        const url = h('input', { class: 'base-url', 'data-provider': p.id, placeholder: p.base_url || 'http://127.0.0.1:8080/v1', value: (p.settings && p.settings.base_url) || '', size: 28 });
        const saveUrl = h('button', {}, 'Save URL');
        saveUrl.addEventListener('click', async () => {
          try { await patch('/api/settings', { providers: { [p.id]: { base_url: url.value || null } } }); toast('base URL saved', 'info'); } catch (e) { toast(e.message); }
        });
        urlCell = h('td', {}, h('div', { class: 'row' }, url, saveUrl));
      }
      const state = p.ready ? 'ready' : (p.local ? 'no server' : 'no key');
      ptable.append(h('tr', { 'data-provider': p.id }, h('td', {}, p.id), h('td', {}, p.key_name ? h('code', {}, p.key_name) : ''), h('td', {}, h('span', { class: 'badge' + (p.ready ? ' ok' : ''), title: p.problem || '' }, state)), h('td', {}, p.local ? '' : h('div', { class: 'row' }, key, set, clear)), urlCell));
    }
    el.append(h('h3', { id: 'providers' }, 'Providers'), h('p', { class: 'muted' }, 'Keys are write-only: they go to secrets.json and are never shown again. A local server (Ollama, llama.cpp, vLLM) needs no key: it is ready when it answers at its address, or once you give its base URL.'), h('table', {}, ptable));

    const defModel = h('input', { id: 'default-model', value: st.default_model || '' });
    const mode = h('select', { id: 'permission-mode' }, ...['default', 'accept-edits', 'plan'].map((v) => h('option', { value: v }, v)));
    mode.value = st.permission_mode || 'default';
    const hosts = h('textarea', { placeholder: 'one host pattern per line, e.g. https://*.example.com' }, (st.allowed_outbound_hosts || []).join('\n'));
    const sb = st.sandbox || {};
    const timeout = h('input', { type: 'number', min: 1, value: sb.timeout_s ?? 30 });
    const mem = h('input', { value: sb.max_memory ?? '256M' });
    const fuel = h('input', { type: 'number', min: 1, value: sb.fuel ?? '' });
    const saveGeneral = h('button', { class: 'primary', id: 'save-settings' }, 'Save settings');
    saveGeneral.addEventListener('click', async () => {
      const body = {
        default_model: defModel.value,
        permission_mode: mode.value,
        allowed_outbound_hosts: hosts.value.split('\n').map((x) => x.trim()).filter(Boolean),
        sandbox: { timeout_s: Number(timeout.value), max_memory: mem.value },
      };
      if (fuel.value) body.sandbox.fuel = Number(fuel.value);
      try { await patch('/api/settings', body); toast('settings saved', 'info'); } catch (e) { toast(e.message); }
    });
    el.append(h('h3', {}, 'Defaults'), h('div', { class: 'card' }, field('Default model (provider/model)', defModel), field('Permission mode', mode),
      field('Allowed outbound hosts', hosts), h('div', { class: 'row' }, field('Tool time limit (s)', timeout), field('Tool memory', mem), field('Fuel', fuel)), saveGeneral));

    const agentsMd = h('textarea', { class: 'code', id: 'agents-md' }, md.content || '');
    const saveMd = h('button', { class: 'primary' }, 'Save AGENTS.md');
    saveMd.addEventListener('click', async () => {
      try { await put('/api/agents-md', { content: agentsMd.value }); toast('AGENTS.md saved', 'info'); } catch (e) { toast(e.message); }
    });
    el.append(h('h3', {}, 'AGENTS.md'), h('p', { class: 'muted' }, 'Project memory, added to every system prompt.'), agentsMd, saveMd);
  })();
}

export function mountUsage(root) {
  const canvas = h('canvas', { id: 'usage-chart' });
  const costCanvas = h('canvas', { id: 'cost-chart' });
  const byModel = h('tbody');
  const bySession = h('tbody');
  const head = () => h('thead', {}, h('tr', {}, ...['Key', 'Requests', 'Input', 'Output', 'Cache read', 'Cost'].map((x) => h('th', {}, x))));
  page(root, 'Usage', h('div', { class: 'chart-box' }, canvas), h('div', { class: 'chart-box' }, costCanvas),
    h('h3', {}, 'By model'), h('table', {}, head(), byModel), h('h3', {}, 'By session'), h('table', {}, head(), bySession));
  const charts = [];
  const rowOf = (r) => h('tr', {}, h('td', {}, r.key || '(none)'), h('td', {}, r.requests), h('td', {}, r.input_tokens.toLocaleString()),
    h('td', {}, r.output_tokens.toLocaleString()), h('td', {}, r.cache_read_tokens.toLocaleString()), h('td', {}, fmtCost(r.cost_usd)));
  (async () => {
    try {
      const [day, model, sess] = await Promise.all([get('/api/usage?group=day'), get('/api/usage?group=model'), get('/api/usage?group=session')]);
      byModel.replaceChildren(...model.rows.map(rowOf));
      bySession.replaceChildren(...sess.rows.map(rowOf));
      if (!window.Chart) return;
      const dark = currentTheme() === 'dark';
      const color = dark ? '#e4e6eb' : '#1d1f24';
      const grid = dark ? '#2c313a' : '#dfe2e8';
      const scales = { x: { ticks: { color }, grid: { color: grid } }, y: { ticks: { color }, grid: { color: grid }, beginAtZero: true } };
      const labels = day.rows.map((r) => r.key);
      charts.push(new window.Chart(canvas, {
        type: 'bar',
        data: { labels, datasets: [
          { label: 'input tokens', data: day.rows.map((r) => r.input_tokens), backgroundColor: '#748ffc' },
          { label: 'output tokens', data: day.rows.map((r) => r.output_tokens), backgroundColor: '#69db7c' }] },
        options: { maintainAspectRatio: false, plugins: { legend: { labels: { color } }, title: { display: true, text: 'Tokens by day', color } }, scales },
      }));
      charts.push(new window.Chart(costCanvas, {
        type: 'bar',
        data: { labels, datasets: [{ label: 'cost (USD)', data: day.rows.map((r) => r.cost_usd), backgroundColor: '#ffa94d' }] },
        options: { maintainAspectRatio: false, plugins: { legend: { labels: { color } }, title: { display: true, text: 'Cost by day', color } }, scales },
      }));
    } catch (e) { toast(e.message); }
  })();
  return () => charts.forEach((c) => c.destroy());
}

export function mountAudit(root) {
  const tbody = h('tbody');
  const more = h('button', { hidden: true }, 'Older…');
  page(root, 'Audit log', h('p', { class: 'muted' }, 'Every tool call, with the decision and the outcome. Append-only.'),
    h('table', { id: 'audit-table' }, h('thead', {}, h('tr', {}, ...['Time', 'Tool', 'Decision', 'Outcome', 'ms', 'Session', 'Input SHA-256'].map((x) => h('th', {}, x)))), tbody), more);
  let before = 0;
  async function load() {
    try {
      const d = await get('/api/audit?limit=100' + (before ? '&before_id=' + before : ''));
      for (const a of d.entries) {
        tbody.append(h('tr', {}, h('td', {}, fmtTime(a.at_ms)), h('td', {}, h('code', {}, a.tool)),
          h('td', {}, h('span', { class: 'badge' + (a.decision === 'deny' || a.decision === 'rejected' ? ' err' : ' ok') }, a.decision)),
          h('td', {}, a.outcome), h('td', {}, a.duration_ms),
          h('td', {}, a.session_id ? h('a', { href: '#/chat/' + a.session_id }, a.session_id.slice(0, 8)) : ''),
          h('td', {}, h('code', { title: a.input_sha256 }, a.input_sha256.slice(0, 12)))));
        before = a.id;
      }
      more.hidden = d.entries.length < 100;
      if (!tbody.children.length) tbody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No tool calls yet.')));
    } catch (e) { toast(e.message); }
  }
  more.addEventListener('click', load);
  load();
}
