#!/bin/bash
# fixture.sh DIR: the input files the differential cases run on, made with
# the host's tools (fixed seeds, so the same on every run).
set -eu
cd "$1"
seq 1 100 > a
seq 1 100 | sed -e 's/^5$/five/' -e '/^50$/d' -e '80a extra' -e '$a tail' > b
printf 'x\ny' > c
printf 'x\nz' > d
: > e
printf 'a\n' > one
printf 'a\r\nb\r\n' > crlf
printf 'same\n' > s1; cp s1 s2
# binary inputs: every byte value, and a copy with one byte changed
awk 'BEGIN { for (i = 0; i < 1024; i++) printf "%c", i % 256 }' > bin1
cp bin1 bin2
printf 'Z' | dd of=bin2 bs=1 seek=700 conv=notrunc status=none
# pseudo-random text for diff: 20 pairs with edits at random places
awk 'BEGIN {
    srand(7)
    for (p = 0; p < 20; p++) {
        n = 20 + int(rand() * 200)
        fa = "ra" p; fb = "rb" p
        for (i = 0; i < n; i++) {
            l = "line " int(rand() * 30)
            print l > fa
            r = rand()
            if (r < 0.08) continue
            if (r < 0.16) print "new " int(rand() * 5) > fb
            print l > fb
            if (r > 0.95) print "added" > fb
        }
        close(fa); close(fb)
    }
}'
# directories for diff -r
mkdir -p da/sub db/sub da/onlya db/onlyb
printf '1\n2\n3\n' > da/f; printf '1\n2\n4\n' > db/f
echo same > da/same; echo same > db/same
echo x > da/sub/g; echo y > db/sub/g
echo a > da/onlyfile; echo b > db/onlyfile2
# a tree for tar
mkdir -p t/sub/deeper t/emptydir
echo hi > t/f
seq 1000 > t/sub/big
printf 'no newline' > t/sub/deeper/nn
: > t/zero
ln -s f t/link
chmod 600 t/f
L=$(printf 'x%.0s' $(seq 90))
mkdir -p "t/$L"
echo long > "t/$L/$L"
# JSON inputs
cat > j.json <<'J'
{"a":{"b":[1,2,{"c":"x"}]},"n":null,"t":true,"f":false,"s":"h\u00e9\"llo\n\t","num":[1.5,-0,1e100,123456789012,-3],"arr":[3,1,2],"objs":[{"k":"b","v":2},{"k":"a","v":1},{"k":"c","v":null}],"e":{},"ea":[]}
J
printf '{"id":1,"tags":["x","y"]}\n{"id":2,"tags":[]}\n{"id":3}\n' > lines.json
printf '[1,2,3] "s" {"k":[true]}\n null' > multi.json
head -c 3000 /dev/urandom > rnd
