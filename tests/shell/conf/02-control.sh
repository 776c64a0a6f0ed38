# control flow
for i in 1 2 3; do echo "i=$i"; done
for w in a b; do for v in x y; do echo "$w$v"; done; done
n=0; while [ $n -lt 3 ]; do n=$((n+1)); echo "n=$n"; done
until [ $n -eq 0 ]; do n=$((n-1)); done; echo "after until $n"
for ((i=0; i<3; i++)); do echo "c-style $i"; done
if true; then echo yes; fi
if false; then echo no; elif [ 1 = 1 ]; then echo elif; else echo else; fi
case "hello.txt" in *.sh) echo shell;; *.txt) echo text;; *) echo other;; esac
case x in a|x) echo "a or x";; esac
case abc in a*) echo first;& b*) echo fall;; c*) echo never;; esac
for i in 1 2 3 4 5; do if [ $i = 2 ]; then continue; fi; if [ $i = 4 ]; then break; fi; echo $i; done
for i in 1 2; do for j in 1 2; do if [ $j = 2 ]; then continue 2; fi; echo "$i$j"; done; done
true && echo and1; false && echo and2; false || echo or1; true || echo or2
! false && echo negated
{ echo group1; echo group2; } | cat
(echo sub; exit 3); echo "sub status $?"
x=outer; (x=inner; echo $x); echo $x
f() { echo "f args: $# $1 $2"; return 7; }
f a "b c"; echo "ret $?"
g() { local x=local; echo $x; }; x=global; g; echo $x
fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
fact 6
set -- one two three; echo $# "$1" "$@"; shift; echo "$*"
for arg in "$@"; do echo "arg: $arg"; done
count() { echo $#; }; count "$@"; count $*; count "$*"; count
echo last status: $?
