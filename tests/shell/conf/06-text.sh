# text utilities vs GNU coreutils
printf 'banana\napple\ncherry\napple\n' > fruit
sort fruit; sort -r fruit; sort -u fruit; sort fruit | uniq -c
printf '10\n9\n100\n-1\n' | sort -n
printf 'b 2\na 10\nc 1\n' | sort -k2,2n
printf 'x,3\ny,1\nz,2\n' | sort -t, -k2
head -2 fruit; tail -1 fruit; head -c 3 fruit; echo
wc -l fruit; wc -c < fruit; wc fruit
cut -c1-3 fruit; echo "a:b:c" | cut -d: -f2,3
echo "hello" | tr 'a-y' 'b-z'; echo "aabbcc" | tr -s 'a-c'; echo "hello world" | tr -d 'lo'
echo "hello" | rev; tac fruit; nl fruit
printf 'a\tb\n' | expand -t 4
echo "a long line of text here" | fold -w 10
paste -d, fruit fruit | head -2
seq 3 > n1; seq 2 4 > n2; comm n1 n2; comm -12 n1 n2
printf 'a 1\nb 2\n' > j1; printf 'a x\nb y\n' > j2; join j1 j2
printf 'abc' | od -c; printf 'AB' | od -A x -t x1
seq 10 | split -l 4 - part; cat partaa; ls part*
uniq -d fruit; sort fruit | uniq -u
seq 1 3 10; seq -s, 5; seq -w 8 10
echo abc | tee tee.out | tr a-z A-Z; cat tee.out
basename /a/b/c.txt .txt; dirname /a/b/c.txt
yes | head -3
