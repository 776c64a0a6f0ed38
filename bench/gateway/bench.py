#!/usr/bin/env python3
"""Gateway benchmarks (make target bench-gateway): three figures against the
real binary on loopback.

1. GET /api/sessions with wrk on a small workspace (20 sessions): requests/s.
2. 1,000 concurrent idle SSE streams: the server's RSS in total (VmRSS),
   before and while they are held, and that every stream still gets events.
3. Event latency: a streaming OpenAI-style provider (a child process that
   timestamps every token with CLOCK_MONOTONIC as it writes it) -> the agent
   -> the hub -> an SSE client that timestamps each text_delta on arrival.
   p50/p99/max over a few hundred tokens.

Figures only: nothing here asserts a time (see STYLE.md). The targets are
printed beside the measured values."""
import http.client
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("BX_BIN") or sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BX_BIN")
BIN = BIN or os.path.join(os.path.dirname(__file__), "..", "..", "build", "boxagnts")
DURATION = os.environ.get("BENCH_SECONDS", "5")
N_STREAMS = int(os.environ.get("BENCH_STREAMS", "1000"))
N_TOKENS = int(os.environ.get("BENCH_TOKENS", "400"))

PROVIDER = r'''
import json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
N, GAP = int(sys.argv[1]), float(sys.argv[2])
stamps = []
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        def chunk(delta, finish=None):
            c = {"id": "b", "object": "chat.completion.chunk", "created": 0, "model": "m",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(b"data: " + json.dumps(c).encode() + b"\n\n")
            self.wfile.flush()
        chunk({"role": "assistant", "content": ""})
        for i in range(N):
            time.sleep(GAP)
            stamps.append(time.monotonic_ns())
            chunk({"content": "t%d " % i})
        chunk({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        print(json.dumps(stamps), flush=True)
srv = HTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.handle_request()
'''


class Server:
    def __init__(self, ws, env=None):
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([BIN, "--workspace-dir", ws, "--port", "0", "--log-level", "warn"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=e)
        self.port = None
        # --log-level warn hides the "serving" line; find the port from /proc.
        deadline = time.time() + 20
        while time.time() < deadline and self.port is None:
            time.sleep(0.1)
            self.port = listening_port(self.proc.pid)
        if self.port is None:
            raise RuntimeError("server did not start")
        self.token = json.load(open(os.path.join(ws, ".boxagnts", "secrets.json")))["BOXAGNTS_ACCESS_TOKEN"]

    def api(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data) if data else None

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)


def listening_port(pid):
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        for line in open("/proc/net/tcp").read().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:
                return int(f[1].split(":")[1], 16)
    except OSError:
        return None
    return None


def bench_sessions(srv):
    for i in range(20):
        srv.api("POST", "/api/sessions", {"title": f"session {i}"})
    if not shutil.which("wrk"):
        print("sessions: wrk is not installed (scripts/install-deps)")
        return None
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{DURATION}s", "-H", "Authorization: Bearer " + srv.token,
                          f"http://127.0.0.1:{srv.port}/api/sessions"], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"GET /api/sessions (20 sessions, wrk -t2 -c64 -d{DURATION}s): {rps:,.0f} req/s "
          f"(target >= 20,000), latency avg {lat.group(1)}, non-2xx {non2xx.group(1) if non2xx else 0}")
    return rps


def bench_streams(srv):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, N_STREAMS + 256)), hard))
    st, s = srv.api("POST", "/api/sessions", {"title": "streams"})
    sid = s["id"]
    before = srv.rss_kb()
    socks = []
    req = (f"GET /api/sessions/{sid}/events HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
           f"Authorization: Bearer {srv.token}\r\nAccept: text/event-stream\r\n\r\n").encode()
    for i in range(N_STREAMS):
        so = socket.create_connection(("127.0.0.1", srv.port))
        so.sendall(req)
        socks.append(so)
    ok = 0
    for so in socks:
        so.settimeout(10)
        buf = b""
        while b": connected" not in buf:
            chunk = so.recv(4096)
            if not chunk:
                break
            buf += chunk
        ok += b"200 OK" in buf and b": connected" in buf
    time.sleep(1)
    held = srv.rss_kb()
    print(f"{ok} of {N_STREAMS} idle SSE streams open: server RSS {held / 1024:.1f} MB in total "
          f"(target <= 50 MB; {before / 1024:.1f} MB before, {(held - before) / max(ok, 1):.1f} KB per stream)")
    for so in socks:
        so.close()
    return held


