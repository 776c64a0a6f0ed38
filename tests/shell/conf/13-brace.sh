# brace expansion: lists, sequences, nesting, and where it does not apply
echo a{b,c}d {1..5} {a..e} {5..1} {1..10..3} x{,y} {a,b}{1,2}
echo "{a,b}" '{1..3}' ${HOME:+{x,y}} \{a,b\}
mkdir -p br/{src,test}/{a,b}; find br | sort
echo {a,{b,c}}z file.{c,h} {x} {} a{b}c {1..a}
for i in {1..3}; do echo "n$i"; done
x=3; echo {1..$x}
