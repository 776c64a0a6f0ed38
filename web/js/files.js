// The Files page: a lazily expanded tree of the root tree, a text editor,
// upload, download, new folder, rename and delete, refreshed live by the
// file-change event stream (GET /api/files/events).
import { api, get, put, post, del, h, toast } from './api.js';

export function mountFiles(root) {
  let selected = null; // {path, type}
  const open = new Set(['/']);
  const tree = h('div', { class: 'tree', id: 'file-tree' });
  const pathLabel = h('code', { id: 'file-path' }, 'no file selected');
  const editor = h('textarea', { id: 'file-editor', spellcheck: 'false', disabled: true });
  const saveBtn = h('button', { class: 'primary', disabled: true }, 'Save');
  const dl = h('a', { class: 'link', hidden: true }, 'Download');
  const upload = h('input', { type: 'file', id: 'file-upload', hidden: true });
  const uploadBtn = h('button', { onclick: () => upload.click() }, 'Upload');
  const mkdirBtn = h('button', {}, 'New folder');
  const newBtn = h('button', {}, 'New file');
  const renameBtn = h('button', { disabled: true }, 'Rename');
  const delBtn = h('button', { class: 'danger', disabled: true }, 'Delete');
  root.append(h('div', { class: 'page' }, h('h2', {}, 'Files'),
    h('div', { class: 'files' }, tree,
      h('div', { class: 'editor' },
        h('div', { class: 'row' }, pathLabel, h('span', { class: 'grow' }), dl, newBtn, mkdirBtn, uploadBtn, upload, renameBtn, delBtn, saveBtn),
        editor))));

  const dirOf = () => (selected ? (selected.type === 'dir' ? selected.path : selected.path.replace(/\/[^/]*$/, '') || '/') : '/');
  const join = (d, n) => (d === '/' ? '/' + n : d + '/' + n);

  async function renderDir(path) {
    const ul = h('ul');
    let data;
    try { data = await get('/api/files?path=' + encodeURIComponent(path)); } catch (e) { toast(e.message); return ul; }
    for (const e of data.entries) {
      const p = join(path, e.name);
      const icon = e.type === 'dir' ? (open.has(p) ? '▾ ' : '▸ ') : e.type === 'symlink' ? '↪ ' : '  ';
      const row = h('div', { class: 'entry' + (selected && selected.path === p ? ' sel' : ''), dataset: { path: p, type: e.type } }, icon + e.name);
      const li = h('li', {}, row);
      row.addEventListener('click', async () => {
        selected = { path: p, type: e.type };
        if (e.type === 'dir') {
          if (open.has(p)) open.delete(p); else open.add(p);
          refresh();
        } else {
          for (const x of tree.querySelectorAll('.entry.sel')) x.classList.remove('sel');
          row.classList.add('sel');
          openFile(p);
        }
        renameBtn.disabled = delBtn.disabled = false;
      });
      if (e.type === 'dir' && open.has(p)) li.append(await renderDir(p));
      ul.append(li);
    }
    if (data.truncated) ul.append(h('li', { class: 'muted' }, '(more entries not shown)'));
    return ul;
  }

  let refreshing = null;
  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      const ul = await renderDir('/');
      tree.replaceChildren(ul);
    })();
    try { await refreshing; } finally { refreshing = null; }
  }

  async function openFile(p) {
    pathLabel.textContent = p;
    dl.hidden = false;
    dl.href = '/api/files/download?path=' + encodeURIComponent(p);
    try {
      const f = await get('/api/files/content?path=' + encodeURIComponent(p));
      if (f.binary || f.content === undefined) {
        editor.value = `(binary or large file, ${f.size} bytes — use Download)`;
        editor.disabled = true;
        saveBtn.disabled = true;
      } else {
        editor.value = f.content;
        editor.disabled = false;
        saveBtn.disabled = false;
      }
    } catch (e) { toast(e.message); }
  }

  saveBtn.addEventListener('click', async () => {
    try {
      await put('/api/files/content', { path: selected.path, content: editor.value });
      toast('saved ' + selected.path, 'info');
    } catch (e) { toast(e.message); }
  });
  upload.addEventListener('change', async () => {
    for (const f of upload.files) {
      try {
        await api('POST', '/api/files/upload?path=' + encodeURIComponent(join(dirOf(), f.name)), await f.arrayBuffer(), { raw: true });
      } catch (e) { toast(e.message); }
    }
    upload.value = '';
    refresh();
  });
  mkdirBtn.addEventListener('click', async () => {
    const name = prompt('New folder name');
    if (!name) return;
    try { await post('/api/files/mkdir', { path: join(dirOf(), name) }); open.add(dirOf()); refresh(); } catch (e) { toast(e.message); }
  });
  newBtn.addEventListener('click', async () => {
    const name = prompt('New file name');
    if (!name) return;
    const p = join(dirOf(), name);
    try { await put('/api/files/content', { path: p, content: '' }); selected = { path: p, type: 'file' }; await refresh(); openFile(p); } catch (e) { toast(e.message); }
  });
  renameBtn.addEventListener('click', async () => {
    if (!selected) return;
    const to = prompt('Move or rename to', selected.path);
    if (!to || to === selected.path) return;
    try { await post('/api/files/move', { from: selected.path, to }); selected = null; refresh(); } catch (e) { toast(e.message); }
  });
  delBtn.addEventListener('click', async () => {
    if (!selected || !confirm('Delete ' + selected.path + '?')) return;
    try {
      await del('/api/files?path=' + encodeURIComponent(selected.path) + (selected.type === 'dir' ? '&recursive=1' : ''));
      selected = null;
      editor.value = '';
      pathLabel.textContent = 'no file selected';
      refresh();
    } catch (e) { toast(e.message); }
  });

  // One stream while the tab is visible (browsers share six connections
  // per host across tabs); on return the tree is simply reloaded.
  let es = null;
  let pending = 0;
  const listen = () => {
    if (es) return;
    es = new EventSource('/api/files/events');
    es.addEventListener('file_change', () => {
      clearTimeout(pending);
      pending = setTimeout(refresh, 150);
    });
  };
  const onVisibility = () => {
    if (document.hidden) { if (es) { es.close(); es = null; } } else { listen(); refresh(); }
  };
  document.addEventListener('visibilitychange', onVisibility);
  listen();
  refresh();
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    if (es) es.close();
    clearTimeout(pending);
  };
}
