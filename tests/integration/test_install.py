"""make install: a staged install (DESTDIR + PREFIX) puts the one binary in
PREFIX/bin, and that copy runs on its own: --version, and `tool list` with the
embedded tools, from a directory that is not the build tree."""
import os
import subprocess
import sys
import tempfile

build = os.environ["BX_BINARY_DIR"]
with tempfile.TemporaryDirectory() as stage:
    prefix = "/opt/boxagnts-test"
    env = dict(os.environ, DESTDIR=stage)
    r = subprocess.run(["cmake", "--install", build, "--prefix", prefix], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"cmake --install failed: {r.stderr}")
    installed = os.path.join(stage, prefix.lstrip("/"), "bin", "boxagnts")
    if not os.access(installed, os.X_OK):
        sys.exit(f"no executable at {installed}; staged: {list(os.walk(stage))}")
    # Nothing else is installed: the binary carries everything.
    files = [os.path.join(d, f) for d, _, fs in os.walk(stage) for f in fs]
    if files != [installed]:
        sys.exit(f"expected only the binary, got {files}")
    v = subprocess.run([installed, "--version"], capture_output=True, text=True, cwd=stage)
    if v.returncode != 0 or not v.stdout.startswith("boxagnts "):
        sys.exit(f"--version: rc={v.returncode} out={v.stdout!r} err={v.stderr!r}")
    with tempfile.TemporaryDirectory() as ws:
        t = subprocess.run([installed, "--workspace-dir", ws, "tool", "list"],
                           capture_output=True, text=True, cwd=ws)
        if t.returncode != 0 or "read" not in t.stdout or "bash" not in t.stdout:
            sys.exit(f"tool list: rc={t.returncode} out={t.stdout!r} err={t.stderr!r}")
print("install: 1 passed, 0 failed")
