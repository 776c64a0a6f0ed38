#!/bin/bash
# differential.sh: diff, cmp, base64, sha256sum, md5sum, tar and jq of the
# sandboxed shell against the host's GNU diffutils, coreutils, tar and jq.
# Each line of cases.txt is a script run in a fresh copy of one fixture
# directory under the host's /bin/bash (GNU tools) and under our shell —
# natively and as wasm under node:wasi when available; stdout plus the exit
# status must be identical (stderr is not compared: message wording differs
# by design). pending.txt holds cases that diverge today, each under a note
# naming the defect; BX_PENDING=1 runs those instead and reports which match.
set -u
src=${BX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
native=$(realpath "${BX_BASH_NATIVE:?BX_BASH_NATIVE: path of bash-native}")
wasm=${BX_BASH_WASM:-}
[ -n "$wasm" ] && [ -f "$wasm" ] && wasm=$(realpath "$wasm")
here=$src/tests/shell-cmds
export LC_ALL=C HOME=/ TZ=UTC
unset CDPATH BASH_ENV ENV
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fx=$work/fx
mkdir "$fx"
"$here/fixture.sh" "$fx" || { echo "FAIL: fixture"; exit 1; }

kinds="host native"
if [ -n "$wasm" ] && [ -f "$wasm" ] && command -v node >/dev/null; then
    kinds="$kinds node"
else
    echo "note: wasm under node:wasi skipped (no $wasm or no node)"
fi
for t in diff cmp base64 sha256sum md5sum tar jq; do
    command -v "$t" >/dev/null || { echo "FAIL: host has no $t"; exit 1; }
done

run() { # run KIND SCRIPT -> stdout + "exit=N"
    local kind=$1 script=$2 dir=$work/run rc
    rm -rf "$dir"
    cp -a "$fx" "$dir"
    case $kind in
    host) (cd "$dir" && timeout 60 /bin/bash -c "$script" </dev/null 2>/dev/null); rc=$? ;;
    native) (cd "$dir" && timeout 60 "$native" -c "$script" </dev/null 2>/dev/null); rc=$? ;;
    node) (cd "$dir" && timeout 60 node --no-warnings "$src/tests/shell/wasi-run.mjs" "$wasm" -c "$script" </dev/null 2>/dev/null); rc=$? ;;
    esac
    echo "exit=$rc"
}

list=$here/cases.txt
[ "${BX_PENDING:-0}" = 1 ] && list=$here/pending.txt
pass=0 fail=0 n=0
while IFS= read -r line || [ -n "$line" ]; do
    case $line in ''|'#'*) continue ;; esac
    n=$((n + 1))
    want=$(run host "$line")
    for k in ${kinds#host }; do
        got=$(run "$k" "$line")
        if [ "$got" == "$want" ]; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "DIFF under $k: $line"
            diff <(echo "$want") <(echo "$got") | head -12
        fi
    done
done < "$list"
echo "shell-cmds differential ($(basename "$list"), $n cases, kinds: $kinds): $pass matched, $fail diverged"
[ "$fail" -eq 0 ]
