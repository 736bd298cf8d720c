#!/usr/bin/env bash
# Point action.yml at a prebuilt image: `image: Dockerfile` becomes `image: docker://IMAGE`.
# The release workflow (.github/workflows/release.yml) runs it on the release tag's commit, so a
# workflow that uses `ci-optimizer/ci-optimizer@vX.Y.Z` pulls the image instead of building it.
# The default branch keeps `image: Dockerfile`: its own workflows test the checked-out code.
#
#   scripts/pin-action-image.sh ghcr.io/acme/ci-optimizer:v1.2.3 [action.yml]
set -euo pipefail

image=${1:?usage: pin-action-image.sh IMAGE [ACTION_YML]}
action=${2:-action.yml}
# A registry reference must be lower case (GHCR takes the owner as GitHub spells it: lower it first).
if ! [[ $image =~ ^[a-z0-9.:-]+(/[a-z0-9._-]+)+(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$ ]]; then
  echo "pin-action-image: not a lower-case image reference with a tag or digest: $image" >&2
  exit 2
fi
count=$(grep -c '^  image: Dockerfile$' "$action" || true)
if [ "$count" != 1 ]; then
  echo "pin-action-image: $action has $count lines '  image: Dockerfile' (expected 1)" >&2
  exit 1
fi
sed -i "s|^  image: Dockerfile\$|  image: docker://$image|" "$action"
echo "pin-action-image: $action runs docker://$image"
