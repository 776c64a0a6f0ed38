# globbing, field splitting, special parameters
mkdir d; touch d/a.txt d/b.txt d/c.log d/.hidden
echo d/*.txt
echo d/?.log
echo d/[ab].txt
echo d/*.none
for f in d/*; do echo "file $f"; done
echo "d/*.txt"
IFS=:; v="a:b:c"; for p in $v; do echo "part $p"; done; unset IFS
v="  spaced   out  "; echo [$v]; echo ["$v"]
arr="x y z"; set -- $arr; echo $#
echo "$0" > /dev/null
echo $((1+1))$((2+2))
e=""; set -- "$e" $e; echo $#
set -- a b c; echo "${@:2}" "${#@}"
q="it's"; echo "$q" "${q}s"
echo ~ | grep -c /
x=abc; echo ${x/b/\*}
y='*'; echo "$y" 
echo $(( $(echo 3) + 4 ))
echo "a`echo b`c"
echo $(echo $(echo nested))
