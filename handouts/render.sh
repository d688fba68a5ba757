#!/usr/bin/env bash
# render.sh - `make handouts`: every handout as a standalone HTML page, the
# diagrams drawn from their Graphviz sources, and an index page.
#
# usage: handouts/render.sh [OUTPUT]      (default build/handouts)
#
# Sources: handouts/NN-topic.md (the handouts), handouts/diagrams/*.dot
# (Graphviz) and *.gp (gnuplot scripts that read the measured data beside
# them and write SVG to stdout): one picture each, referred to in a
# handout as ![alt](img/NAME.svg);
# style.css and links.lua (x.md links become x.html).  Each page embeds
# its pictures and style, so it can be opened or mailed on its own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../build/handouts}")
cd "$here"
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

# One line per lab for the index: its title and the paragraph under it.
index="$out/index.md"
{
    echo "---"
    echo "title: \"IPC lab kit — handouts\""
    echo "---"
    echo
    echo "Work through the labs in order.  Each page is the lab's handout:"
    echo "what to learn, the exact specification, one step per TODO in the"
    echo "skeleton, and how to test with \`make grade LAB=NN\`."
    echo
    echo "| lab | handout |"
    echo "|---|---|"
} >"$index"

for md in [0-9][0-9]-*.md; do
    name=$(basename "$md" .md)
    title=$(sed -n 's/^# //p' "$md" | head -1)
    pandoc "$md" --from markdown --to html5 --standalone --toc --toc-depth=2 \
        --shift-heading-level-by=-1 --metadata lang=en \
        --css style.css --lua-filter links.lua \
        --resource-path=".:$out" --self-contained \
        --output "$out/$name.html" 2> >(grep -v 'deprecated' >&2)
    line=$(awk 'f && NF && !/^#/ && !/^!/ {print; exit} /^# / {f = 1}' "$md" |
        sed 's/|/\\|/g' | cut -c1-200)
    echo "| ${name%%-*} | [$title]($name.html) — $line |" >>"$index"
done
pandoc "$index" --from markdown --to html5 --standalone --metadata lang=en \
    --css style.css --resource-path=. --self-contained \
    --output "$out/index.html" 2> >(grep -v 'deprecated' >&2)
rm "$index"
echo "handouts: $(ls "$out"/[0-9][0-9]-*.html | wc -l) pages, $(ls "$out"/img/*.svg | wc -l) pictures in $out (open index.html)"
