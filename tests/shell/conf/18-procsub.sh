# process substitution <(cmd)
diff <(printf 'a\nb\n') <(printf 'a\nc\n'); echo "rc=$?"
c=0; while read -r l; do c=$((c+1)); done < <(seq 5); echo "c=$c"
cat <(echo one) <(echo two)
comm -12 <(printf 'x\ny\n') <(printf 'y\nz\n')
paste <(seq 3) <(seq 4 6)
wc -l < <(printf 'no newline at end')
grep -c b <(printf 'ab\nb\nc\n')
