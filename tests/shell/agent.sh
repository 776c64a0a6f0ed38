#!/bin/bash
# agent.sh: an agent under the fake LLM runs a multi-line script through the
# bash tool in `boxagnts run` (issue 9's "done when"): the model's tool call
# creates files with a loop and a here-string, greps them and lists them;
# the test checks the tool result the model got back and the files on disk.
set -u
bin=${BX_BIN:?BX_BIN: path of boxagnts}
src=${BX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }
work=$(mktemp -d)
fake_pid=
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/ws/root"
cat > "$work/script.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "call_1", "name": "bash", "arguments": {"command":
   "mkdir -p src\nfor i in 1 2 3; do\n  echo \"int f$i(void) { return $i; }\" > src/f$i.c\ndone\nn=$(grep -l 'return 2' src/*.c | wc -l)\necho \"matches: $n\"\nls src | sort | tr '\\n' ' '\nwc -l < src/f3.c"}}]},
 {"text": "Created three files."}
]}
JSON
python3 "$src/tests/fakes/fake_llm.py" --port 0 --script "$work/script.json" > "$work/port" 2> "$work/fake.err" &
fake_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port")
[ -n "$port" ] || { echo "FAIL: the fake LLM did not start"; cat "$work/fake.err"; exit 1; }
out=$(OPENAI_BASE_URL=http://127.0.0.1:$port/v1 OPENAI_API_KEY=test timeout 120 \
      "$bin" --workspace-dir "$work/ws" run "make three C files" --model openai/gpt-4o \
      --permission-mode bypass --json 2>&1)
rc=$?
fail=0
want='matches: 1\nf1.c f2.c f3.c 1\n'
case "$out" in *"\"content\":\"$want\""*) ;; *) echo "FAIL: tool result not found in the run's events"; fail=1 ;; esac
for i in 1 2 3; do
    grep -q "return $i;" "$work/ws/root/src/f$i.c" 2>/dev/null || { echo "FAIL: src/f$i.c missing"; fail=1; }
done
[ "$rc" -eq 0 ] || { echo "FAIL: boxagnts run exited $rc"; fail=1; }
if [ $fail -ne 0 ]; then
    printf '%s\n' "$out" | tail -20
    exit 1
fi
echo "shell agent: the bash tool ran the model's script"
