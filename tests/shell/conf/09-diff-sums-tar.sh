# diff, cmp, base64, digests and tar against GNU diffutils, coreutils and tar
printf 'a\nb\nc\nd\ne\n' > m1; printf 'a\nB\nc\nd\nE\nf\n' > m2
diff m1 m2; echo "st=$?"
diff -u m1 m2 | tail -n +3; echo "st=$?"
diff m1 m1; echo "same=$?"
diff -q m1 m2; echo "q=$?"
printf 'x\n' > n1; printf 'x' > n2; diff n1 n2; echo "nl=$?"
mkdir da db; echo 1 > da/f; echo 2 > db/f; echo only > da/g; diff -r da db; echo "r=$?"
seq 1 20 > s1; seq 1 20 | sed 's/^10$/ten/' > s2; diff -u s1 s2 | tail -n +3
cmp m1 m2; echo "cmp=$?"; cmp -s m1 m1; echo "cmps=$?"
echo "hello world" | base64; echo "aGVsbG8gd29ybGQK" | base64 -d
printf "a%.0s" $(seq 75) | base64 -w 20; cat /dev/null; diff /dev/null m1 | head -2
echo -n abc | sha256sum; echo -n abc | md5sum; sha256sum m1 m2; md5sum m1
sha256sum m1 > sums; sha256sum -c sums
tar cf t.tar da db; tar tf t.tar; mkdir out; tar xf t.tar -C out; cat out/da/f out/db/f
tar cvf - m1 m2 2>/dev/null | tar tv 2>/dev/null | wc -l
