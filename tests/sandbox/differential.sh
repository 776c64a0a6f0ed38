#!/bin/sh
# differential.sh RUNNER GUEST.wasm NODE_SCRIPT: runs the diff guest under
# `boxagnts wasm run` (RUNNER) and under Node's node:wasi on two identical
# trees, then requires identical stdout, exit code and resulting tree.
set -u
runner=$1 guest=$2 node_script=$3
command -v node >/dev/null || { echo "node is required for the differential tests"; exit 1; }
t=$(mktemp -d /tmp/bx-diff-XXXXXX)
trap 'rm -rf "$t"' EXIT
for side in bx node; do
  mkdir -p "$t/$side/fixture/sub/deeper"
  printf 'alpha\n' > "$t/$side/fixture/one.txt"
  printf 'beta beta\n' > "$t/$side/fixture/sub/two.txt"
  : > "$t/$side/fixture/sub/deeper/empty"
  ln -s one.txt "$t/$side/fixture/link"
done
seq 1 20000 > "$t/stdin"
"$runner" run --dir "$t/bx::/" --env FOO=bar --env ZED=last --env "A_FIRST=with spaces and = sign" \
  "$guest" first "second arg" ünïcödé < "$t/stdin" > "$t/bx.out" 2> "$t/bx.err"
bx_rc=$?
node --no-warnings "$node_script" "$guest" "$t/node" first "second arg" ünïcödé < "$t/stdin" > "$t/node.out" 2> "$t/node.err"
node_rc=$?
fail=0
if [ "$bx_rc" != "$node_rc" ]; then echo "exit codes differ: boxagnts $bx_rc, node $node_rc"; fail=1; fi
if ! diff -u "$t/node.out" "$t/bx.out"; then echo "stdout differs (- node, + boxagnts)"; fail=1; fi
(cd "$t/bx" && find . -printf '%p %y %s\n' | sort) > "$t/bx.tree"
(cd "$t/node" && find . -printf '%p %y %s\n' | sort) > "$t/node.tree"
if ! diff -u "$t/node.tree" "$t/bx.tree"; then echo "trees differ"; fail=1; fi
if [ ! -s "$t/bx.out" ] || ! grep -q "slept at least 10ms 1" "$t/bx.out"; then
  echo "guest did not run to the end"; cat "$t/bx.err"; fail=1
fi
lines=$(wc -l < "$t/bx.out")
[ $fail = 0 ] && echo "differential: $lines lines of output, exit $bx_rc, trees identical under boxagnts and node:wasi"
exit $fail
