#!/bin/sh
# Renders the card page with headless Chromium into docs/images/salesforce-card-ja.png.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size=430,500 \
    --screenshot="$repo/docs/images/salesforce-card-ja.png" "file://$here/out/salesforce-card-ja.html"
