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
#     handouts/diagrams/NAME.dot (Graphviz) or NAME.gp (gnuplot);
# and, given rendered pages (--html DIR), every internal link resolves.
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
    missing=""
    for s in Objectives Background Specification Steps Hints Test Cleanup Questions; do
        grep -qiE "^##+ .*$s" "$md" || missing="$missing $s"
    done
    [ -z "$missing" ] && ok "$lab: handout has every section" ||
        bad "$lab: handout lacks sections:$missing"

    # 2. Steps <-> TODOs, one to one.
    : >"$tmp/code"
    nfiles=0
    for f in labs/"$lab"/*.[ch]; do
        n=$(grep -c '/\* TODO [0-9]*:' "$f")
        [ "$n" -gt 0 ] || continue
        nfiles=$((nfiles + 1))
        grep -o '/\* TODO [0-9]*:' "$f" | sed "s|/\* TODO \([0-9]*\):|$(basename "$f") \1|" >>"$tmp/code"
    done
    onefile=$(awk '{print $1}' "$tmp/code" | sort -u | head -1)
    : >"$tmp/doc"
    grep -E '^###+ +Step' "$md" | while IFS= read -r h; do
        n=$(grep -oE 'TODO [0-9]+' <<<"$h" | grep -oE '[0-9]+')
        f=$(grep -oE '[A-Za-z0-9_]+\.[ch]\b' <<<"$h" | head -1)
        [ -n "$f" ] || f=$onefile
        if [ "$(wc -w <<<"$n")" -ne 1 ]; then echo "BAD $h"; else echo "$f $n"; fi
    done >"$tmp/doc"
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
fi

[ $fails -eq 0 ]