def pct(lat, q):
    return lat[min(len(lat) - 1, int(q * len(lat)))]


def baseline_latency():
    """The same provider read directly by this process: the loopback and
    scheduling floor the gateway's figure sits on (same machine, same run)."""
    prov = subprocess.Popen([sys.executable, "-c", PROVIDER, str(N_TOKENS), "0.005"],
                            stdout=subprocess.PIPE, text=True)
    try:
        pport = int(prov.stdout.readline())
        c = http.client.HTTPConnection("127.0.0.1", pport, timeout=60)
        c.request("POST", "/v1/chat/completions", body=b"{}")
        resp = c.getresponse()
        got = {}
        while True:
            line = resp.readline()
            now = time.monotonic_ns()
            if not line or line.startswith(b"data: [DONE]"):
                break
            if line.startswith(b"data: "):
                content = json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
                for tok in content.split():
                    got.setdefault(int(tok[1:]), now)
        c.close()
        sent = json.loads(prov.stdout.readline())
        return sorted((got[i] - sent[i]) / 1e6 for i in range(len(sent)) if i in got)
    finally:
        prov.kill()


def bench_latency(srv, ws):
    prov = subprocess.Popen([sys.executable, "-c", PROVIDER, str(N_TOKENS), "0.005"],
                            stdout=subprocess.PIPE, text=True)
    pport = int(prov.stdout.readline())
    srv.stop()
    s2 = Server(ws, env={"OPENAI_BASE_URL": f"http://127.0.0.1:{pport}/v1", "OPENAI_API_KEY": "x"})
    try:
        s2.api("PATCH", "/api/settings", {"default_model": "openai/gpt-4o"})
        st, s = s2.api("POST", "/api/sessions", {"title": "latency"})
        sid = s["id"]
        c = http.client.HTTPConnection("127.0.0.1", s2.port, timeout=60)
        c.request("GET", f"/api/sessions/{sid}/events", headers={"Authorization": "Bearer " + s2.token})
        resp = c.getresponse()
        got = {}
        s2.api("POST", f"/api/sessions/{sid}/messages", {"content": "stream please"})
        etype = None
        while True:
            line = resp.readline()
            now = time.monotonic_ns()
            if not line:
                break
            if line.startswith(b"event: "):
                etype = line[7:].strip().decode()
            elif line.startswith(b"data: ") and etype == "text_delta":
                for tok in json.loads(line[6:])["text"].split():
                    got.setdefault(int(tok[1:]), now)
            elif line.startswith(b"data: ") and etype == "run_end":
                break
        c.close()
        sent = json.loads(prov.stdout.readline())
        lat = sorted((got[i] - sent[i]) / 1e6 for i in range(len(sent)) if i in got)
        if not lat:
            print("latency: no tokens arrived")
            return None
        p = lambda q: pct(lat, q)
        base = baseline_latency()
        print(f"baseline, the provider read directly ({len(base)} tokens): p50 {pct(base, 0.5):.3f} ms, "
              f"p90 {pct(base, 0.9):.3f} ms, p99 {pct(base, 0.99):.3f} ms, max {base[-1]:.3f} ms")
        print(f"event latency provider token -> SSE client ({len(lat)} of {len(sent)} tokens): "
              f"p50 {p(0.5):.3f} ms, p90 {p(0.9):.3f} ms, p99 {p(0.99):.3f} ms (target <= 2 ms), "
              f"max {lat[-1]:.3f} ms, "
              f"mean {statistics.mean(lat):.3f} ms")
        return p(0.99)
    finally:
        prov.kill()
        s2.stop()


def main():
    ws = tempfile.mkdtemp(prefix="bx-bench-gw-")
    try:
        only = os.environ.get("BENCH_ONLY", "sessions,streams,latency").split(",")
        srv = Server(ws)
        if "sessions" in only:
            bench_sessions(srv)
        if "streams" in only:
            bench_streams(srv)
        if "latency" in only:
            bench_latency(srv, ws)
        else:
            srv.stop()
    finally:
        shutil.rmtree(ws, ignore_errors=True)


main()
