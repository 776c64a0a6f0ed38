# here-documents inside command substitutions (commit-message style)
msg=$(cat <<'EOF'
Fix the parser (again)

It's the "quoted" case: ) and ' must not end the substitution.
EOF
)
echo "$msg" | head -1; echo "$msg" | wc -l
n=$(cat <<EOF | wc -l
one $((1+1))
two
EOF
)
echo "lines: $n"
v=$(cat <<-END
	indented (tab) text
	END
); echo "[$v]"
echo "$(echo 'a<<b') $(cat <<<"h(i)")"
f() { cat <<EOF
in function: $1
EOF
}; out=$(f arg); echo "$out"
