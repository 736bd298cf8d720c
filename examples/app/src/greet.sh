#!/bin/sh
# greet NAME: print a greeting. `--health` answers the HEALTHCHECK.
set -eu
case "${1:-}" in
  --health) exit 0 ;;
esac
echo "Hello, ${1:-world}!"
