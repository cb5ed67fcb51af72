#!/bin/sh
# Integration tests: pytest + dnspython drive the real daemon against fake
# upstream servers on loopback (and, as root, in network namespaces of the
# tests' own).  Run by `make check` (Makefile.am exports BRISKDNS,
# top_srcdir, top_builddir) or by hand from any directory.
# Exit 77 (automake SKIP) only when pytest or dnspython is missing, or when
# BRISKDNS_SKIP_INTEGRATION is set (CI's make distcheck: the suite already
# ran on the same sources).

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${BRISKDNS:=$top_builddir/src/briskdns}"
case $BRISKDNS in /*) ;; *) BRISKDNS=$(pwd)/$BRISKDNS ;; esac
export BRISKDNS top_srcdir top_builddir

if [ -n "${BRISKDNS_SKIP_INTEGRATION:-}" ]; then
	echo "SKIP: BRISKDNS_SKIP_INTEGRATION is set"
	exit 77
fi
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import pytest, dns.message' 2>/dev/null; then
	echo "SKIP: $PYTHON lacks pytest or dnspython (python3-pytest, python3-dnspython)"
	exit 77
fi
if [ ! -x "$BRISKDNS" ]; then
	echo "FAIL: no daemon at $BRISKDNS" >&2
	exit 1
fi

exec "$PYTHON" -m pytest -q -rs -p no:cacheprovider "$top_srcdir/tests/integration" "$@"
