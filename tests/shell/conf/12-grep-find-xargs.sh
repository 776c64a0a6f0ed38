# grep, find and xargs options against GNU grep and findutils
mkdir -p g/sub g/skip && printf 'Alpha one\nbeta two\nalpha three\ngamma\nALPHA four\n' > g/a.txt
printf 'nothing here\nalphabet\n' > g/sub/b.txt; printf 'alpha\n' > g/skip/c.txt; printf 'x\n' > g/d.log
grep -i alpha g/a.txt; grep -c alpha g/a.txt; grep -ci alpha g/a.txt
grep -w alpha g/a.txt g/sub/b.txt; grep -x gamma g/a.txt; grep -v a g/a.txt
grep -n -e beta -e gamma g/a.txt; grep -E 'one|two' g/a.txt; grep -F 'a.t' g/a.txt; echo "F=$?"
grep -o 'al[a-z]*' g/a.txt; grep -h alpha g/a.txt g/sub/b.txt; grep -H gamma g/a.txt
grep -l alpha g/a.txt g/sub/b.txt g/d.log; grep -L alpha g/a.txt g/sub/b.txt g/d.log
grep -A1 beta g/a.txt; grep -B1 gamma g/a.txt; grep -C1 three g/a.txt
grep -m1 -i alpha g/a.txt; grep -q beta g/a.txt && echo "q found"; grep -q zzz g/a.txt; echo "q=$?"
grep -r alpha g | sort; grep -r --include='*.txt' -l alpha g | sort; grep -r --exclude-dir=skip -l alpha g | sort
grep 'a\(l\)p' g/a.txt; grep -E 'a(l)p' g/a.txt; grep '^[A-Z]' g/a.txt; grep 'o$' g/a.txt
grep nothing g/missing.txt 2>/dev/null; echo "missing=$?"
grep -s nothing g/missing.txt; echo "s=$?"
echo "abc" | grep -c ''
find g -type f | sort; find g -name '*.txt' -newer g/d.log | sort > /dev/null; find g -maxdepth 1 | sort
find g -mindepth 2 -type f | sort; find g -type f -name '*.log' -o -name 'b*' | sort
find g -path '*sub*' | sort; find g -iname 'A.TXT'; find g -type f -size -1k | wc -l
find g -empty | sort; find g -type f -exec wc -l {} + | sort | tail -1
find g -name '*.txt' -print0 | xargs -0 -n1 basename | sort
find g -type d -name skip -prune -o -type f -print | sort
find g -name 'c.txt' -delete; ls g/skip | wc -l
printf 'a b\nc\n' | xargs; printf 'a b\nc\n' | xargs -L1 echo line; printf 'x y z' | xargs -n2
printf '1\n2\n' | xargs -I % sh_true_%; echo "xi=$?"
echo | xargs -r echo none; echo "r=$?"
