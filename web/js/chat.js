// The Chat page: a session's messages, the live event stream (SSE, resumed
// by the browser with Last-Event-ID), streamed Markdown (marked, sanitised
// by DOMPurify, code highlighted by highlight.js), tool-call cards with
// collapsible input and output, inline approval prompts and questions, the
// todo list, cancel, the agent and model picker and a token/cost counter.
import { get, post, patch, h, toast, fmtCost } from './api.js';

const EVENT_TYPES = ['run_start', 'message_start', 'text_delta', 'thinking_delta', 'message_end',
  'tool_start', 'tool_end', 'approval_request', 'approval_result', 'question', 'answer',
  'todo_update', 'brief', 'mode_change', 'usage', 'compaction', 'retry', 'error', 'run_end'];

export function renderMarkdown(text) {
  const html = window.marked ? window.marked.parse(text || '', { gfm: true, breaks: false }) : '';
  const clean = window.DOMPurify ? window.DOMPurify.sanitize(html) : '';
  const div = document.createElement('div');
  div.className = 'md';
  if (window.DOMPurify) div.innerHTML = clean;
  else div.textContent = text;
  if (window.hljs) for (const c of div.querySelectorAll('pre code')) window.hljs.highlightElement(c);
  return div;
}

function pretty(v) {
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v, null, 2); } catch { return String(v); }
}

