#!/bin/sh
# Sums up the test logs of one or more `make check` runs into one line:
#   LABEL: N passed, N failed, N skipped
# counting each Check test case, each pytest test, and each replayed fuzz
# corpus.  Usage: tests/summary.sh LABEL BUILDDIR...
label=$1
shift
for dir in "$@"; do
	find "$dir/tests" -name '*.log' ! -name 'test-suite.log' 2>/dev/null
done | sort | while read -r log; do
	trs=${log%.log}.trs
	res=$(sed -n 's/^:test-result: //p' "$trs" 2>/dev/null | head -n 1)
	case $log in
	*/unit/*)
		# Check: "100%: Checks: 25, Failures: 0, Errors: 0"
		sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log" |
		    awk -v res="$res" '{ p += $1 - $2 - $3; f += $2 + $3; n++ }
			END { if (n == 0) { if (res == "SKIP") print 0, 0, 1; else print 0, 1, 0 }
			      else print p, f, 0 }'
		;;
	*/run-integration.sh.log)
		# pytest: "== 40 passed, 1 failed, 3 skipped in 12.3s =="
		tail -n 5 "$log" | awk -v res="$res" '
			/ in [0-9.]+s/ {
				for (i = 1; i <= NF; i++) {
					v = $(i - 1) + 0
					if ($i ~ /^passed/) p += v
					else if ($i ~ /^(failed|errors?)/) f += v
					else if ($i ~ /^skipped/) s += v
				}
				seen = 1
			}
			END { if (!seen) { if (res == "SKIP") print 0, 0, 1; else print 0, 1, 0 }
			      else print p, f, s }'
		;;
	*)
		case $res in
		PASS|XFAIL) echo 1 0 0 ;;
		SKIP) echo 0 0 1 ;;
		*) echo 0 1 0 ;;
		esac
		;;
	esac
done | awk -v label="$label" '{ p += $1; f += $2; s += $3 }
	END { printf "%s: %d passed, %d failed, %d skipped\n", label, p, f, s }'
