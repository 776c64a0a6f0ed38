# file utilities and find/xargs/grep/sed/awk
mkdir -p src/sub && echo "int foo;" > src/a.c && echo "bar" > src/sub/b.c && echo x > src/c.h
find src -name '*.c' | sort
find src -type d | sort
find src -name '*.c' | xargs grep -l foo
find src -name '*.c' -exec cat {} \; | sort
find src -type f | wc -l
grep -rn foo src
grep -c . src/a.c
cp -r src dst && ls dst | sort
mv dst/c.h dst/d.h && ls dst
rm -r dst; ls
ln -s src/a.c link.c; cat link.c; readlink link.c
touch empty; [ -f empty ] && [ ! -s empty ] && echo "empty file"
[ -d src ] && echo "dir exists"
mkdir -p x/y/z && rmdir x/y/z && ls x
printf 'k=v\nname=box\n' | sed -n 's/^name=//p'
printf 'a 1\nb 2\n' | awk '{s += $2} END {print "sum", s}'
echo "abc123def" | grep -o '[0-9]\+'
echo "foo.bar" | sed 's/\./-/'
printf 'x\ny\n' | xargs -I{} echo "item {}"
echo "1 2 3 4" | xargs -n 2 echo
du -s src | cut -f2
basename "$(realpath -m src/../src/sub)"
stat -c '%s %n' src/a.c
