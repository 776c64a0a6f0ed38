// The login page: posts the token (or the admin user and password) to
// /api/login, which sets the HttpOnly session cookie, then opens the app.
import { applyTheme } from './theme.js';

applyTheme();
const form = document.getElementById('login-form');
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = {};
  const token = document.getElementById('token').value.trim();
  const user = document.getElementById('user').value.trim();
  if (token) body.token = token;
  if (user) {
    body.username = user;
    body.password = document.getElementById('pass').value;
  }
  const r = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.ok) {
    location.href = '/';
    return;
  }
  let msg = `login failed (${r.status})`;
  try { msg = (await r.json()).error.message; } catch { /* not JSON */ }
  document.getElementById('login-msg').textContent = msg;
});
