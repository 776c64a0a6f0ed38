#!/bin/bash
# hostile.sh: inputs meant to hurt the shell — fork bombs written as
# functions, infinite loops, deep recursion, huge here-documents, a glob over
# 100,000 files, output floods, expansion bombs, paths trying to leave the
# root. Each must stop cleanly (a message and a status, never a crash or a
# hang); the host's `timeout` is only a backstop that fails the case.
set -u
native=$(realpath "${BX_BASH_NATIVE:?BX_BASH_NATIVE: path of bash-native}")
wasm=${BX_BASH_WASM:-}
src=${BX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export LC_ALL=C HOME=/
fail=0 pass=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check NAME WANT_STATUS WANT_TEXT -- command...: output (stdout+stderr)
# must contain WANT_TEXT and the status must be WANT_STATUS ("nz" = any
# non-zero); a status of 124 from the backstop timeout is a failure.
check() {
    local name=$1 want=$2 text=$3
    shift 4
    local out rc
    out=$(cd "$work" && timeout 120 "$@" 2>&1)
    rc=$?
    local ok=1
    if [ "$rc" -ge 128 ] || { [ "$rc" -eq 124 ] && [ "$want" != 124 ]; }; then ok=0; fi
    if [ "$want" = nz ]; then [ "$rc" -ne 0 ] || ok=0; else [ "$rc" -eq "$want" ] || ok=0; fi
    case "$out" in *"$text"*) ;; *) ok=0 ;; esac
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        echo "FAIL $name: status $rc (want $want), output:"
        printf '%s\n' "$out" | head -c 600
        echo
        fail=$((fail + 1))
    fi
}

S=$native
check forkbomb nz "nest" -- $S -c ':(){ :|:& };:'
check recursion nz "nest" -- $S -c 'f() { f; }; f'
check mutual nz "nest" -- $S -c 'a() { b; }; b() { a; }; a'
check loop 124 "timeout" -- $S --timeout-ms 300 -c 'while :; do :; done'
check loop-pipe 124 "timeout" -- $S --timeout-ms 300 -c 'yes | while read l; do :; done'
check loop-awk 124 "timeout" -- $S --timeout-ms 300 -c 'awk "BEGIN { while (1) x++ }"'
check sleep-cap 124 "timeout" -- $S --timeout-ms 300 -c 'sleep 100'
check timeout-builtin 0 "124" -- $S -c 'timeout 0.2 sh_loop 2>/dev/null; f() { while :; do :; done; }; timeout 0.2 f; echo $?'
check expansion-bomb nz "exceeds" -- $S -c 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'
check brace-bomb nz "brace expansion" -- $S -c 'echo {1..10000000}'
check brace-product nz "brace expansion" -- $S -c 'echo {a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}'
check subst-nesting nz "too deep" -- $S -c 'f() { echo $(f); }; f'
check eval-nesting nz "" -- $S -c 'f() { eval f; }; f'
check pipe-cap nz "too large" -- $S -c 'yes | sort'
check parse-depth 2 "nesting too deep" -- $S -c "$(printf '{ %.0s' $(seq 3000))"
check subshell-depth nz "" -- $S -c 'f() { ( f ); }; f'
# a 5 MiB here-document is fine; a script over the 16 MiB cap is refused
big=$(head -c 5000000 /dev/zero | tr '\0' 'x')
printf 'wc -c <<EOF\n%s\nEOF\n' "$big" > "$work/heredoc.sh"
check heredoc 0 "5000001" -- $S "$work/heredoc.sh"
head -c 17000000 /dev/zero | tr '\0' '#' > "$work/huge.sh"
check huge-script 127 "too large" -- $S "$work/huge.sh"
# 100,000 files: glob, count, remove
mkdir "$work/many" && (cd "$work/many" && seq 100000 | sed 's/^/f/' | xargs touch)
check glob-100k 0 "100000" -- $S -c 'cd many && echo * | wc -w'
check find-100k 0 "100000" -- $S -c 'find many -type f | wc -l'
check rm-100k 0 "gone" -- $S -c 'rm -r many && [ ! -e many ] && echo gone'
# output floods stop at the cap with a marker in tool mode
check flood-tool 1 "output truncated" -- $S --command 'yes'
check flood-tool-exit 1 "exit_code" -- $S --command 'while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done'
check flood-pipe 0 "y" -- $S -c 'yes | head -1'
check seq-stream 0 "1000000" -- $S -c 'seq 1000000 | tail -1'
check unknown-cmd 127 "command not found" -- $S -c 'nosuchcmd'
check unknown-tool 1 "Available commands" -- $S --command 'nosuchcmd'
check tool-timeout 1 "timeout" -- $S --json '{"command":"while :; do :; done","timeout_ms":300}'
# lexical .. never rises above the root
check dotdot 0 "/" -- $S -c 'cd /; cd ../../..; pwd'

# tar: an archive that plants a symlink and then writes through it must not
# reach the link's target; the other members still extract.
mkdir -p "$work/tarx/outside" "$work/tarx/ex"
python3 - "$work/tarx" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
with tarfile.open(d + "/evil.tar", "w") as t:
    ti = tarfile.TarInfo("l"); ti.type = tarfile.SYMTYPE; ti.linkname = d + "/outside"; t.addfile(ti)
    for name, body in (("l/pwn", b"pwned\n"), ("ok/file", b"fine\n")):
        ti = tarfile.TarInfo(name); ti.size = len(body); t.addfile(ti, io.BytesIO(body))
PY
check tar-symlink-plant 2 "goes through a symbolic link" -- $S -c "cd tarx/ex && tar xf ../evil.tar; s=\$?; cat ok/file; exit \$s"
if [ -e "$work/tarx/outside/pwn" ]; then echo "FAIL tar-symlink-plant: wrote through the link"; fail=$((fail + 1)); fi

if [ -n "$wasm" ] && [ -f "$wasm" ] && command -v node >/dev/null; then
    W="node --no-warnings $src/tests/shell/wasi-run.mjs $wasm"
    mkdir -p "$work/root/sub" && echo inside > "$work/root/sub/f"
    export BX_WASI_ROOT=$work/root
    check wasm-forkbomb nz "nest" -- $W -c ':(){ :|:& };:'
    check wasm-recursion nz "nest" -- $W -c 'f() { f; }; f'
    check wasm-awk-recursion nz "" -- $W -c 'awk "function f(x) { return f(x) } BEGIN { f(1) }"'
    check wasm-loop 124 "timeout" -- $W --timeout-ms 300 -c 'while :; do :; done'
    check wasm-escape-dotdot 1 "No such file" -- $W -c 'cat ../../../etc/passwd'
    check wasm-escape-abs 1 "No such file" -- $W -c 'cat /etc/passwd'
    check wasm-escape-cd 0 "inside" -- $W -c 'cd /..; cd ../..; cat sub/f'
    check wasm-escape-symlink nz "" -- $W -c 'ln -s /etc e 2>/dev/null; cat e/passwd'
    # node's stdout pipe is non-blocking for wasi: collect into a file
    check wasm-flood 0 "output truncated" -- bash -c "$W --command yes > flood.json; grep -c 'output truncated' flood.json >/dev/null && grep -o 'output truncated' flood.json | head -1"
    unset BX_WASI_ROOT
fi
echo "shell hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
