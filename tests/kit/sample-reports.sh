#!/usr/bin/env bash
# sample-reports.sh - put the grader's real report on each skeleton into
# the handouts' "Testing" sections.
#
# Usage: tests/kit/sample-reports.sh [GRADE_DIR]
#
# GRADE_DIR holds one folder per lab with the report.txt of a grading of
# the skeletons (default: grade them now, into build/sample-reports).  In
# each handout, the indented block from its "== NN-lab (...)" line to its
# "TOTAL" line is replaced by an excerpt of that report: the lab's heading,
# a "FIX THIS FIRST" block if there is one, the first failing test in full
# (and the next, to show the grouping, under a FIX THIS FIRST), then the
# score and the summary.  Paths
# are shown as a student's kit would have them (~/ipc-kit).  Run it after
# changing what the report says; check-handouts.sh then sees the result.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=$(pwd)
src=${1:-}
if [ -z "$src" ]; then
    src=$kit/build/sample-reports
    rm -rf "$src"
    tests/grade.sh --tree labs --tag sample-reports --results "$kit/build/sample-reports.json" --quiet >/dev/null 2>&1 || true
    src=$kit/build/grade/sample-reports
fi
changed=0
for h in handouts/[0-9][0-9]-*.md; do
    lab=$(basename "$h" .md)
    rep=$src/$lab/report.txt
    grep -q "^    == $lab " "$h" || continue
    if [ ! -f "$rep" ]; then
        echo "sample-reports: no report for $lab in $src: left as it is" >&2
        continue
    fi
    excerpt=$(awk -v lab="$lab" '
        function fix(s) {
            # A student runs make grade in ~/ipc-kit on labs/.
            gsub(/\/[^ ]*\/build\/grade\/[^\/ ]*\//, "~/ipc-kit/build/grade/labs/", s)
            gsub(/ SUBMISSION=[^ ]*/, "", s)
            return s
        }
        /^== / { print fix($0); next }
        # The student edition has no hidden tests, and the handouts show
        # what it prints: the line that counts them is left out.
        /^   \+ [0-9]+ hidden test/ { next }
        /^   FIX THIS FIRST:/ { infix = 1; hasfix = 1 }
        infix && /^   (PASS|FAIL) / { infix = 0 }
        infix { print fix($0); next }
        /^   FAIL / { fails++ }
        /^   (PASS|FAIL) / {
            # The first failure; and the second, when a FIX THIS FIRST
            # block shows how the others are grouped under it.
            showing = fails == 1 || (fails == 2 && hasfix && !shown2)
            if (fails == 2) shown2 = 1
            if (!showing && !dots) { print "   ..."; dots = 1 }
        }
        /^   [0-9][0-9]-[a-z0-9]*: [0-9]+\/[0-9]+$/ {
            if (!dots) print "   ..."
            print fix($0); score = $2; next
        }
        showing && /^   / { print fix($0) }
        END { print ""; print "Summary"; printf "   %-14s %s\n", lab, score; print "TOTAL " score }
    ' "$rep" | sed 's/^/    /; s/ *$//')
    # The block ends at its TOTAL line, or else where the indented code
    # block ends (a line of text at the margin), blank lines kept.
    NEW=$excerpt awk -v lab="$lab" '
        $0 ~ "^    == " lab " " && !done { print ENVIRON["NEW"]; skip = 1; done = 1; next }
        skip && /^    TOTAL / { skip = 0; blanks = ""; next }
        skip && /^$/ { blanks = blanks "\n"; next }
        skip && /^    / { blanks = ""; next }
        skip { skip = 0; printf "%s", (blanks == "" ? "\n" : blanks) }
        /^    Grading \/.*\/labs$/ { print "    Grading ~/ipc-kit/labs"; next }
        { print }
    ' "$h" >"$h.new"
    if cmp -s "$h" "$h.new"; then
        rm "$h.new"
    else
        mv "$h.new" "$h"
        changed=$((changed + 1))
        echo "sample-reports: $h updated"
    fi
done
echo "sample-reports: $changed handout(s) changed"
