#!/usr/bin/env bash
# render.sh - `make handouts`: every handout as a standalone HTML page, the
# diagrams drawn from their Graphviz sources, and an index page.
#
# usage: handouts/render.sh [OUTPUT [PAGE...]]   (default build/handouts,
#        every page; PAGE is a name like 04-fifo: only those pages, and
#        the index, are rendered again)
#
# Sources: handouts/NN-topic.md (the handouts), handouts/diagrams/*.dot
# (Graphviz) and *.gp (gnuplot scripts that read the measured data beside
# them and write SVG to stdout): one picture each, referred to in a
# handout as ![alt](img/NAME.svg);
# style.css; links.lua (x.md links become x.html), page.lua (navigation,
# folded contents, the command above each sample) and index.lua (the
# index's table).  Each page embeds its pictures and style, so it can be
# opened or mailed on its own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../build/handouts}")
shift $(($# > 0 ? 1 : 0))
cd "$here"
all=$(ls [0-9][0-9]-*.md | sed 's/\.md$//' | tr '\n' ' ')
todo=${*:-$all}
for name in $todo; do
    [ -f "$name.md" ] || { echo "render: no handout $name.md (pages: $all)" >&2; exit 1; }
done
mkdir -p "$out/img"

for tool in pandoc dot; do
    command -v $tool >/dev/null || {
        echo "render: $tool is missing; run: ../tests/deps.sh docs" >&2
        exit 1
    }
done

for src in diagrams/*.dot; do
    dot -Tsvg "$src" -o "$out/img/$(basename "$src" .dot).svg"
done
for src in diagrams/*.gp; do
    [ -f "$src" ] || continue
    command -v gnuplot >/dev/null || {
        echo "render: gnuplot is missing; run: ../tests/deps.sh bench" >&2
        exit 1
    }
    (cd diagrams && gnuplot "$(basename "$src")") >"$out/img/$(basename "$src" .gp).svg"
done

# Each page knows every page, for its navigation bar and its links to
# other labs.
for name in $todo; do
    pandoc "$name.md" --from markdown --to html5 --standalone \
        --shift-heading-level-by=-1 --metadata lang=en \
        --metadata page="$name" --metadata pages="$all" \
        --css style.css --lua-filter links.lua --lua-filter page.lua \
        --resource-path=".:$out" --self-contained \
        --output "$out/$name.html" 2> >(grep -v 'deprecated' >&2)
done

# The index: index.lua fills the #labs div from the handouts themselves.
pandoc --from markdown --to html5 --standalone --metadata lang=en \
    --metadata pages="$all" --lua-filter index.lua \
    --css style.css --resource-path=. --self-contained \
    --output "$out/index.html" 2> >(grep -v 'deprecated' >&2) <<'EOF'
---
title: "IPC lab kit — handouts"
---

Work through the labs in order.  Each page is the lab's handout:
what to learn, the exact specification, one step per TODO in the
skeleton, and how to test with `make grade LAB=NN`.

::: {#labs}
:::
EOF
echo "handouts: $(wc -w <<<"$todo") pages, $(ls "$out"/img/*.svg | wc -l) pictures in $out (open index.html)"
