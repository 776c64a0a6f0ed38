// The dashboard shell: checks the login, keeps the sessions sidebar, the
// theme toggle and a hash router (#/chat/ID, #/files, #/tools, ...) that
// mounts one page module at a time into #view.
import { api, get, del, h, toast } from './api.js';
import { applyTheme, toggleTheme } from './theme.js';
import { mountChat } from './chat.js';
import * as pages from './pages.js';
import { mountFiles } from './files.js';

applyTheme();
const view = document.getElementById('view');
let unmount = null;
let cursor = null;

async function checkLogin() {
  const r = await fetch('/api/whoami', { credentials: 'same-origin' });
  if (r.status === 401) {
    location.href = '/login';
    return false;
  }
  return true;
}

export async function refreshSessions(reset = true) {
  const list = document.getElementById('session-list');
  const url = '/api/sessions?limit=50' + (!reset && cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
  let data;
  try { data = await get(url); } catch (e) { toast(e.message); return; }
  if (reset) list.replaceChildren();
  const current = currentSessionId();
  for (const s of data.sessions) {
    const li = h('li', { class: s.id === current ? 'active' : '', dataset: { id: s.id } },
      h('a', { href: '#/chat/' + s.id, title: s.title || 'Untitled' }, s.title || 'Untitled'),
      h('button', {
        class: 'icon', title: 'Delete', 'aria-label': 'Delete session',
        onclick: async (e) => {
          e.preventDefault();
          if (!confirm('Delete this session?')) return;
          try { await del('/api/sessions/' + s.id); } catch (err) { toast(err.message); }
          if (currentSessionId() === s.id) location.hash = '#/chat';
          refreshSessions();
        },
      }, '×'));
    list.append(li);
  }
  cursor = data.next_cursor || null;
  document.getElementById('more-sessions').hidden = !cursor;
}

function currentSessionId() {
  const m = location.hash.match(/^#\/chat\/([0-9a-f-]+)/);
  return m ? m[1] : null;
}

function route() {
  if (unmount) { unmount(); unmount = null; }
  document.body.classList.remove('sidebar-open');
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const page = parts[0] || 'chat';
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('active', a.dataset.page === page);
  for (const li of document.querySelectorAll('#session-list li'))
    li.classList.toggle('active', li.dataset.id === currentSessionId());
  view.replaceChildren();
  const mounts = {
    chat: () => mountChat(view, parts[1] || null, { onSessionsChanged: refreshSessions }),
    files: () => mountFiles(view),
    tools: () => pages.mountTools(view),
    skills: () => pages.mountSkills(view),
    agents: () => pages.mountAgents(view),
    settings: () => pages.mountSettings(view),
    usage: () => pages.mountUsage(view),
    audit: () => pages.mountAudit(view),
  };
  unmount = (mounts[page] || mounts.chat)() || null;
}

document.getElementById('theme-btn').addEventListener('click', () => {
  const t = toggleTheme();
  document.dispatchEvent(new CustomEvent('bx-theme', { detail: t }));
});
document.getElementById('menu-btn').addEventListener('click', () =>
  document.body.classList.toggle('sidebar-open'));
document.getElementById('new-session').addEventListener('click', () => {
  location.hash = '#/chat';
  if (location.hash === '#/chat') route();
});
document.getElementById('more-sessions').addEventListener('click', () => refreshSessions(false));
document.getElementById('logout-btn').addEventListener('click', async () => {
  try { await api('POST', '/api/logout', {}, { noRedirect: true }); } catch { /* gone anyway */ }
  location.href = '/login';
});
window.addEventListener('hashchange', route);

if (await checkLogin()) {
  await refreshSessions();
  route();
}
