"""The CLI front door and the first listener: flags, refusals, /healthz and a
clean stop on SIGINT and SIGTERM."""
import os
import signal
import tempfile

from bxtest import Server, run_cli, run_all, test


@test
def version_and_help():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("boxagnts "), r
    r = run_cli("--help")
    assert r.returncode == 0 and "--workspace-dir" in r.stdout and "serve" in r.stdout


@test
def bad_flags_print_usage_and_exit_2():
    for args in (["--bogus"], ["--port", "99999"], ["--port", "x"], ["--log-level", "loud"],
                 ["nosuchcommand"], ["--workspace-dir"]):
        r = run_cli(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "usage:" in r.stderr, (args, r.stderr)


@test
def non_loopback_host_needs_admin_credentials():
    with tempfile.TemporaryDirectory() as w:
        r = run_cli("--workspace-dir", w, "--host", "0.0.0.0")
        assert r.returncode == 2, r
        assert "--admin-user" in r.stderr
        # nothing was created for a refused start
        assert not os.path.exists(os.path.join(w, ".boxagnts"))


@test
def healthz_answers_and_sigint_stops_cleanly():
    s = Server()
    status, body = s.json("GET", "/healthz")
    assert status == 200 and body["status"] == "ok", body
    assert body["version"] and body["uptime_ms"] >= 0
    status, body = s.json("GET", "/api/nope")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = s.json("GET", "/nope.png")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _, page = s.request("GET", "/some/dashboard/route")
    assert status == 200 and b"<!doctype html>" in page  # the dashboard's own routes
    status, body = s.json("POST", "/healthz", body={})
    assert status == 405 and body["error"]["code"] == "method_not_allowed"
    ws = s.workspace
    for d in ("root", "extensions/tools", "extensions/skills", ".boxagnts"):
        assert os.path.isdir(os.path.join(ws, d)), d
    assert s.stop() == 0
    assert any("shutting down" in line for line in s.log)


@test
def global_options_after_the_subcommand():
    s = Server("serve", "--log-level", "debug")
    status, _ = s.json("GET", "/healthz")
    assert status == 200
    assert s.stop(signal.SIGTERM) == 0


run_all()