export function mountChat(root, sessionId, { onSessionsChanged }) {
  let es = null;
  let session = null;
  let running = false;
  let closed = false;
  const streams = new Map();   // message_id -> {el, text, raf}
  const cards = new Map();     // tool_call_id -> card element
  const totals = { input: 0, output: 0, cost: 0 };

  const title = h('div', { class: 'title' }, sessionId ? '…' : 'New chat');
  const agentSel = h('select', { 'aria-label': 'Agent', id: 'agent-picker' });
  const modelIn = h('input', { 'aria-label': 'Model', id: 'model-picker', list: 'model-list', placeholder: 'provider/model', size: 26 });
  const modelList = h('datalist', { id: 'model-list' });
  const counter = h('span', { class: 'counter', id: 'counter' }, '0 in · 0 out · $0.0000');
  const status = h('span', { class: 'badge', id: 'run-status' }, 'idle');
  const messages = h('div', { class: 'messages', id: 'messages' });
  const todoList = h('ul');
  const todos = h('aside', { class: 'todos', hidden: true }, h('h4', {}, 'Todo'), todoList);
  const input = h('textarea', { id: 'prompt', placeholder: 'Message the agent… (Enter to send, Shift+Enter for a new line)' });
  const sendBtn = h('button', { class: 'primary', id: 'send-btn', type: 'submit' }, 'Send');
  const cancelBtn = h('button', { class: 'danger', id: 'cancel-btn', type: 'button', hidden: true }, 'Cancel');
  const body = h('div', { class: 'chat-body' }, messages, todos);
  const form = h('form', { class: 'composer' }, input, cancelBtn, sendBtn);
  // First run: no provider can answer yet. Said before the first message,
  // with where the key or the base URL goes, instead of failing on send.
  const setup = h('div', { class: 'setup-banner', id: 'setup-banner', hidden: true });
  let providersReady = true;
  root.append(h('section', { class: 'chat' },
    h('div', { class: 'chat-head' }, title, agentSel, modelIn, modelList, status, counter), setup, body, form));
  (async () => {
    try {
      const st = await get('/api/providers');
      if (st.ready && st.default_model_ready !== false) return;
      providersReady = !!st.ready;
      const where = h('a', { href: '#/settings' }, 'Settings → Providers');
      setup.replaceChildren(st.ready
        ? h('p', {}, `The default model ${st.default_model} has no usable provider (${(st.providers.find((p) => st.default_model.startsWith(p.id + '/')) || {}).problem || 'not set up'}). Pick a model of a provider that is ready, or set it up in `, where, '.')
        : h('p', {}, 'No model provider is set up yet: add an API key (it goes to .boxagnts/secrets.json, or use ',
          h('code', {}, 'ANTHROPIC_API_KEY'), ', ', h('code', {}, 'OPENAI_API_KEY'), ', … in the environment), or point a local OpenAI-compatible server (Ollama, llama.cpp, vLLM) at its base URL, in ', where, '.'));
      setup.hidden = false;
    } catch { /* the banner is advice; the chat still works */ }
  })();

  function scrollDown() {
    const nearBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 200;
    if (nearBottom) body.scrollTop = body.scrollHeight;
  }

  function setRunning(on) {
    running = on;
    cancelBtn.hidden = !on;
    sendBtn.disabled = on;
    status.textContent = on ? 'running' : 'idle';
    status.className = 'badge' + (on ? ' warn' : '');
  }

  function showCounter() {
    counter.textContent = `${totals.input.toLocaleString()} in · ${totals.output.toLocaleString()} out · ${fmtCost(totals.cost)}`;
  }

  function userMsg(text) {
    messages.append(h('div', { class: 'msg user' }, h('div', { class: 'bubble' }, text)));
  }

  function assistantEl() {
    const el = h('div', { class: 'msg assistant' });
    messages.append(el);
    return el;
  }

  function toolCard(id, name, inputV) {
    const out = h('pre', { class: 'tool-output' }, '…');
    const badge = h('span', { class: 'badge' }, 'running');
    const card = h('div', { class: 'tool-card', dataset: { id } },
      h('div', { class: 'tool-head' }, h('span', { class: 'tool-name' }, name), badge),
      h('details', {}, h('summary', {}, 'Input'), h('pre', {}, pretty(inputV))),
      h('details', { class: 'out' }, h('summary', {}, 'Output'), out));
    card._out = out;
    card._badge = badge;
    cards.set(id, card);
    return card;
  }

  function finishCard(card, content, isError, ms) {
    card._out.textContent = pretty(content);
    card._badge.textContent = isError ? 'error' : 'done' + (ms != null ? ` · ${ms} ms` : '');
    card._badge.className = 'badge ' + (isError ? 'err' : 'ok');
    card.classList.toggle('err', !!isError);
  }

  function renderBlocks(role, blocks) {
    if (!Array.isArray(blocks)) return;
    if (role === 'user' || role === 'tool') {
      for (const b of blocks) {
        if (b.type === 'text' && role === 'user') userMsg(b.text);
        else if (b.type === 'tool_result') {
          const card = cards.get(b.tool_use_id);
          let c = b.content;
          if (Array.isArray(c)) c = c.map((x) => x.text ?? pretty(x)).join('');
          if (card) finishCard(card, c, b.is_error);
        }
      }
      return;
    }
    if (role !== 'assistant') return;
    const el = assistantEl();
    for (const b of blocks) {
      if (b.type === 'text') el.append(renderMarkdown(b.text));
      else if (b.type === 'thinking') el.append(h('div', { class: 'thinking' }, b.thinking || b.text || ''));
      else if (b.type === 'tool_use') el.append(toolCard(b.id, b.name, b.input));
    }
  }

  function streamFor(id) {
    let s = streams.get(id);
    if (!s) {
      const el = assistantEl();
      s = { el, text: '', md: null, thinking: null, raf: 0 };
      streams.set(id, s);
    }
    return s;
  }

  function paint(s) {
    if (s.raf) return;
    s.raf = requestAnimationFrame(() => {
      s.raf = 0;
      const md = renderMarkdown(s.text);
      if (s.md) s.md.replaceWith(md); else s.el.append(md);
      s.md = md;
      scrollDown();
    });
  }

  function approvalCard(ev) {
    const msgIn = h('input', { placeholder: 'reason (optional)', class: 'grow' });
    const box = h('div', { class: 'approval', dataset: { approval: ev.approval_id } },
      h('div', {}, h('strong', {}, `Allow ${ev.tool}?`), ' ', h('span', { class: 'muted' }, ev.reason || '')),
      h('details', {}, h('summary', {}, 'Input'), h('pre', {}, pretty(ev.input))));
    const decide = async (allow, always) => {
      const bodyObj = { approval_id: ev.approval_id };
      if (always) bodyObj.always = true;
      if (!allow && msgIn.value) bodyObj.message = msgIn.value;
      try {
        await post(`/api/sessions/${sessionId}/${allow ? 'approve' : 'deny'}`, bodyObj);
      } catch (e) { toast(e.message); }
    };
    const row = h('div', { class: 'row' },
      h('button', { class: 'primary approve-btn', onclick: () => decide(true, false) }, 'Allow once'),
      h('button', { class: 'always-btn', onclick: () => decide(true, true) }, 'Always allow'),
      h('button', { class: 'danger deny-btn', onclick: () => decide(false, false) }, 'Deny'), msgIn);
    box.append(row);
    box._row = row;
    return box;
  }

  function questionCard(ev) {
    const ans = h('input', { class: 'grow', placeholder: 'your answer' });
    const send = async (text) => {
      try { await post(`/api/sessions/${sessionId}/answer`, { question_id: ev.question_id, answer: text }); } catch (e) { toast(e.message); }
    };
    const row = h('div', { class: 'row' },
      ...(ev.options || []).map((o) => h('button', { onclick: () => send(o) }, o)),
      ans, h('button', { class: 'primary', onclick: () => send(ans.value) }, 'Answer'));
    const box = h('div', { class: 'approval', dataset: { question: ev.question_id } }, h('strong', {}, ev.question), row);
    box._row = row;
    return box;
  }

  function onEvent(type, ev) {
    switch (type) {
      case 'run_start': setRunning(true); break;
      case 'message_start': streamFor(ev.message_id); break;
      case 'text_delta': { const s = streamFor(ev.message_id); s.text += ev.text; paint(s); break; }
      case 'thinking_delta': {
        const s = streamFor(ev.message_id);
        if (!s.thinking) { s.thinking = h('div', { class: 'thinking' }); s.el.prepend(s.thinking); }
        s.thinking.textContent += ev.text;
        break;
      }
      case 'message_end': break;
      case 'tool_start': {
        const card = cards.get(ev.tool_call_id) || toolCard(ev.tool_call_id, ev.tool, ev.input);
        if (!card.isConnected) assistantEl().append(card);
        break;
      }
      case 'tool_end': {
        let card = cards.get(ev.tool_call_id);
        if (!card) { card = toolCard(ev.tool_call_id, ev.tool, {}); assistantEl().append(card); }
        finishCard(card, ev.content, ev.is_error, ev.duration_ms);
        break;
      }
      case 'approval_request': messages.append(approvalCard(ev)); break;
      case 'approval_result': {
        const box = messages.querySelector(`[data-approval="${ev.approval_id}"]`);
        if (box) box._row.replaceWith(h('div', { class: 'muted decision' }, `${ev.decision.replace('_', ' ')} (by ${ev.by})`));
        break;
      }
      case 'question': messages.append(questionCard(ev)); break;
      case 'answer': {
        const box = messages.querySelector(`[data-question="${ev.question_id}"]`);
        if (box) box._row.replaceWith(h('div', { class: 'muted' }, `answered: ${ev.answer}`));
        break;
      }
      case 'todo_update': {
        todos.hidden = !(ev.todos || []).length;
        todoList.replaceChildren(...(ev.todos || []).map((t) => h('li', { class: t.status }, (t.status === 'completed' ? '✓ ' : t.status === 'in_progress' ? '▸ ' : '○ ') + t.content)));
        break;
      }
      case 'brief': messages.append(h('div', { class: 'card' }, renderMarkdown(ev.text))); break;
      case 'usage':
        totals.input += ev.input_tokens || 0;
        totals.output += ev.output_tokens || 0;
        totals.cost += ev.cost_usd || 0;
        showCounter();
        break;
      case 'retry': toast(`retrying (${ev.reason})`, 'info'); break;
      case 'error': messages.append(h('div', { class: 'run-error' }, `${ev.code}: ${ev.message}`)); break;
      case 'run_end':
        setRunning(false);
        if (ev.outcome !== 'completed') messages.append(h('div', { class: 'muted run-outcome' }, `run ended: ${ev.outcome}`));
        onSessionsChanged();
        break;
      default: break;
    }
    scrollDown();
  }

  // Browsers allow six HTTP/1.1 connections per host across all tabs, and
  // each stream holds one: a hidden tab lets its stream go and resumes it
  // from the last event it saw when it is shown again.
  let lastId = null;
  function connect() {
    if (es || !sessionId || closed) return;
    const q = lastId !== null ? `?last_event_id=${lastId}` : '';
    es = new EventSource(`/api/sessions/${sessionId}/events${q}`);
    for (const t of EVENT_TYPES) {
      es.addEventListener(t, (m) => {
        let ev;
        try { ev = JSON.parse(m.data); } catch { return; }
        if (m.lastEventId) lastId = m.lastEventId;
        onEvent(t, ev);
      });
    }
  }
  function onVisibility() {
    if (document.hidden) {
      if (es) { es.close(); es = null; }
    } else if (lastId !== null || session) {
      connect();
    }
  }
  document.addEventListener('visibilitychange', onVisibility);

  async function loadPickers() {
    try {
      const [agents, settings, catalog] = await Promise.all([get('/api/agents'), get('/api/settings'), get('/api/models')]);
      agentSel.replaceChildren(...agents.agents.map((a) => h('option', { value: a.name }, a.name)));
      const s = settings.settings;
      const models = new Set([s.default_model]);
      for (const a of agents.agents) if (a.model) models.add(a.model);
      for (const m of catalog.models) models.add(m.id);
      modelList.replaceChildren(...[...models].filter(Boolean).map((m) => h('option', { value: m })));
      if (!session) { agentSel.value = 'build'; modelIn.value = s.default_model || ''; }
      else { agentSel.value = session.agent; modelIn.value = session.model; }
    } catch (e) { toast(e.message); }
  }

  async function load() {
    if (!sessionId) { messages.append(h('div', { class: 'empty' }, 'Start a conversation below.')); return; }
    try {
      session = await get('/api/sessions/' + sessionId);
    } catch (e) { messages.append(h('div', { class: 'error' }, e.message)); return; }
    title.textContent = session.title || 'Untitled';
    agentSel.value = session.agent;
    modelIn.value = session.model;
    const run = await get(`/api/sessions/${sessionId}/run`).catch(() => ({ active: false }));
    // While a run is going, the stream replays it from its start: show the
    // stored messages only up to its prompt (the last user text) so nothing
    // appears twice.
    let upto = session.messages.length;
    if (run.active) {
      for (let i = session.messages.length - 1; i >= 0; i--) {
        const m = session.messages[i];
        if (m.role === 'user' && Array.isArray(m.content) && m.content.some((b) => b.type === 'text')) { upto = i + 1; break; }
      }
    }
    for (const m of session.messages.slice(0, upto)) renderBlocks(m.role, m.content);
    try {
      const u = await get('/api/usage?group=session&session_id=' + sessionId);
      for (const r of u.rows) {
        totals.input += r.input_tokens;
        totals.output += r.output_tokens;
        totals.cost += r.cost_usd;
      }
    } catch { /* the counter just starts at zero */ }
    showCounter();
    setRunning(run.active);
    body.scrollTop = body.scrollHeight;
    connect();
  }

  async function send() {
    const text = input.value.trim();
    if (!text || running) return;
    if (!providersReady) {
      setup.classList.add('flash');
      setTimeout(() => setup.classList.remove('flash'), 600);
      return;
    }
    try {
      if (!sessionId) {
        const s = await post('/api/sessions', { title: text.slice(0, 60), agent: agentSel.value, model: modelIn.value || undefined });
        sessionId = s.id;
        session = s;
        messages.replaceChildren();
        history.replaceState(null, '', '#/chat/' + s.id);
        title.textContent = s.title;
        onSessionsChanged();
        connect();
      }
      userMsg(text);
      input.value = '';
      setRunning(true);
      await post(`/api/sessions/${sessionId}/messages`, { content: text, agent: agentSel.value, model: modelIn.value || undefined });
    } catch (e) {
      setRunning(false);
      messages.append(h('div', { class: 'run-error' }, e.message));
    }
  }

  title.title = 'Click to rename';
  title.addEventListener('click', async () => {
    if (!sessionId) return;
    const name = prompt('Rename this session', title.textContent);
    if (!name || name === title.textContent) return;
    try {
      const s = await patch('/api/sessions/' + sessionId, { title: name });
      title.textContent = s.title;
      onSessionsChanged();
    } catch (e) { toast(e.message); }
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); send(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); }
  });
  cancelBtn.addEventListener('click', async () => {
    try { await post(`/api/sessions/${sessionId}/cancel`); } catch (e) { toast(e.message); }
  });
  agentSel.addEventListener('change', async () => {
    if (sessionId) try { await patch('/api/sessions/' + sessionId, { agent: agentSel.value }); } catch (e) { toast(e.message); }
  });
  modelIn.addEventListener('change', async () => {
    if (sessionId) try { await patch('/api/sessions/' + sessionId, { model: modelIn.value }); } catch (e) { toast(e.message); }
  });

  loadPickers();
  load();
  input.focus();
  return () => {
    closed = true;
    document.removeEventListener('visibilitychange', onVisibility);
    if (es) es.close();
  };
}
