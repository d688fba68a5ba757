#!/usr/bin/env bash
# check-handouts.sh - the handouts say what the code does.  For each lab:
#   - handouts/NN-topic.md exists and has the standard sections;
#   - its "### Step" headings and the skeleton's TODOs match one to one
#     (a heading names its TODO as "TODO n", and the file when the lab has
#     TODOs in more than one file: "### Step 4 (fifoc.c, TODO 1)");
#   - every file it names in `backticks` exists, every `make TARGET` is a
#     target, every ./program in a session is a program of the kit;
#   - every block marked <!-- output: COMMAND --> shows what COMMAND
#     prints today, run with the solution's programs (stdout and stderr
#     together).  <!-- output, numbers vary: COMMAND --> compares with every
#     run of digits replaced by '#';
#   - every picture ![alt](img/NAME.svg) has alt text and a source
#     handouts/diagrams/NAME.dot (Graphviz) or NAME.gp (gnuplot), fits the
#     page's column (about 550 pt) when drawn, and a Graphviz record has no
#     `|` meant as text (O_RDONLY|O_CREAT) left unescaped;
#   - every <!-- output: ... --> marker is right above its fenced block,
#     no code span outside a table has `\|`, and the handout names no
#     file a student does not have (solutions/, tests/kit ...);
# and, given rendered pages (--html DIR), every internal link resolves,
# no code shows `\|`, every sample shows its command, every page has its
# navigation bar and folded contents, and the index lists every page with
# a link and a blurb of whole sentences.
#
# usage: tests/kit/check-handouts.sh [--root KIT] [--html DIR] [LAB...]
# Prints "ok"/"FAIL" lines; exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
html=""
while [ $# -gt 0 ]; do
    case $1 in
    --root) root=$(cd "$2" && pwd); shift 2 ;;
    --html) html=$2; shift 2 ;;
    *) break ;;
    esac
