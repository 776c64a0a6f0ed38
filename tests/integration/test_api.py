"""The gateway's API over HTTP against the real binary: auth on every route,
Host and Origin checks, body caps, sessions, files (and escapes), settings,
provider keys (write-only), AGENTS.md, skills, usage and audit."""
import http.client
import json
import os

from bxtest import Server, run_all, test

ROUTES = [
    ("GET", "/api/sessions"), ("POST", "/api/sessions"), ("GET", "/api/sessions/x"),
    ("PATCH", "/api/sessions/x"), ("DELETE", "/api/sessions/x"), ("POST", "/api/sessions/x/fork"),
    ("GET", "/api/sessions/x/tool-calls"), ("GET", "/api/files"), ("DELETE", "/api/files"),
    ("GET", "/api/files/content"), ("PUT", "/api/files/content"), ("GET", "/api/files/download"),
    ("POST", "/api/files/upload"), ("POST", "/api/files/mkdir"), ("POST", "/api/files/move"),
    ("POST", "/api/files/copy"), ("GET", "/api/settings"), ("PATCH", "/api/settings"),
    ("GET", "/api/agents"), ("PUT", "/api/agents/a"), ("DELETE", "/api/agents/a"),
    ("GET", "/api/providers"), ("PUT", "/api/providers/openai/key"),
    ("DELETE", "/api/providers/openai/key"), ("GET", "/api/agents-md"), ("PUT", "/api/agents-md"),
    ("GET", "/api/skills"), ("GET", "/api/skills/s"), ("PUT", "/api/skills/s"),
    ("DELETE", "/api/skills/s"), ("GET", "/api/usage"), ("GET", "/api/audit"),
    ("GET", "/api/whoami"), ("POST", "/api/logout"),
    ("POST", "/api/sessions/x/messages"), ("GET", "/api/sessions/x/events"),
    ("GET", "/api/sessions/x/run"), ("POST", "/api/sessions/x/cancel"),
    ("POST", "/api/sessions/x/approve"), ("POST", "/api/sessions/x/deny"),
    ("POST", "/api/sessions/x/answer"), ("POST", "/api/sessions/x/mode"),
    ("GET", "/api/files/events"), ("GET", "/api/tools"), ("GET", "/api/tools/read"),
    ("PUT", "/api/tools/read"), ("POST", "/v1/chat/completions"), ("GET", "/v1/models"),
    ("GET", "/api/models"),
]

srv = None


def server():
    global srv
    if srv is None:
        srv = Server()
    return srv


