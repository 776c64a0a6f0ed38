"""bench_run.py: a whole `boxagnts run` process — two model turns and one
tool call (the embedded wasm `read`) against the fake LLM server — measured
for wall time and peak RSS, next to a bare `curl` round trip to the same
fake in the same run. Prints medians of N runs (default 20).

    python3 bench/agent/bench_run.py build/boxagnts [N]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "boxagnts")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20
SCRIPT = {"turns": [
    {"text": "Reading it.", "tool_calls": [{"id": "c1", "name": "read", "arguments": {"file_path": "notes.txt"}}],
     "usage": {"input": 900, "output": 20}},
    {"text": "The notes say hello.", "usage": {"input": 950, "output": 10}},
]}


def timed(cmd, env, stdin=subprocess.DEVNULL):
    """Wall ms, peak RSS KiB, exit code. The peak comes from GNU time: a
    child forked from this Python process would inherit its high-water mark."""
    with tempfile.NamedTemporaryFile("r") as out:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *cmd], stdin=stdin,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        dt = time.perf_counter() - t0
        rss = int(out.read().strip().splitlines()[-1] or 0)
    return dt * 1000, rss, p.returncode


def main():
    fake = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/fakes/fake_llm.py"), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    port = int(fake.stdout.readline())
    url = "http://127.0.0.1:%d" % port
    ws = tempfile.mkdtemp(prefix="bx-bench-run-")
    os.makedirs(os.path.join(ws, "root"))
    with open(os.path.join(ws, "root", "notes.txt"), "w") as f:
        f.write("hello\n")
    env = dict(os.environ, ANTHROPIC_BASE_URL=url, ANTHROPIC_API_KEY="bench")
    body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True,
                       "messages": [{"role": "user", "content": "hi"}]})
    runs, curls = [], []
    try:
        for i in range(N + 1):
            req = urllib.request.Request(url + "/_fake/script", data=json.dumps(SCRIPT).encode(), method="POST")
            urllib.request.urlopen(req).read()
            ms, rss, rc = timed([BIN, "--workspace-dir", ws, "run", "what do the notes say?",
                                 "--model", "anthropic/claude-sonnet-4-5", "--json"], env)
            if rc != 0:
                print("boxagnts run failed with exit %d" % rc)
                return 1
            if i:  # the first run creates the workspace and database
                runs.append((ms, rss))
            urllib.request.urlopen(urllib.request.Request(url + "/_fake/script", data=json.dumps(
                {"turns": [{"text": "hello", "usage": {"input": 5, "output": 1}}]}).encode(), method="POST")).read()
            ms, rss, rc = timed(["curl", "-s", "-N", "-o", "/dev/null", url + "/v1/messages",
                                 "-H", "content-type: application/json", "-H", "x-api-key: bench",
                                 "-H", "anthropic-version: 2023-06-01", "-d", body], env)
            if i:
                curls.append((ms, rss))
        reqs = json.loads(urllib.request.urlopen(url + "/_fake/requests").read())
        checksum = sum(len(json.dumps(r["body"])) for r in reqs)
    finally:
        fake.terminate()
        fake.wait()
        shutil.rmtree(ws, ignore_errors=True)
    rm = statistics.median(r[0] for r in runs)
    rr = statistics.median(r[1] for r in runs) / 1024
    cm = statistics.median(c[0] for c in curls)
    cr = statistics.median(c[1] for c in curls) / 1024
    print("boxagnts run (2 model turns, 1 wasm tool call), median of %d: %.1f ms wall, %.1f MiB peak RSS" % (N, rm, rr))
    print("bare curl round trip to the same fake,          median of %d: %.1f ms wall, %.1f MiB peak RSS" % (N, cm, cr))
    print("ratio run / curl: %.1fx time; run minus two curl round trips: %.1f ms" % (rm / cm, rm - 2 * cm))
    print("checksum (request bytes seen by the fake): %d" % checksum)
    return 0


if __name__ == "__main__":
    sys.exit(main())
