# sed, awk and jq against GNU sed, gawk and jq 1.6
printf 'hello world\nfoo bar\nbaz\n' > s.txt
sed 's/o/0/' s.txt
sed 's/o/0/g' s.txt
sed -n '2p' s.txt
sed '2d' s.txt
sed -n '/foo/,$p' s.txt
sed 's/\(hel*\)o/[\1]/' s.txt
sed -E 's/(w)(o)/\2\1/g' s.txt
sed '1i\
top' s.txt
sed '$a end' s.txt
sed = s.txt
sed -n '$=' s.txt
sed 'y/abc/ABC/' s.txt
sed '$!N;s/\n/ /' s.txt
sed -e 's/a/A/' -e 's/b/B/' s.txt
sed '/foo/c\replaced' s.txt
sed 's/x*/-/g' <<< abc
sed 's/x*/-/g' <<< xab
sed 's/[aeiou]/\U&/g' s.txt
sed -n 'h;n;G;p' s.txt
sed '2q' s.txt
cp s.txt s2.txt; sed -i 's/baz/BAZ/' s2.txt; cat s2.txt
seq 10 | sed -n '3,5p'
seq 10 | sed '0~3d'
seq 5 | sed -n '2,+1p'
printf 'a\nb' | sed 's/b/c/'
echo 'a.b.c' | sed 's/\./-/2'
echo "path/to/file" | sed 's|/|_|g'
seq 3 | sed ':a;N;$!ba;s/\n/,/g'
printf 'alice 30 NY\nbob 25 LA\ncarol 35 NY\n' > p.txt
awk '{print $1}' p.txt
awk '{s+=$2} END {print s, NR}' p.txt
awk -F' ' '$3=="NY" {print $1, $2*2}' p.txt
awk '{count[$3]++} END {print count["NY"], count["LA"]}' p.txt
awk 'NR==2' p.txt
awk '{printf "%-6s|%5.1f\n", $1, $2}' p.txt
awk 'BEGIN {x = 3; y = x ^ 2; print y, -2^2, 7%3, 10/4}'
awk -v n=5 'BEGIN {for (i=1;i<=n;i++) s = s i; print s}'
echo "a:b:c" | awk -F: '{print $2, NF}'
echo "a b c" | awk '{$2 = "X"; print; print NF}'
awk 'length($1) > 3' p.txt
awk '{ sub(/o/, "0"); print }' p.txt
awk '{ gsub(/[aeiou]/, "#", $1); print $1 }' p.txt
echo "hello world" | awk '{print toupper($0), length, substr($0, 2, 3), index($0, "wor")}'
awk 'BEGIN { n = split("a,b,c", arr, ","); print n, arr[1], arr[3] }'
awk 'function f(x) { return x * 2 } BEGIN { print f(21) }'
awk '/bob/,/carol/ {print "R:" $1}' p.txt
echo "x" | awk '{ if ($1 == "x") print "yes"; else print "no" }'
awk 'BEGIN { while (i < 3) { i++; print i } }'
awk 'BEGIN { print match("foobar", /o+/), RSTART, RLENGTH }'
awk 'BEGIN { printf "%d %s %c\n", "42abc", 3.0, 65 }'
seq 5 | awk 'NR % 2 == 0 { next } { print }'
awk 'END { print $0 }' p.txt
echo "3 4" | awk '{ print $1 * $2, $1 $2, ($1 < $2) }'
awk 'BEGIN { a["x"]=1; delete a["x"]; print length(a); print ("x" in a) }'
printf '10\n9\n100\n' | awk '$1 > 9'
awk 'BEGIN { print 1e6, 0.1 + 0.2, 100000 * 100000, 1/3 }'
awk 'BEGIN { OFS="-" } { $1 = $1; print }' p.txt
seq 3 | awk '{ lines[NR] = $0 } END { for (i = NR; i > 0; i--) print lines[i] }'
echo "a,b;c" | awk -F'[,;]' '{ print $3 }'
awk 'BEGIN { "echo hi" | getline x; print x }'
awk 'BEGIN { print substr("hello", 0, 2), substr("hello", -1), substr("hello", 4) }'
echo '{"a":1,"b":[1,2,3],"c":{"d":"x"}}' > j.json
jq . j.json
jq -c . j.json
jq .a j.json
jq '.b[]' j.json
jq -r '.c.d' j.json
jq '.b | length' j.json
jq 'keys' j.json
jq '.b | map(. * 2)' j.json
jq '[.b[] | select(. > 1)]' j.json
jq -c '{x: .a, y: .c.d}' j.json
echo '[{"n":"b","v":2},{"n":"a","v":1}]' | jq -c 'sort_by(.n)'
echo '[{"n":"b","v":2},{"n":"a","v":1}]' | jq -r '.[] | "\(.n)=\(.v)"'
echo '[1,2,3]' | jq 'add'
echo '{"a":1}' | jq '.b // "default"'
echo '{"a":1}' | jq -c 'to_entries'
echo '[3,1,2]' | jq -c 'sort, reverse, min, max, unique'
echo '"a,b,c"' | jq -c 'split(",")'
echo '["a","b"]' | jq -r 'join("-")'
echo '{"a":{"b":1}}' | jq -c '.a.b = 5'
echo '{"a":[1,2]}' | jq -c '.a |= map(. + 1)'
echo '{"a":1,"b":2}' | jq -c 'del(.a)'
echo '[1,2,3]' | jq 'reduce .[] as $x (0; . + $x)'
jq -n '1 + 2 * 3'
jq -n --arg x hi '$x'
jq -n '[range(5)]' -c
echo '{"a":"x"}' | jq 'has("a"), has("b")'
echo '[1,[2,[3]]]' | jq -c 'flatten'
echo '"hello"' | jq 'test("l+")'
echo '[{"a":1},{"a":2},{"a":1}]' | jq -c 'group_by(.a) | map(length)'
echo '{"a":1}' | jq 'if .a == 1 then "one" else "other" end'
echo '[1,2]' | jq -c '[.[] | tostring]'
echo '{"k":"v"}' | jq -c 'with_entries(.value |= ascii_upcase)'
echo '[1,2,3]' | jq '.[1:]' -c
echo '1 2 3' | jq -s -c .
echo '{"a":[{"b":1},{"b":2}]}' | jq '.a[].b'
echo '["x","y"]' | jq -r '@csv'
echo '{"a":null}' | jq '.a | type'
jq -n '"\(1+1) items"'
echo '{"a": 1.5, "b": 1e3}' | jq -c .
echo '[1,2,3]' | jq 'first, last'
echo '{"a":1}' | jq -e '.b'; echo "e=$?"
