// The dashboard's entry point: checks the session, then shows the app or
// sends the browser to the login page.
const app = document.getElementById('app');
const r = await fetch('/api/whoami');
if (r.status === 401) {
  location.href = '/login';
} else {
  const me = await r.json();
  app.textContent = `boxagnts ${me.version}`;
}