def raw(method, path, headers, body=b""):
    s = server()
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        c.putheader(k, v)
    c.putheader("Content-Length", str(len(body)))
    c.endheaders()
    c.send(body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("Set-Cookie"), data


@test
def every_api_route_needs_the_token():
    s = server()
    for method, path in ROUTES:
        st, body = s.json(method, path, body={} if method != "GET" else None)
        assert st == 401, (method, path, st, body)
        assert body["error"]["code"] == "unauthorized"
        st, body = s.json(method, path, body={} if method != "GET" else None,
                          headers={"Authorization": "Bearer " + "0" * 64})
        assert st == 401, (method, path, st)
    st, _ = s.json("GET", "/healthz")
    assert st == 200
    st, _, page = raw("GET", "/login", {"Host": f"127.0.0.1:{s.port}"})
    assert st == 200 and b"<form" in page
    assert b"<script>" not in page and b"/js/login.js" in page  # no inline script (CSP)
    for path in ("/", "/login.html", "/js/main.js", "/js/login.js", "/app.css", "/vendor/marked.js",
                 "/vendor/purify.js", "/vendor/highlight.js", "/vendor/chart.js"):
        st, _, _ = raw("GET", path, {"Host": f"127.0.0.1:{s.port}"})
        assert st == 200, (path, st)  # static assets need no token


@test
def static_pages_carry_a_strict_csp():
    s = server()
    st, hdrs, _ = s.request("GET", "/login")
    csp = hdrs["Content-Security-Policy"]
    assert st == 200 and "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert hdrs["X-Frame-Options"] == "DENY"
    st, hdrs, _ = s.request("GET", "/chat/some-client-route")
    assert st == 200 and hdrs["Content-Type"].startswith("text/html")
    assert "Access-Control-Allow-Origin" not in hdrs


@test
def host_header_must_name_this_server():
    s = server()
    auth = {"Authorization": "Bearer " + s.token}
    for host in ("evil.example", f"evil.example:{s.port}", "127.0.0.1:1", ""):
        st, _, body = raw("GET", "/api/sessions", dict(auth, Host=host))
        assert st == 421, (host, st, body)
    for host in (f"127.0.0.1:{s.port}", f"localhost:{s.port}", "127.0.0.1"):
        st, _, _ = raw("GET", "/api/sessions", dict(auth, Host=host))
        assert st == 200, (host, st)


@test
def cookie_login_and_origin_checks():
    s = server()
    host = {"Host": f"127.0.0.1:{s.port}"}
    st, cookie, _ = raw("GET", "/login?token=" + "f" * 64, host)
    assert st == 401 and cookie is None
    st, cookie, _ = raw("GET", "/login?token=" + s.token, host)
    assert st == 303 and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert s.token not in cookie  # the cookie is derived, not the token itself
    jar = {"Cookie": cookie.split(";")[0]}
    st, _, _ = raw("GET", "/api/sessions", dict(host, **jar))
    assert st == 200
    same = {"Origin": f"http://127.0.0.1:{s.port}", "Content-Type": "application/json"}
    st, _, body = raw("POST", "/api/sessions", dict(host, **jar, **same), b"{}")
    assert st == 201, body
    for origin in ("http://evil.example", f"http://127.0.0.1:{s.port + 1}", "null"):
        st, _, _ = raw("POST", "/api/sessions", dict(host, **jar, Origin=origin), b"{}")
        assert st == 403, origin
    # a cookie without any Origin on a state-changing request is refused
    st, _, _ = raw("POST", "/api/sessions", dict(host, **jar), b"{}")
    assert st == 403
    st, _, _ = raw("POST", "/api/sessions", dict(host, **jar, **{"Sec-Fetch-Site": "cross-site",
                                                                "Origin": same["Origin"]}), b"{}")
    assert st == 403


@test
def login_attempts_are_rate_limited():
    s = Server()
    try:
        codes = [s.json("POST", "/api/login", body={"token": "nope"})[0] for _ in range(12)]
        assert codes[0] == 401 and codes[-1] == 429, codes
        st, _ = s.json("POST", "/api/login", body={"token": s.token})
        assert st == 429  # even the right token waits out the window
    finally:
        s.stop()


@test
def bodies_are_capped_and_validated():
    s = server()
    st, body = s.api("POST", "/api/sessions", body=b"{not json")
    assert st == 400 and body["error"]["code"] == "invalid_json", body
    st, body = s.api("POST", "/api/sessions", body=b"[1,2]")
    assert st == 400
    st, body = s.api("PATCH", "/api/sessions/x", body=b"x" * (2 << 20))
    assert st == 413 and body["error"]["code"] == "too_large", (st, body)
    st, body = s.api("POST", "/api/sessions", body={"agent": "nope"})
    assert st == 400 and "nope" in body["error"]["message"]
    st, body = s.api("POST", "/api/sessions", body={"title": 5})
    assert st == 400


@test
def sessions_crud_fork_and_pagination():
    s = server()
    ids = []
    for i in range(5):
        st, b = s.api("POST", "/api/sessions", body={"title": f"t{i}"})
        assert st == 201 and b["agent"] == "build" and b["model"], b
        ids.append(b["id"])
    st, b = s.api("GET", "/api/sessions?limit=2")
    assert st == 200 and len(b["sessions"]) == 2 and b["next_cursor"]
    assert b["sessions"][0]["id"] == ids[-1]  # newest first
    st, b2 = s.api("GET", "/api/sessions?limit=2&cursor=" + b["next_cursor"])
    assert st == 200 and b2["sessions"][0]["id"] == ids[-3]
    st, b = s.api("GET", "/api/sessions?limit=0")
    assert st == 400
    st, b = s.api("PATCH", f"/api/sessions/{ids[0]}", body={"title": "renamed"})
    assert st == 200 and b["title"] == "renamed"
    st, b = s.api("GET", f"/api/sessions/{ids[0]}")
    assert st == 200 and b["messages"] == [] and b["title"] == "renamed"
    st, b = s.api("POST", f"/api/sessions/{ids[0]}/fork", body={"at_seq": 1})
    assert st in (400, 404), (st, b)  # no message 1 to fork at
    st, b = s.api("DELETE", f"/api/sessions/{ids[0]}")
    assert st == 200
    st, b = s.api("GET", f"/api/sessions/{ids[0]}")
    assert st == 404 and b["error"]["code"] == "not_found"
    st, b = s.api("GET", "/api/sessions/not-a-session/tool-calls")
    assert st in (400, 404), st
    st, b = s.api("GET", f"/api/sessions/{ids[0]}/tool-calls")
    assert st == 404, st


@test
def files_api_round_trip():
    s = server()
    st, b = s.api("PUT", "/api/files/content", body={"path": "/docs/a.txt", "content": "héllo\n"})
    assert st == 200 and b["bytes"] == 7, b
    st, b = s.api("GET", "/api/files/content?path=docs/a.txt")
    assert st == 200 and b["content"] == "héllo\n" and not b["binary"]
    st, b = s.api("POST", "/api/files/upload?path=/bin.dat", body=b"\x00\xff\x00")
    assert st == 201
    st, b = s.api("GET", "/api/files/content?path=/bin.dat")
    assert st == 200 and b["binary"] and "content" not in b
    st, hdrs, data = s.request("GET", "/api/files/download?path=/bin.dat",
                               headers={"Authorization": "Bearer " + s.token})
    assert st == 200 and data == b"\x00\xff\x00" and "attachment" in hdrs["Content-Disposition"]
    st, b = s.api("POST", "/api/files/mkdir", body={"path": "/x/y/z"})
    assert st == 201
    st, b = s.api("POST", "/api/files/copy", body={"from": "/docs", "to": "/docs2"})
    assert st == 201, b
    st, b = s.api("POST", "/api/files/move", body={"from": "/docs2/a.txt", "to": "/x/b.txt"})
    assert st == 200, b
    st, b = s.api("POST", "/api/files/move", body={"from": "/docs/a.txt", "to": "/x/b.txt"})
    assert st == 409
    st, b = s.api("GET", "/api/files?path=/")
    names = [(e["name"], e["type"]) for e in b["entries"]]
    assert ("docs", "dir") in names and ("bin.dat", "file") in names, names
    assert names.index(("docs", "dir")) < names.index(("bin.dat", "file"))  # dirs first
    st, b = s.api("DELETE", "/api/files?path=/x")
    assert st == 409 and b["error"]["code"] == "not_empty"
    st, b = s.api("DELETE", "/api/files?path=/x&recursive=1")
    assert st == 200
    st, b = s.api("GET", "/api/files/content?path=/x/b.txt")
    assert st == 404
    st, b = s.api("DELETE", "/api/files?path=/")
    assert st == 400


@test
def files_api_never_leaves_root():
    s = server()
    ws = s.workspace
    with open(os.path.join(ws, "outside.txt"), "w") as f:
        f.write("secret")
    root = os.path.join(ws, "root")
    os.symlink(os.path.join(ws, "outside.txt"), os.path.join(root, "abs-link"))
    os.symlink("../outside.txt", os.path.join(root, "rel-link"))
    os.symlink(ws, os.path.join(root, "dir-link"))
    for path in ("../outside.txt", "/../outside.txt", "abs-link", "rel-link",
                 "dir-link/outside.txt", "/proc/self/root/etc/passwd"):
        st, b = s.api("GET", "/api/files/content?path=" + path)
        assert st in (403, 404), (path, st, b)
        assert "secret" not in json.dumps(b)
    st, b = s.api("PUT", "/api/files/content", body={"path": "dir-link/pwn.txt", "content": "x"})
    assert st == 403, (st, b)
    assert not os.path.exists(os.path.join(ws, "pwn.txt"))
    st, b = s.api("PUT", "/api/files/content", body={"path": "abs-link", "content": "x"})
    assert st == 400, (st, b)  # never written through a symlink
    assert open(os.path.join(ws, "outside.txt")).read() == "secret"
    st, b = s.api("POST", "/api/files/move", body={"from": "/abs-link", "to": "../moved"})
    assert st == 403
    # deleting a symlink removes the link, not its target
    st, b = s.api("DELETE", "/api/files?path=/dir-link&recursive=1")
    assert st == 200
    assert os.path.exists(os.path.join(ws, "outside.txt"))
    # positive control: the links really point outside
    assert open(os.path.join(root, "abs-link")).read() == "secret"


@test
def settings_agents_keys_agents_md_skills():
    s = server()
    st, b = s.api("GET", "/api/settings")
    assert st == 200 and b["settings"]["agents"]["plan"]["access"] == "read-only"
    st, b = s.api("PATCH", "/api/settings", body={"allowed_outbound_hosts": ["https://*.example.com"],
                                                  "my_future_field": 1})
    assert st == 200 and b["settings"]["allowed_outbound_hosts"] == ["https://*.example.com"]
    st, b = s.api("PATCH", "/api/settings", body={"providers": {"openai": {"api_key": "sk-x"}}})
    assert st == 400
    st, b = s.api("PUT", "/api/agents/reviewer", body={"access": "read-only", "max_turns": 5,
                                                       "system_prompt": "Review."})
    assert st == 200 and any(a["name"] == "reviewer" for a in b["agents"])
    st, b = s.api("PUT", "/api/agents/bad", body={"access": "root"})
    assert st == 400
    st, b = s.api("DELETE", "/api/agents/reviewer")
    assert st == 200 and not any(a["name"] == "reviewer" for a in b["agents"])
    st, b = s.api("PUT", "/api/providers/openai/key", body={"api_key": "sk-write-only-123"})
    assert st == 200 and b["key_set"] and "sk-write-only" not in json.dumps(b)
    st, b = s.api("GET", "/api/providers")
    openai = next(p for p in b["providers"] if p["id"] == "openai")
    assert openai["key_set"] and "sk-write-only" not in json.dumps(b)
    st, b = s.api("GET", "/api/settings")
    assert "sk-write-only" not in json.dumps(b)
    secrets = os.path.join(s.workspace, ".boxagnts", "secrets.json")
    assert os.stat(secrets).st_mode & 0o777 == 0o600
    assert json.load(open(secrets))["OPENAI_API_KEY"] == "sk-write-only-123"
    st, b = s.api("PUT", "/api/agents-md", body={"content": "Be terse."})
    assert st == 200 and b["content"] == "Be terse."
    st, b = s.api("PUT", "/api/skills/review", body={"content": "---\nname: review\n"
                                                     "description: Reviews\n---\nDo $ARGUMENTS"})
    assert st == 200, b
    st, b = s.api("PUT", "/api/skills/broken", body={"content": "---\nname: [\n---\n"})
    assert st == 400 and b["error"]["code"] == "invalid_skill"
    st, b = s.api("GET", "/api/skills")
    assert [k["name"] for k in b["skills"]] == ["review"]
    st, b = s.api("GET", "/api/skills/../../etc")
    assert st in (400, 404)
    st, b = s.api("DELETE", "/api/skills/review")
    assert st == 200
    st, b = s.api("GET", "/api/usage?group=model")
    assert st == 200 and b["rows"] == []
    st, b = s.api("GET", "/api/usage?group=bogus")
    assert st == 400
    st, b = s.api("GET", "/api/audit?limit=5")
    assert st == 200 and b["entries"] == []


@test
def session_list_cache_sees_every_change():
    s = server()
    st, a = s.api("POST", "/api/sessions", body={"title": "cache-1"})
    st, l1 = s.api("GET", "/api/sessions?limit=5")
    assert l1["sessions"][0]["id"] == a["id"]
    st, _ = s.api("PATCH", f"/api/sessions/{a['id']}", body={"title": "cache-renamed"})
    st, l2 = s.api("GET", "/api/sessions?limit=5")
    assert l2["sessions"][0]["title"] == "cache-renamed", l2["sessions"][0]
    st, b = s.api("POST", "/api/sessions", body={"title": "cache-2"})
    st, l3 = s.api("GET", "/api/sessions?limit=5")
    assert l3["sessions"][0]["id"] == b["id"]
    st, _ = s.api("DELETE", f"/api/sessions/{b['id']}")
    st, l4 = s.api("GET", "/api/sessions?limit=5")
    assert b["id"] not in [x["id"] for x in l4["sessions"]]


@test
def model_catalog_with_settings_overrides():
    s = server()
    st, b = s.api("GET", "/api/models")
    assert st == 200 and b["default_model"]
    ids = {m["id"]: m for m in b["models"]}
    assert "anthropic/claude-sonnet-4-5" in ids and ids["anthropic/claude-sonnet-4-5"]["context_window"] > 0
    st, _ = s.api("PATCH", "/api/settings", body={"models": {"ollama/mine": {"context_window": 8192}}})
    assert st == 200
    st, b = s.api("GET", "/api/models")
    assert {"id": "ollama/mine", "context_window": 8192} in b["models"]
    st, _ = s.api("PATCH", "/api/settings", body={"models": None})


@test
def more_error_paths():
    s = server()
    for q in ("from_ms=-1", "to_ms=x", "group=week"):
        st, b = s.api("GET", "/api/usage?" + q)
        assert st == 400 and b["error"]["code"] == "invalid_request", (q, st, b)
    for q in ("limit=5000", "before_id=x", "limit=-3"):
        st, b = s.api("GET", "/api/audit?" + q)
        assert st == 400, (q, st, b)
    st, b = s.api("GET", "/api/files?path=/no/such/dir")
    assert st == 404 and b["error"]["code"] == "not_found", (st, b)
    st, b = s.api("GET", "/api/files/content?path=/no-such-file")
    assert st == 404
    st, b = s.api("PUT", "/api/files/content", body={"path": "/x.txt"})
    assert st == 400  # content missing
    st, b = s.api("POST", "/api/files/move", body={"from": "/nope", "to": "/nope2"})
    assert st == 404
    st, b = s.api("PUT", "/api/agents/x", body={"max_turns": "many"})
    assert st == 400
    st, b = s.api("PUT", "/api/providers/openai/key", body={})
    assert st == 400
    st, b = s.api("PUT", "/api/agents-md", body={"content": 7})
    assert st == 400
    st, b = s.api("GET", "/api/skills/nope")
    assert st == 404
    # uploads have their own, larger cap
    big = b"\0" * ((64 << 20) + 1)
    st, b = s.api("POST", "/api/files/upload?path=/big.bin", body=big)
    assert st == 413 and b["error"]["code"] == "too_large", (st, b)
    st, b = s.api("POST", "/api/files/upload?path=/ok.bin", body=b"\0" * (2 << 20))
    assert st == 201, (st, b)  # over the JSON cap, under the upload cap


@test
def unknown_routes_and_methods():
    s = server()
    st, b = s.api("GET", "/api/nothing-here")
    assert st == 404 and b["error"]["code"] == "not_found"
    st, b = s.api("PUT", "/api/sessions")
    assert st == 405


try:
    run_all()
finally:
    if srv:
        srv.stop()
