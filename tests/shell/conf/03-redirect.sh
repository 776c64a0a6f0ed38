# redirections, here-docs, pipes
echo one > f1; echo two >> f1; cat f1
cat < f1 | wc -l
echo err >&2 2>/dev/null
ls nonexistent 2>/dev/null || echo "ls failed"
{ echo out; echo err >&2; } 2>&1 | sort
cat <<EOT
here $HOME-doc
  indented
EOT
cat <<'EOT'
no $expansion here
EOT
cat <<-EOT
	tab stripped
	EOT
x=world; cat <<< "here string $x"
wc -w <<< "a b c d"
exec 3>f3; echo to3 >&3; exec 3>&-; cat f3
echo both &> f4; cat f4
(echo a; echo b) > f5; cat f5
read line < f1; echo "read: $line"
while read -r l; do echo "line: $l"; done < f1
printf 'a b c\n' | { read x y; echo "$x|$y"; }
echo "$(cat f1 | tr a-z A-Z)"
seq 5 | tail -2
echo piped | (read v; echo "got $v")
