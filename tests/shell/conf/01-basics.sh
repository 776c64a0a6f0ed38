# words, quoting, variables
echo hello   world
echo 'single  quoted' "double  quoted" $'ansi\tc\x41'
x=5; y="a b"; echo "$x" $y "${y}" '$x'
echo "nested $(echo "inner $x")" `echo back`
echo \$x \\ \"q\"
printf '%s|%d|%5.2f|%x|%o|%c|%%\n' str 42 3.14159 255 8 A
printf '%-5s|%5s|\n' ab cd
printf '%s\n' a b c
printf '%b\n' 'tab\there'
echo -n "no newline"; echo
echo -e 'a\nb'
v=
echo "[${v:-default}] [${v-unset}] [${undefined-unset}] [${x:+alt}]"
: ${z:=assigned}; echo "$z"
s=hello.tar.gz
echo ${#s} ${s%.*} ${s%%.*} ${s#*.} ${s##*.} ${s/l/L} ${s//l/L} ${s:1:3} ${s: -2}
echo ${s^^} ${s^} ${s,,}
path=/usr/local/bin/tool
echo ${path##*/} ${path%/*}
unset x; echo "[${x}]"
a=1 b=2; echo $((a + b * 3)) $(( (a+b)*3 )) $((10 / 3)) $((10 % 3)) $((2 ** 10)) $((-7 / 2))
echo $((a++)) $a $((++a)) $((a -= 1)) $((a > 1 ? 100 : 200)) $((0x10)) $((010)) $((2#101))
n=3; (( n += 2 )); echo $n
let "m = n * 2"; echo $m
