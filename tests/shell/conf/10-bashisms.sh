# bash forms agents use: [[ ]], (( )), getopts, read, printf -v, local, traps
x=hello
[[ $x == h* ]] && echo "glob match"
[[ $x =~ ^h(el)lo$ ]] && echo "regex match"
[[ -n $x && ! -z $x ]] && echo "and/not"
[[ $x < world ]] && echo "string less"
[[ 10 -gt 9 ]] && echo "numeric"
(( 3 > 2 )) && echo "arith true"
(( 0 )) || echo "arith false"
i=0; while (( i < 3 )); do (( i++ )); done; echo "i=$i"
parse() { local OPTIND opt; while getopts "ab:c" opt; do case $opt in a) echo "opt a";; b) echo "opt b=$OPTARG";; c) echo "opt c";; esac; done; shift $((OPTIND-1)); echo "rest: $*"; }
parse -a -b val -c file1 file2
parse -ab x y
IFS=, read -r f1 f2 f3 <<< "one,two,three four"; echo "$f1|$f2|$f3"
read -r a b <<< "  lead  and   trail  "; echo "[$a][$b]"
printf -v out '%05d' 42; echo "$out"
counter() { local n=$1; n=$((n+1)); echo $n; }; n=5; counter $n; echo "n still $n"
outer() { local v=outer; inner; echo "after inner: $v"; }; inner() { v=changed; }; outer
f() { return 3; }; f; echo "rc=$?"
s="a-b-c"; echo "${s//-/_}" "${s/#a/A}" "${s/%c/C}"
arr_like="x y z"; for w in $arr_like; do printf '<%s>' "$w"; done; echo
echo $(( 7 * 6 )) $(( 2**8 )) $(( 17 % 5 )) $(( (1<<4) | 1 ))
case "file.tar.gz" in *.tar.gz|*.tgz) echo tarball;; esac
case Hello in [Hh]ello) echo "bracket";; esac
v=$(printf 'a\nb\n\n'); echo "[${v}]"
echo "${#v}"
str="The quick brown fox"; set -- $str; echo "$# words, third=$3"
echo "${str:4:5}" "${str: -3}" "${str::3}"
type cd | head -1; command -v cd
t=$( { echo out; echo err >&2; } 2>&1 ); echo "captured: $t"
eval 'echo eval works; z=9'; echo "z=$z"
let a=5+5; echo $a
echo "${UNSET_VAR:-$HOME}" | grep -c /
source /dev/null && echo sourced
mkdir -p deep/er && cd deep/er && basename "$PWD" && cd ../.. && ls -d deep
exit 7
