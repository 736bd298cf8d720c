#!/bin/sh
# The example's tests: they run inside the tester stage, so a failing test fails the build.
set -eu
greet=$1
fail() { echo "FAIL: $*"; exit 1; }
[ "$("$greet" ci)" = "Hello, ci!" ] || fail "greet ci"
[ "$("$greet")" = "Hello, world!" ] || fail "greet with no name"
"$greet" --health || fail "health check"
echo "ok - 3 tests passed"