done
cd "$root" || exit 2
labs=("$@")
if [ ${#labs[@]} -eq 0 ]; then
    for d in labs/[0-9][0-9]-*; do labs+=("$(basename "$d")"); done
fi
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Everything a handout may name with `make X`.
targets=" $(sed -n 's/^\([a-z][a-z-]*\):.*/\1/p' Makefile mk/lab.mk | sort -u | tr '\n' ' ') "
allprogs=" $(cat labs/*/Makefile | sed -n 's/^PROGS *= *//p' | tr '\n' ' ') "

for lab in "${labs[@]}"; do
    md="handouts/$lab.md"
    if [ ! -s "$md" ]; then bad "$lab: no handout $md"; continue; fi
    # Prose only: fenced blocks removed (they hold sessions and code).
    awk '/^```/ {f = !f; next} !f' "$md" >"$tmp/prose"

    # 1. The standard sections, in the words a reader looks for.
    # (awk over the files, not a grep per name: every process started
    # costs milliseconds here, and make test checks sixteen handouts.)
    missing=$(awk -v want="Objectives Background Specification Steps Hints Test Cleanup Questions" '
        BEGIN { n = split(want, w, " ") }
        /^##+ / { line = tolower($0); for (i = 1; i <= n; i++) if (index(line, tolower(w[i]))) got[i] = 1 }
        END { for (i = 1; i <= n; i++) if (!got[i]) printf " %s", w[i] }' "$md")
    [ -z "$missing" ] && ok "$lab: handout has every section" ||
        bad "$lab: handout lacks sections:$missing"

    # 2. Steps <-> TODOs, one to one: "FILE N" for every TODO of the
    # skeleton, and for every step heading (the file it names, or the
    # lab's first file with TODOs when it names none).
    awk 'match($0, /\/\* TODO [0-9]*:/) {
            f = FILENAME; sub(/.*\//, "", f)
            print f, substr($0, RSTART + 8, RLENGTH - 9)
        }' labs/"$lab"/*.[ch] >"$tmp/code"
    onefile=$(sort -u "$tmp/code" | awk 'NR == 1 {print $1}')
    awk -v one="$onefile" '/^###+ +Step/ {
            n = 0; num = ""; s = $0
            while (match(s, /TODO [0-9]+/)) {
                n++; num = substr(s, RSTART + 5, RLENGTH - 5); s = substr(s, RSTART + RLENGTH)
            }
            f = ""
            if (match($0, /[A-Za-z0-9_]+\.[ch]([^A-Za-z0-9_]|$)/)) {
                f = substr($0, RSTART, RLENGTH); sub(/[^A-Za-z0-9_]$/, "", f)
            }
            if (f == "") f = one
            if (n != 1) print "BAD " $0; else print f, num
        }' "$md" >"$tmp/doc"
    if grep -q '^BAD' "$tmp/doc"; then
        bad "$lab: step headings that do not name exactly one TODO: $(grep '^BAD' "$tmp/doc" | cut -c5- | tr '\n' ';')"
    fi
    grep -v '^BAD' "$tmp/doc" | sort >"$tmp/doc.s"
    sort "$tmp/code" >"$tmp/code.s"
    if [ ! -s "$tmp/code.s" ]; then
        bad "$lab: the skeleton has no TODO"
    elif cmp -s "$tmp/doc.s" "$tmp/code.s"; then
        ok "$lab: $(wc -l <"$tmp/code.s") steps match the skeleton's TODOs one to one"
    else
        bad "$lab: steps and TODOs differ (< in the handout only, > in the skeleton only):"
        diff "$tmp/doc.s" "$tmp/code.s" | grep '^[<>]' | sed 's/^/       /'
    fi

    # 3. Files, make targets and programs the handout names.
    problems=""
    while IFS= read -r name; do
        case $name in
        /* | *'<'* | *'*'* | *' '* | *'$'*) continue ;;  # system paths, patterns
        esac
        found=0
        for base in . "labs/$lab" "solutions/$lab" handouts; do
            [ -e "$base/$name" ] && found=1
        done
        [ $found -eq 1 ] || problems="$problems file:$name"
    done < <(grep -oE '`[A-Za-z0-9_./-]+(\.(c|h|md|sh|mk|dot|css)|Makefile)`' "$tmp/prose" | tr -d '`' | sort -u)
    while IFS= read -r t; do
        [[ $targets == *" $t "* ]] || problems="$problems make:$t"
    done < <(grep -oE '(`|^\$ |^)make( -C [^ `]+)?( [A-Z_]+=[^ `]*)* [a-z][a-z-]*' "$md" |
        grep -oE '[a-z][a-z-]*$' | sort -u)
    while IFS= read -r p; do
        [[ $allprogs == *" $p "* ]] || problems="$problems program:$p"
    done < <(grep -oE '^\$ (\w+=\S+ )*\./[a-z0-9_]+' "$md" | grep -oE '[a-z0-9_]+$' | sort -u)
    [ -z "$problems" ] && ok "$lab: every file, make target and program it names exists" ||
        bad "$lab: names what does not exist:$problems"

    # 3a. What the page shows a student, read from the markdown: a marker
    # with anything between it and its block is not a sample (the block is
    # shown without its command, and never checked); `\|` is how a pipe
    # table writes a |, anywhere else it shows; and the student edition
    # has no solutions/ or tests/kit (tests/export/package.sh).
    # A fenced block of plain text or console that is not a marked
    # sample and has no "$ " line is output shown without its command.
    problems=$(awk '
        m { if (!/^```/) print "line " m ": output marker not right above a fenced block"; else marked = 1; m = 0 }
        /^```/ && fence && !marked && !prompt && lang ~ /^(|text|console|output)$/ {
            print "line " start ": output without its command (mark it <!-- output: CMD --> or show the $ lines)"
        }
        /^```/ { fence = !fence; if (fence) { start = FNR; lang = substr($0, 4); prompt = 0 } else marked = 0; next }
        fence && /^\$ / { prompt = 1 }
        /<!-- *output/ {
            if ($0 ~ /^<!-- output(, numbers vary)?: .* -->$/) m = FNR
            else print "line " FNR ": malformed output marker"
            next
        }
        !fence && !/^ *\|/ && /`[^`]*\\\|[^`]*`/ { print "line " FNR ": \\| in a code span outside a table" }
        match($0, /(solutions\/|tests\/(bugs|kit|hidden))/) && substr($0, RSTART - 1, 1) !~ /[A-Za-z0-9_]/ {
            print "line " FNR ": names " substr($0, RSTART, RLENGTH) " (not in the student edition)"
        }' "$md")
    [ -z "$problems" ] && ok "$lab: every sample marked right above its block, no \\| in code, no file a student lacks" ||
        bad "$lab: $(tr '\n' ';' <<<"$problems")"

    # 4. Sample outputs, run again with the solution's programs.
    make -s -C "solutions/$lab" >/dev/null 2>&1 || { bad "$lab: the solution does not build"; continue; }
    awk -v dir="$tmp/samples" '
        /^<!-- output(, numbers vary)?: .* -->$/ {
            n++; vary = ($0 ~ /numbers vary/)
            cmd = $0; sub(/^<!-- output(, numbers vary)?: /, "", cmd); sub(/ -->$/, "", cmd)
            print cmd > (dir "." n ".cmd"); print vary > (dir "." n ".vary")
            want = 1; next
        }
        want == 1 && /^```/ { want = 2; printf "" > (dir "." n ".want"); next }
        want == 2 && /^```/ { want = 0; next }
        want == 2 { print > (dir "." n ".want") }
        want == 1 && NF { want = 0 }
    ' "$md"
    nsamples=0 sbad=""
    for c in "$tmp"/samples.*.cmd; do
        [ -f "$c" ] || continue
        nsamples=$((nsamples + 1))
        k=${c%.cmd}
        run="$tmp/run.$lab.$nsamples"
        mkdir -p "$run"
        for p in $(sed -n 's/^PROGS *= *//p' "solutions/$lab/Makefile"); do
            cp "solutions/$lab/$p" "$run/"
        done
        (cd "$run" && LC_ALL=C timeout 10 sh -c "$(cat "$c")" >"$k.got" 2>&1 </dev/null)
        if [ "$(cat "$k.vary")" = 1 ]; then
            sed -E 's/[0-9]+/#/g' "$k.got" >"$k.g2"; sed -E 's/[0-9]+/#/g' "$k.want" >"$k.w2"
        else
            cp "$k.got" "$k.g2"; cp "$k.want" "$k.w2"
        fi
        if ! cmp -s "$k.g2" "$k.w2"; then
            sbad="$sbad [$(cat "$c")]"
            diff "$k.w2" "$k.g2" | head -6 | sed 's/^/       /' >>"$tmp/sdiff"
        fi
    done
    if [ -n "$sbad" ]; then
        bad "$lab: sample output differs from what the solution prints for$sbad (< handout, > solution)"
        cat "$tmp/sdiff"; : >"$tmp/sdiff"
    elif [ $nsamples -eq 0 ]; then
        bad "$lab: no sample output is checked (mark one with <!-- output: COMMAND -->)"
    else
        ok "$lab: $nsamples sample output(s) are what the solution prints"
    fi
    rm -f "$tmp"/samples.*

    # 5. Pictures: alt text and a source.
    pics=0 pbad=""
    while IFS= read -r ref; do
        pics=$((pics + 1))
        alt=$(sed -E 's/^!\[([^]]*)\].*/\1/' <<<"$ref")
        name=$(sed -E 's/.*\(img\/([A-Za-z0-9_-]+)\.svg\).*/\1/' <<<"$ref")
        [ -n "$alt" ] || pbad="$pbad no-alt:$name"
        [ -f "handouts/diagrams/$name.dot" ] || [ -f "handouts/diagrams/$name.gp" ] ||
            pbad="$pbad no-source:$name"
    done < <(grep -oE '!\[[^]]*\]\([^)]*\)' "$md")
    if [ -n "$pbad" ]; then bad "$lab: pictures:$pbad"
    elif [ $pics -eq 0 ]; then bad "$lab: the handout has no picture"
    else ok "$lab: $pics picture(s) with alt text and a source"; fi

    # 5a. Pictures as drawn: the page's column is 46em of 16 px, about
    # 550 pt; a wider picture is shrunk to fit and its labels with it.  A
    # `|` between two C names (PROT_READ|PROT_WRITE) or inside parentheses
    # in a record label splits the record instead of showing.
    wbad=""
    for name in $(grep -oE '!\[[^]]*\]\(img/[A-Za-z0-9_-]+\.svg\)' "$md" |
        sed -E 's/.*img\/([A-Za-z0-9_-]+)\.svg.*/\1/' | sort -u); do
        src=handouts/diagrams/$name
        if [ -f "$src.dot" ]; then
            command -v dot >/dev/null || { wbad="$wbad $name:no-dot(tests/deps.sh docs)"; continue; }
            svg=$(dot -Tsvg "$src.dot" 2>/dev/null)
            w=$(grep -oE '<svg width="[0-9.]+pt"' <<<"$svg" | grep -oE '[0-9]+' | head -1)
            gvpr 'N[shape=="record"||shape=="Mrecord"]{print(label)}' "$src.dot" 2>/dev/null |
                grep -qE '[A-Z0-9_]{2,} *\| *[A-Z_]{2,}|\|\||\([^(){}]*\|[^(){}]*\)' &&
                wbad="$wbad $name:'|'-as-text-in-a-record"
        elif [ -f "$src.gp" ]; then
            command -v gnuplot >/dev/null || { wbad="$wbad $name:no-gnuplot(tests/deps.sh docs)"; continue; }
            # gnuplot's SVG size is in px, 3/4 of a pt: its width, or with
            # "dynamic" its viewBox's.
            w=$(cd handouts/diagrams && gnuplot "$name.gp" 2>/dev/null | head -5 | tr '\n' ' ' |
                grep -oE '<svg[^>]* (width="|viewBox="0 0 )[0-9.]+' | grep -oE '[0-9]+$')
            [ -n "$w" ] && w=$((w * 3 / 4))
        else continue; fi
        [ -n "$w" ] || { wbad="$wbad $name:not-drawn"; continue; }
        [ "$w" -le 560 ] || wbad="$wbad $name:${w}pt"
    done
    [ -z "$wbad" ] && ok "$lab: every picture fits the column (560 pt) and its records show their text" ||
        bad "$lab: pictures wider than the column (560 pt) or with a | as text in a record:$wbad"
done

# 6. Rendered pages: every internal link lands somewhere.
if [ -n "$html" ]; then
    lbad=""
    for page in "$html"/*.html; do
        while IFS= read -r href; do
            target=${href%%#*} anchor=""
            [[ $href == *'#'* ]] && anchor=${href#*#}
            file=$page
            [ -n "$target" ] && file="$html/$target"
            if [ ! -f "$file" ]; then lbad="$lbad $(basename "$page")->$href"; continue; fi
            if [ -n "$anchor" ] && ! grep -q "id=\"$anchor\"" "$file"; then
                lbad="$lbad $(basename "$page")->$href"
            fi
        done < <(grep -oE 'href="[^"]*"' "$page" | sed 's/^href="//; s/"$//' |
            grep -vE '^(https?:|mailto:|data:)')
        grep -q '<img src="data:' "$page" || [ "$(basename "$page")" = index.html ] ||
            lbad="$lbad $(basename "$page"):no-embedded-picture"
    done
    [ -z "$lbad" ] && ok "rendered pages: every internal link resolves, every picture is embedded" ||
        bad "rendered pages: broken:$lbad"

    # 7. What page.lua adds, on every page: no code span showing `\|`
    # (copied, it is not C), a "$ command" atop every marked sample, the
    # bar to the index and the neighbours top and bottom, folded contents.
    hbad=""
    for page in "$html"/[0-9][0-9]-*.html; do
        p=$(basename "$page" .html)
        n=$(grep -oE '<code[^>]*>[^<]*\\\|' "$page" | wc -l)
        [ "$n" -eq 0 ] || hbad="$hbad $p:$n-code-spans-with-\\|"
        # The command shown, its lines joined, is the marker's (spaces
        # aside): every sample in order, none lost or cut.
        if [ -f "handouts/$p.md" ]; then
            sed -nE 's/^<!-- output(, numbers vary)?: (.*) -->$/\2/p' "handouts/$p.md" |
                tr -d ' \t' >"$tmp/want.cmds"
            awk '/<pre class="sample/ { if (n++) print "" }
                { while (match($0, /<span class="cmd">[^<]*<\/span>/)) {
                    printf "%s", substr($0, RSTART + 18, RLENGTH - 25); $0 = substr($0, RSTART + RLENGTH) } }
                END { if (n) print "" }' "$page" |
                sed 's/; \\/;/g; s/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&#39;/'"'"'/g; s/&amp;/\&/g' |
                tr -d ' \t' >"$tmp/got.cmds"
            cmp -s "$tmp/want.cmds" "$tmp/got.cmds" ||
                hbad="$hbad $p:samples-shown-without-their-marker's-command"
        fi
        [ "$(grep -c 'class="kit-nav"' "$page")" -eq 2 ] || hbad="$hbad $p:no-navigation-bar-top-and-bottom"
        grep -q '<details><summary>Contents' "$page" || hbad="$hbad $p:contents-not-folded"
    done
    [ -z "$hbad" ] && ok "rendered pages: no \\| in code, every sample shows its command, navigation and folded contents on every page" ||
        bad "rendered pages: shown wrong:$hbad"

    # 8. The index: a row per handout, its title linked to its page, and
    # a blurb that is whole sentences (not cut at a length).
    ibad=""
    if [ -f "$html/index.html" ]; then
        tr '\n' ' ' <"$html/index.html" | sed 's/<tr/\n<tr/g' >"$tmp/rows"
        for md in handouts/[0-9][0-9]-*.md; do
            p=$(basename "$md" .md)
            row=$(grep -F "href=\"$p.html\"" "$tmp/rows" | head -1)
            if [ -z "$row" ]; then ibad="$ibad $p:not-listed"; continue; fi
            title=$(sed -E "s|.*href=\"$p\.html\"[^>]*>||; s|</a>.*||; s/<[^>]*>//g; s/ +/ /g" <<<"$row")
            text=$(sed -E 's|</tr>.*||; s/<[^>]*>//g; s/ +/ /g; s/ $//' <<<"$row")
            blurb=${text#*"$title"}
            [ -n "${title// /}" ] || ibad="$ibad $p:no-title"
            [ "$(wc -w <<<"$blurb")" -ge 5 ] && grep -qE '[.!?][)"”’]*$' <<<"$blurb" ||
                ibad="$ibad $p:blurb-not-whole-sentences[${blurb: -30}]"
        done
    else
        ibad=" no index.html"
    fi
    [ -z "$ibad" ] && ok "rendered pages: the index lists every handout, linked, with a blurb of whole sentences" ||
        bad "rendered pages: index:$ibad"
fi

[ $fails -eq 0 ]
