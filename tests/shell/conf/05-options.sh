# set -e, -u, pipefail, traps
set -o pipefail
false | true; echo "pipefail: $?"
set +o pipefail
false | true; echo "no pipefail: $?"
(set -e; echo before; false; echo after); echo "errexit status $?"
(set -e; false || echo "or saves"; if false; then :; fi; echo survived)
(set -u; echo "${undefined_var:-fine}"; echo $undefined_var; echo unreachable) 2>/dev/null; echo "nounset status $?"
trap 'echo trapped exit' EXIT
echo body
