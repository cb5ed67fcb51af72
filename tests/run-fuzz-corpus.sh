#!/bin/sh
# run-fuzz-corpus.sh: replay every fuzz corpus through its target (make
# check).  A crash or sanitizer report fails the test; so does a missing
# replay program for a corpus that exists.
#
# make check exports top_srcdir and top_builddir; run by hand from the
# source directory (sh tests/run-fuzz-corpus.sh) both default to ".".
# A corpus directory that does not exist (yet) is skipped.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-$top_srcdir}
status=0
ran=0

for target in query answer config cache ippkt ifaddr hosts; do
	corpus="$top_srcdir/tests/fuzz/corpus/$target"
	replay="$top_builddir/tests/fuzz/replay_$target"
	if [ ! -d "$corpus" ]; then
		echo "SKIP: $target: no corpus in $corpus"
		continue
	fi
	if [ ! -x "$replay" ]; then
		echo "FAIL: $target: $replay not built (make check builds it)"
		status=1
		continue
	fi
	if "$replay" "$corpus"; then
		echo "PASS: $target"
		ran=$((ran + 1))
	else
		echo "FAIL: $target: $replay exited $?"
		status=1
	fi
done

# Nothing replayed at all is a setup error, not a pass (77: skip).
if [ $status -eq 0 ] && [ $ran -eq 0 ]; then
	exit 77
fi
exit $status
