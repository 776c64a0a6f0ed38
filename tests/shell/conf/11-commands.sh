# more utilities against GNU coreutils
mkdir -p t/sub && printf 'abc\n' > t/a.txt && printf 'xyz\n' > t/sub/b.txt && touch t/.hid
ls t; ls -a t; ls -1 t/sub; ls -R t; ls -d t
ls t/a.txt t/nonexist 2>/dev/null; echo "ls=$?"
printf 'one\ntwo\n\nthree\n' > l
nl l; nl -b a l; nl -n rz -w 3 l; nl -s ': ' l
wc -L l; wc -w l; wc -m l
cat -n l; cat -b l; cat -s l; cat -A l | head -3
head -n -2 l; tail -n +2 l; tail -c 4 l
printf 'b\na\nc\n' | sort -r | head -1
printf '1\n2\n3\n4\n5\n6\n' | paste - - -
printf '1\n2\n3\n' | paste -s -d: 
printf 'key value\n' | awk '{print $2}'
echo "a b c" | cut -d' ' -f2-
echo "abcdef" | cut -c2,4-5
echo "hello world" | tr -s 'lo' && echo "HELLO" | tr 'A-Z' 'a-z' && echo "a1b2" | tr -cd '0-9'; echo
printf '%s\n' c b a b | sort | uniq
printf 'a\na\nb\n' | uniq -c
seq 0 2 10 | tr '\n' ' '; echo
seq 5 -1 1 | tr '\n' ' '; echo
expr_like=$((5 + 3)); echo $expr_like
echo "x" | sed -e 's/x/y/' -e 's/y/z/'
dirname /usr/lib/x.so; dirname x; dirname /; basename /usr/; basename -s .c a.c b.c
env -i A=1 B=2 | sort
A=5 printenv A
which cat grep | wc -l
date -d @0 +%Y-%m-%d; date -u -d @86400 '+%H:%M %d'
printf 'z\ny\n' > u1; sort u1 -o u1; cat u1
echo abc | od -An -c
touch -d '2020-01-02 03:04:05' tf; stat -c %Y tf
du -b t/a.txt | cut -f1
yes abc | head -n 3
printf 'line\n' | tee t1 t2 >/dev/null; cat t1 t2
fold -w 3 <<< "abcdefgh"
expand <<< $'a\tb'
rev <<< "racecar level"
tac <<< $'1\n2\n3'
printf '3\n1\n2\n' | sort -n | tail -1
