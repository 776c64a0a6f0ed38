"""First run: with no provider key and no local server, GET /api/providers
says nothing is ready and `boxagnts run` says where a key or a base URL
goes, before any message is sent; once a local OpenAI-compatible server's
base URL is given (the fake LLM stands in for Ollama), both say it is
ready and a run goes through it. The machine's own keys are removed from
the environment so the test sees a first run whatever the developer has."""
import json
import os
import socket
import subprocess

from bxtest import BIN, Fake, Server, run_all, say, test, workspace

LOCAL_DEFAULTS = [11434, 1234, 8080, 8000]  # ollama, lm-studio, llama.cpp, vllm


def clean_env():
    e = {k: v for k, v in os.environ.items()
         if not (k.endswith("_API_KEY") or k.endswith("_BASE_URL") or k in
                 ("OLLAMA_HOST", "AZURE_OPENAI_ENDPOINT"))}
    return e


def something_listens():
    for port in LOCAL_DEFAULTS:
        s = socket.socket()
        s.settimeout(0.2)
        try:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return port
        finally:
            s.close()
    return None


def start(ws):
    # Server() adds os.environ; start it with the clean one instead.
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(clean_env())
    try:
        return Server(workspace=ws)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@test
def nothing_ready_then_a_local_server():
    busy = something_listens()
    ws = workspace()
    fake = Fake({"default": say("hello from the local server")})
    try:
        srv = start(ws)
        try:
            status, body = srv.api("GET", "/api/providers")
            assert status == 200, body
            ids = [p["id"] for p in body["providers"]]
            for want in ("openai", "anthropic", "ollama", "vllm", "llama.cpp"):
                assert want in ids, ids
            assert not any("sk-" in json.dumps(p) for p in body["providers"])
            ollama = next(p for p in body["providers"] if p["id"] == "ollama")
            assert ollama["local"] and ollama["openai_compatible"], ollama
            if busy is None:
                assert body["ready"] is False, body
                assert body.get("default_model_ready") is False, body
            # The dashboard's base-URL field writes settings.providers.<id>.base_url.
            status, _ = srv.api("PATCH", "/api/settings",
                                {"providers": {"ollama": {"base_url": fake.url + "/v1"}}})
            assert status == 200
            status, body = srv.api("GET", "/api/providers")
            ollama = next(p for p in body["providers"] if p["id"] == "ollama")
            assert ollama["ready"] and ollama["base_url_set"], ollama
            assert ollama["base_url"] == fake.url + "/v1", ollama
            assert body["ready"] is True
            # A key set through the API lands under the preset's name
            # (openai-responses shares OPENAI_API_KEY) and is never returned.
            status, r = srv.api("PUT", "/api/providers/openai-responses/key", {"api_key": "sk-first-run"})
            assert status == 200 and r["key_name"] == "OPENAI_API_KEY", r
            status, body = srv.api("GET", "/api/providers")
            assert "sk-first-run" not in json.dumps(body)
            assert next(p for p in body["providers"] if p["id"] == "openai")["key_set"]
            status, r = srv.api("PUT", "/api/providers/nope/key", {"api_key": "x"})
            assert status == 404, r
        finally:
            srv.stop()
    finally:
        fake.close()


@test
def run_says_where_keys_go_before_sending():
    if something_listens():
        print("skip run_says_where_keys_go_before_sending: a local model server listens here")
        return
    ws = workspace()
    fake = Fake({"default": say("hi")})
    try:
        p = subprocess.run([BIN, "--workspace-dir", ws, "run", "hello"], capture_output=True,
                           text=True, env=clean_env(), timeout=60, stdin=subprocess.DEVNULL)
        assert p.returncode != 0, p
        assert "No model provider is set up yet" in p.stderr, p.stderr
        assert os.path.join(ws, ".boxagnts", "secrets.json") in p.stderr, p.stderr
        assert "ANTHROPIC_API_KEY" in p.stderr and "base_url" in p.stderr, p.stderr
        assert fake.requests() == [], "nothing may be sent"
        # With a local server's base URL in settings, the same run goes through.
        with open(os.path.join(ws, ".boxagnts", "settings.json"), "w") as f:
            json.dump({"providers": {"ollama": {"base_url": fake.url + "/v1"}}}, f)
        p = subprocess.run([BIN, "--workspace-dir", ws, "run", "--model", "ollama/llama3", "hello"],
                           capture_output=True, text=True, env=clean_env(), timeout=60,
                           stdin=subprocess.DEVNULL)
        assert p.returncode == 0, p.stderr
        assert "hi" in p.stdout, p.stdout
        # Without --model, the default (anthropic) still has no key: the
        # help now names the provider that is ready.
        p = subprocess.run([BIN, "--workspace-dir", ws, "run", "hello"], capture_output=True,
                           text=True, env=clean_env(), timeout=60, stdin=subprocess.DEVNULL)
        assert p.returncode != 0 and "Providers ready now: ollama" in p.stderr, p.stderr
    finally:
        fake.close()


run_all()
