#!/usr/bin/env bash
# screenshot.sh - `make screenshot`: render handout pages in headless
# Chromium and save a PNG of each, the whole page from top to bottom, so a
# person can look at the result without a browser.  Optional: make test
# does not need it.
#
# usage: handouts/screenshot.sh [--top] PAGE.html...
#        each PAGE.html -> PAGE.png beside it; --top: only the first
#        1600 px, as a reader sees the page when it opens.
set -euo pipefail
top=0
[ "${1:-}" = --top ] && { top=1; shift; }
[ $# -gt 0 ] || set -- build/handouts/01-pipe.html
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "screenshot: no Chromium; install it with: apt-get install chromium" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
width=1100
# No network, no first-run or background services: a page from disk only.
chrome() {
    "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --force-device-scale-factor=1 --user-data-dir="$tmp/profile" \
        --virtual-time-budget=5000 "$@" 2>/dev/null
}
for page in "$@"; do
    page=$(realpath "$page")
    out=${page%.html}.png
    height=1600
    if [ $top -eq 0 ]; then
        # Headless Chromium shoots only its window, so the window is made as
        # tall as the page: a copy of the page says its height once its
        # pictures are laid out, and the DOM dump shows it.
        sed 's|</body>|<script>onload = () => document.body.dataset.height = document.documentElement.scrollHeight;</script></body>|' \
            "$page" >"$tmp/page.html"
        height=$(chrome --window-size=$width,1600 --dump-dom "file://$tmp/page.html" |
            grep -o 'data-height="[0-9]*"' | grep -o '[0-9]*' || true)
        [ -n "$height" ] || { echo "screenshot: could not measure $page" >&2; exit 1; }
    fi
    rm -f "$out"
    chrome --window-size=$width,"$height" --screenshot="$out" "file://$page" >/dev/null
    [ -s "$out" ] || { echo "screenshot: Chromium wrote nothing for $page" >&2; exit 1; }
    echo "screenshot: $out ($width x $height)"
done
