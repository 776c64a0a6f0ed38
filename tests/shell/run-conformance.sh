#!/bin/bash
# run-conformance.sh: every tests/shell/conf/NAME.sh runs in a fresh empty
# directory under the host's /bin/bash and under our shell (native, and as
# wasm under node:wasi and `boxagnts wasm run` when available); stdout plus
# the exit status must equal conf/NAME.out for each. So the suite is both a
# conformance test against expected output and a differential test against
# a real bash. Set BX_UPDATE=1 to rewrite the .out files from /bin/bash.
set -u
src=${BX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
native=$(realpath "${BX_BASH_NATIVE:?BX_BASH_NATIVE: path of bash-native}")
wasm=${BX_BASH_WASM:-}
bin=${BX_BIN:-}
conf=$src/tests/shell/conf
fail=0 pass=0
export LC_ALL=C HOME=/ TZ=UTC
unset CDPATH BASH_ENV ENV

run() { # run KIND SCRIPTFILE -> stdout + "exit=N" on stdout
    local kind=$1 file=$2 dir out rc
    dir=$(mktemp -d)
    case $kind in
    host) (cd "$dir" && /bin/bash -c "$(cat "$file")" 2>/dev/null); rc=$? ;;
    native) (cd "$dir" && "$native" -c "$(cat "$file")" 2>/dev/null); rc=$? ;;
    node) (cd "$dir" && node --no-warnings "$src/tests/shell/wasi-run.mjs" "$wasm" -c "$(cat "$file")" 2>/dev/null); rc=$? ;;
    sandbox) (cd "$dir" && "$bin" wasm run --dir "$dir::/" "$wasm" -- -c "$(cat "$file")" 2>/dev/null); rc=$? ;;
    esac
    echo "exit=$rc"
    rm -rf "$dir"
}

kinds="host native"
if [ -n "$wasm" ] && [ -f "$wasm" ] && command -v node >/dev/null; then
    kinds="$kinds node"
else
    echo "note: wasm under node:wasi skipped (no $wasm or no node)"
fi
if [ -n "$bin" ] && [ -x "$bin" ] && [ -n "$wasm" ] && [ -f "$wasm" ] &&
   "$bin" wasm run --help >/dev/null 2>&1; then
    kinds="$kinds sandbox"
fi

for f in "$conf"/*.sh; do
    name=$(basename "$f" .sh)
    exp=$conf/$name.out
    if [ "${BX_UPDATE:-0}" = 1 ]; then
        run host "$f" > "$exp"
    fi
    if [ ! -f "$exp" ]; then
        echo "FAIL $name: no expected output $exp"
        fail=$((fail + 1))
        continue
    fi
    for k in $kinds; do
        got=$(run "$k" "$f")
        if [ "$got" == "$(cat "$exp")" ]; then
            pass=$((pass + 1))
        else
            echo "FAIL $name under $k:"
            diff <(echo "$got") "$exp" | head -20
            fail=$((fail + 1))
        fi
    done
done
echo "shell conformance ($kinds): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
