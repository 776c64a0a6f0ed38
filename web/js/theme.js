// Dark and light themes: a data-theme attribute on <html>, remembered in
// localStorage, defaulting to the system's preference.
const KEY = 'bx-theme';

export function currentTheme() {
  const saved = localStorage.getItem(KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme = currentTheme()) {
  document.documentElement.dataset.theme = theme;
  const hl = document.getElementById('hljs-theme');
  if (hl) hl.href = theme === 'dark' ? '/vendor/hljs-dark.css' : '/vendor/hljs-light.css';
  return theme;
}

export function toggleTheme() {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  localStorage.setItem(KEY, next);
  return applyTheme(next);
}
