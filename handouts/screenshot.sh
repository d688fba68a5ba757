#!/usr/bin/env bash
# screenshot.sh - `make screenshot`: render one handout page in headless
# Chromium and save a PNG, so a person can look at the result without a
# browser.  Optional: make test does not need it.
#
# usage: handouts/screenshot.sh [PAGE] [OUTPUT.png]
#        (default: build/handouts/01-pipe.html -> build/handouts/01-pipe.png)
set -euo pipefail
cd "$(dirname "$0")/.."
page=$(realpath "${1:-build/handouts/01-pipe.html}")
out=$(realpath -m "${2:-${page%.html}.png}")
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "screenshot: no Chromium; install it with: apt-get install chromium" >&2
    exit 1
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network, no first-run or background services: a page from disk only.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size=1100,1600 \
    --screenshot="$out" "file://$page" >/dev/null 2>&1
[ -s "$out" ] || { echo "screenshot: Chromium wrote nothing" >&2; exit 1; }
echo "screenshot: $out"
