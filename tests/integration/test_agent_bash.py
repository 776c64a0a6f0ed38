"""Issue 9's end-to-end check: an agent under the fake LLM runs multi-line
scripts through the sandboxed `bash` tool in `boxagnts run`, and the
model sees their combined output and exit code. Also: the script cannot
reach outside the root tree, and an endless loop is stopped."""
import json
import os

from bxtest import test, run_all, Fake, workspace, run, events, call, say

MODEL = "anthropic/claude-sonnet-4-5"

SCRIPT = """set -e
mkdir -p src
for n in 1 2 3; do
  printf 'int f%d(void) { return %d; }\\n' "$n" "$n" > "src/f$n.c"
done
count=$(find src -name '*.c' | wc -l)
echo "files: $count"
grep -l 'return 2' src/*.c
cat src/*.c | awk '{ s += $5 } END { print "sum:", s }'
if [ "$count" -gt 2 ]; then echo big; else echo small; fi
"""


def tool_results(fake):
    """Every tool_result text the model was sent, in order."""
    out = []
    for r in fake.requests():
        body = r.get("body") or {}
        for m in body.get("messages", []):
            content = m.get("content")
            if not isinstance(content, list):
                continue
            for block in content:
                if block.get("type") == "tool_result":
                    c = block.get("content")
                    if isinstance(c, list):
                        c = "".join(x.get("text", "") for x in c)
                    out.append((block.get("tool_use_id"), c, block.get("is_error", False)))
    return out


@test
def multi_line_script_runs_in_the_sandbox():
    ws = workspace()
    fake = Fake({"turns": [call("b1", "bash", {"command": SCRIPT}, "Running it."),
                           say("Done.")]})
    try:
        p = run(fake, ws, "make three files and count them", "--model", MODEL,
                "--permission-mode", "bypass", "--json")
        assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
        ev = events(p.stdout)
        ends = [e for e in ev if e["type"] == "tool_end" and e["tool"] == "bash"]
        assert len(ends) == 1 and not ends[0]["is_error"], ends
        out = ends[0]["content"]
        for want in ("files: 3", "src/f2.c", "sum: 6", "big"):
            assert want in out, (want, out)
        # the files are really in the root tree, and the model saw the output
        for n in (1, 2, 3):
            assert os.path.exists(os.path.join(ws, "root", "src", f"f{n}.c"))
        results = tool_results(fake)
        assert any("files: 3" in (c or "") for _, c, _ in results), results
    finally:
        fake.close()


@test
def failing_script_reports_its_exit_code_to_the_model():
    ws = workspace()
    script = "echo before\nfalse\necho never\n"
    fake = Fake({"turns": [call("b1", "bash", {"command": "set -e\n" + script}), say("ok")]})
    try:
        p = run(fake, ws, "x", "--model", MODEL, "--permission-mode", "bypass", "--json")
        assert p.returncode == 0, p.stderr[-2000:]
        end = [e for e in events(p.stdout) if e["type"] == "tool_end"][0]
        assert end["is_error"] and "before" in end["content"] and "never" not in end["content"], end
        assert end["metadata"].get("exit_code") == 1, end
    finally:
        fake.close()


@test
def scripts_cannot_leave_the_root_and_loops_are_stopped():
    ws = workspace()
    with open(os.path.join(ws, "secret.txt"), "w") as f:
        f.write("top secret")
    escape = "cat ../secret.txt; cat /../secret.txt; ls / ; echo done"
    loop = "while true; do :; done"
    fake = Fake({"turns": [call("b1", "bash", {"command": escape}),
                           call("b2", "bash", {"command": loop, "timeout_ms": 1500}),
                           say("ok")]})
    try:
        p = run(fake, ws, "x", "--model", MODEL, "--permission-mode", "bypass", "--json",
                timeout=120)
        assert p.returncode == 0, p.stderr[-2000:]
        ends = [e for e in events(p.stdout) if e["type"] == "tool_end"]
        assert len(ends) == 2, ends
        assert "top secret" not in ends[0]["content"] and "done" in ends[0]["content"], ends[0]
        assert ends[1]["is_error"], ends[1]
        assert "top secret" not in json.dumps(fake.requests())
    finally:
        fake.close()


run_all()
