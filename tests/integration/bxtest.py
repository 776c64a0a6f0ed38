"""Helpers for integration tests: start the real binary, talk HTTP on loopback,
and report in the plain 'N passed, N failed' form."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import urllib.error

BIN = os.environ.get("BX_BIN") or os.path.join(os.environ.get("BX_BINARY_DIR", "build"), "boxagnts")

_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def run_all():
    passed = failed = 0
    only = sys.argv[1:]
    for fn in _tests:
        if only and fn.__name__ not in only:
            continue
        try:
            fn()
            passed += 1
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}", file=sys.stderr)
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def run_cli(*args, input=None, env=None, timeout=60):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([BIN, *args], input=input, capture_output=True, text=True,
                          env=e, timeout=timeout)


class Server:
    """The server on 127.0.0.1 with --port 0; the port is read from its log."""

    def __init__(self, *args, workspace=None, env=None):
        self.tmp = None
        if workspace is None:
            self.tmp = tempfile.TemporaryDirectory(prefix="bx-it-")
            workspace = self.tmp.name
        self.workspace = workspace
        e = dict(os.environ)
        if env:
            e.update(env)
        self.proc = subprocess.Popen([BIN, "--workspace-dir", workspace, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=e)
        self.port = None
        self.log = []
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"serving workspace .* on http://[^:]+:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("server did not start: " + "".join(self.log))
        self.base = f"http://127.0.0.1:{self.port}"
        with open(os.path.join(workspace, ".boxagnts", "secrets.json")) as f:
            self.token = json.load(f)["BOXAGNTS_ACCESS_TOKEN"]

    def api(self, method, path, body=None, headers=None):
        """A JSON request with the Bearer token; returns (status, parsed body)."""
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        return self.json(method, path, body, h)

    def request(self, method, path, body=None, headers=None):
        data = None
        h = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        if "Host" in h:  # urllib would otherwise send its own
            req.host = h["Host"]
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def json(self, method, path, body=None, headers=None):
        status, hdrs, raw = self.request(method, path, body, headers)
        return status, json.loads(raw) if raw else None

    def stop(self, sig=None):
        import signal
        self.proc.send_signal(sig or signal.SIGINT)
        try:
            rc = self.proc.wait(timeout=20)
        finally:
            rest = self.proc.stderr.read()
            self.log.append(rest)
            if self.tmp:
                self.tmp.cleanup()
        return rc


# ------------------------------------------------- the fake LLM and `run`

SRC = os.environ.get("BX_SOURCE_DIR", ".")


class Fake:
    def __init__(self, script):
        self.proc = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/fakes/fake_llm.py"),
                                      "--port", "0"], stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = "http://127.0.0.1:%d" % self.port
        self.script(script)

    def script(self, doc):
        req = urllib.request.Request(self.url + "/_fake/script", data=json.dumps(doc).encode(), method="POST")
        urllib.request.urlopen(req).read()

    def requests(self):
        return json.loads(urllib.request.urlopen(self.url + "/_fake/requests").read())

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def workspace():
    d = tempfile.mkdtemp(prefix="bx-run-")
    os.makedirs(os.path.join(d, "root"))
    return d


def run(fake, ws, *args, stdin=subprocess.DEVNULL, timeout=60):
    env = dict(os.environ, ANTHROPIC_BASE_URL=fake.url, ANTHROPIC_API_KEY="test",
               OPENAI_BASE_URL=fake.url + "/v1", OPENAI_API_KEY="test",
               GOOGLE_GEMINI_BASE_URL=fake.url, GEMINI_API_KEY="test")
    p = subprocess.run([BIN, "--workspace-dir", ws, "run", *args], stdin=stdin, capture_output=True,
                       text=True, env=env, timeout=timeout)
    return p


def events(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def call(id, name, args, text=""):
    return {"text": text, "tool_calls": [{"id": id, "name": name, "arguments": args}],
            "usage": {"input": 100, "output": 20}}


def say(text):
    return {"text": text, "usage": {"input": 100, "output": 10}}
