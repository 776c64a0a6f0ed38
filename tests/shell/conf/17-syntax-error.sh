# a syntax error stops the script where it is, after the lines before it ran
echo before
x=1; echo "same line as the error is not run" ; if
echo after
