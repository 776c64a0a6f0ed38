# running scripts: ./file.sh, bash file, bash -c, sh -c, a script on stdin
cat > build.sh <<'EOF'
#!/bin/bash
set -e
echo "building $1 with $# args"
x=inner
exit 4
EOF
chmod +x build.sh
./build.sh a b; echo "rc=$?"; echo "x=${x-unset}"
bash build.sh c; echo "rc=$?"
bash -c 'echo "in -c: $0 $1"; exit 3' name arg; echo "rc=$?"
sh -c 'echo sh works'
./missing.sh 2>/dev/null; echo "missing=$?"
echo 'echo from stdin; echo "args: $#"' | bash
bash -e -c 'false; echo not reached'; echo "e=$?"
printf 'f() { echo "lib $1"; }\n' > lib.sh; . ./lib.sh; f loaded
