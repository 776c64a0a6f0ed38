"""The fake LLM (tests/fakes/fake_llm.py) as a context for gateway tests, an
SSE reader over a raw socket, and a server set up to talk to the fake."""
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

from bxtest import Server

SRC = os.environ.get("BX_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
FAKE = os.path.join(SRC, "tests", "fakes", "fake_llm.py")


class Fake:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, FAKE, "--port", "0"], stdout=subprocess.PIPE,
                                     text=True)
        self.port = int(self.proc.stdout.readline())
        self.base = f"http://127.0.0.1:{self.port}"

    def script(self, doc):
        req = urllib.request.Request(self.base + "/_fake/script", data=json.dumps(doc).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()

    def requests(self):
        return json.load(urllib.request.urlopen(self.base + "/_fake/requests", timeout=10))

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def drain(srv):
    """Keeps reading the server's log so a chatty run never fills the pipe."""
    def loop():
        for line in srv.proc.stderr:
            srv.log.append(line)
    threading.Thread(target=loop, daemon=True).start()


def chat_server(fake, workspace=None, env=None):
    """A gateway whose default model is openai/gpt-4o on the fake."""
    e = {"OPENAI_BASE_URL": fake.base + "/v1", "OPENAI_API_KEY": "sk-test",
         "BOXAGNTS_SSE_HEARTBEAT_MS": "500"}
    e.update(env or {})
    s = Server(workspace=workspace, env=e)
    drain(s)
    st, b = s.api("PATCH", "/api/settings", body={"default_model": "openai/gpt-4o"})
    assert st == 200, b
    return s


class SSE:
    """A Server-Sent Events client: events() yields (id, event, data-dict)."""

    def __init__(self, srv, path, last_id=None, timeout=20):
        self.conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
        h = {"Authorization": "Bearer " + srv.token}
        if last_id is not None:
            h["Last-Event-ID"] = str(last_id)
        self.conn.request("GET", path, headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = self.resp.headers
        self.pings = 0

    def events(self):
        ev_id = ev_type = None
        data = []
        while True:
            line = self.resp.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line == "":
                if data:
                    yield ev_id, ev_type or "message", json.loads("\n".join(data))
                ev_id = ev_type = None
                data = []
            elif line.startswith(":"):
                if line.startswith(": ping"):
                    self.pings += 1
            elif line.startswith("id: "):
                ev_id = int(line[4:])
            elif line.startswith("event: "):
                ev_type = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])

    def pings_for(self, seconds):
        """Reads for `seconds` (the heartbeats keep lines coming); returns the pings seen."""
        deadline = time.time() + seconds
        n = 0
        while time.time() < deadline:
            line = self.resp.readline()
            if not line:
                break
            if line.startswith(b": ping"):
                n += 1
        return n

    def until(self, type_, limit=2000):
        """Events up to and including the first of type_."""
        out = []
        for ev in self.events():
            out.append(ev)
            if ev[1] == type_ or len(out) >= limit:
                break
        return out

    def close(self):
        self.conn.close()


def wait_idle(srv, sid, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, b = srv.api("GET", f"/api/sessions/{sid}/run")
        if st == 200 and not b["active"]:
            return True
        time.sleep(0.05)
    return False
