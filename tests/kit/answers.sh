#!/usr/bin/env bash
# answers.sh - no lab hands out another lab's answer (issue 17).
#
# A TODO body is the code of a solution between "/* TODO n: ... */" and
# "/* END TODO n */".  Lines are compared with all whitespace removed;
# blank lines, comments and trivial lines ("}", "break;", "return 0;",
# "} else {", ...) are ignored.  A file carries a TODO body when it holds
# a run of at least 3 of the body's lines one after the other, and at
# least half of the body's lines in all.
#
#   (a) No skeleton file labs/A/* carries a TODO body of solutions/B, B != A,
#       unless handouts/A.md says the code is given from lab B: a line
#       holding "given from lab" (case does not matter) names, by every
#       two-digit number after those words, the labs whose code A gives;
#       only a lab before A counts.  E.g. "The sigaction set-up is given
#       from labs 05 and 07." (numbers on the same line as the words).
#   (b) No file of the student edition (tests/export/package.sh student)
#       carries a TODO body, counting only the body's lines that its own
#       lab's skeleton does not hold anywhere (those are no secret).  The
#       edition's lab sources are (a)'s business, and skipped here.
#
# usage: tests/kit/answers.sh      (from anywhere; exits 1 on a finding)
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=${ANSWERS_TARBALL:-$tmp/student.tar.gz}
tests/export/package.sh student "$tarball" >/dev/null
tar -xzf "$tarball" -C "$tmp"

# "A B" for every lab B whose code handouts/A.md says is given.
for h in handouts/[0-9][0-9]-*.md; do
    a=$(basename "$h" .md)
    grep -i 'given from lab' "$h" | sed "s/.*given from lab//I" |
        grep -o '\b[0-9][0-9]\b' | sed "s/^/${a%%-*} /" || true
done >"$tmp/given"

printf "%s\n" solutions/[0-9][0-9]-*/*.[ch] >"$tmp/sols"
printf "%s\n" labs/[0-9][0-9]-*/*.[ch] >"$tmp/skels"
(cd "$tmp" && grep -rIl "" ipc-kit) | grep -v -E '^ipc-kit/labs/[^/]+/[^/]+\.[ch]$' |
    sort >"$tmp/edition"

awk -v tmp="$tmp" '
function labof(path,   p) {       # "07" for .../07-sipc/..., else ""
    if (match(path, /(labs|solutions)\/[0-9][0-9]-/))
        return substr(path, RSTART + RLENGTH - 3, 2)
    return ""
}
function quotes(s) { gsub(/\\\\|\\"/, "", s); return gsub(/"/, "", s) }   # unescaped "s
# The code of a line: comments, then all whitespace, removed; "" when
# nothing worth comparing is left.  incomment carries /* */ across lines.
function code(line,   out, i, j, k) {
    out = ""
    while (line != "") {
        if (incomment) {
            if (!(i = index(line, "*/"))) return ""
            line = substr(line, i + 2); incomment = 0; continue
        }
        j = index(line, "/*"); k = index(line, "//")
        if (j && quotes(substr(line, 1, j - 1)) % 2) j = 0
        if (k && quotes(substr(line, 1, k - 1)) % 2) k = 0
        if (k && (!j || k < j)) { out = out substr(line, 1, k - 1); break }
        if (!j) { out = out line; break }
        out = out substr(line, 1, j - 1); line = substr(line, j + 2); incomment = 1
    }
    gsub(/[ \t\r]+/, "", out)
    if (out ~ /^[{}();,]*$/ ||
        out ~ /^(\}?else\{?|do\{|\}while\(0\);|break;|continue;|default:|#else|#endif)$/ ||
        out ~ /^return(0|1|-1|true|false|NULL|EXIT_SUCCESS|EXIT_FAILURE)?;$/)
        return ""
    return out
}
# A file as its sequence of code lines: seq[f, 1..n], nlines[f].
function load(f, name,   line, c, n, isc) {
    incomment = 0; n = 0; isc = name ~ /\.[ch]$/
    while ((getline line < name) > 0) {
        if (!isc) incomment = 0
        if ((c = code(line)) != "") { seq[f, ++n] = c; has[f, c] = 1 }
    }
    close(name); nlines[f] = n
}
# TODO bodies of a solution file: body[t, 1..blen[t]], with where[t].
function bodies(name,   line, state, c, t) {
    incomment = 0; state = 0
    while ((getline line < name) > 0) {
        if (state == 0 && line ~ /\/\* TODO [0-9]+:/) {
            t = ++ntodo; blen[t] = 0; blab[t] = labof(name)
            match(line, /TODO [0-9]+:/); where[t] = name " " substr(line, RSTART, RLENGTH - 1)
            state = index(line, "*/") ? 2 : 1; incomment = 0; continue
        }
        if (state == 1) { if (index(line, "*/")) state = 2; continue }
        if (state == 2 && line ~ /\/\* END TODO [0-9]+ \*\//) { state = 0; continue }
        if (state == 2 && (c = code(line)) != "") body[t, ++blen[t]] = c
    }
    close(name)
}
# Does file f carry body t (only lines with keep[t, i])?  Sets found.
function carries(f, t,   i, j, p, n, total, count, run, best) {
    total = count = 0
    for (i = 1; i <= blen[t]; i++)
        if (keep[t, i]) { total++; if (has[f, body[t, i]]) count++ }
    if (count < 3 || 2 * count < total) return 0
    best = 0                       # longest run of body lines in a row
    for (i = 1; i <= blen[t]; i++) {
        if (!keep[t, i] || !has[f, body[t, i]]) continue
        for (p = 1; p <= nlines[f]; p++) {
            if (seq[f, p] != body[t, i]) continue
            run = 0
            for (j = i; j <= blen[t] && p + run <= nlines[f]; j++) {
                if (!keep[t, j]) continue
                if (seq[f, p + run] != body[t, j]) break
                run++
            }
            if (run > best) best = run
        }
    }
    if (best < 3) return 0
    found = count " of " total " lines, " best " in a row"
    return 1
}
FNR == 1 { kind = FILENAME }       # the lists: sols, skels, edition, given
kind ~ /given$/ { if ($2 + 0 < $1 + 0) given[$1, $2] = 1; next }   # earlier labs only
kind ~ /sols$/ { bodies($0); next }
kind ~ /skels$/ { load("s:" $0, $0); lab = labof($0)
                  nsk[lab]++; sk[lab, nsk[lab]] = "s:" $0; skel[++nskel] = "s:" $0; next }
kind ~ /edition$/ { load("e:" $0, tmp "/" $0); ned++; ed[ned] = $0; next }
END {
    bad = 0
    for (t = 1; t <= ntodo; t++)
        for (i = 1; i <= blen[t]; i++) keep[t, i] = 1
    for (k = 1; k <= nskel; k++) {
        f = skel[k]; A = labof(substr(f, 3))
        for (t = 1; t <= ntodo; t++) {
            if (blab[t] == A || given[A, blab[t]]) continue
            if (carries(f, t)) {
                if (!bad++) print "answers: files that hand out a TODO of another lab:"
                printf "  (a) %s carries %s (%s)\n", substr(f, 3), where[t], found
            }
        }
    }
    for (t = 1; t <= ntodo; t++)
        for (i = 1; i <= blen[t]; i++)
            for (k = 1; k <= nsk[blab[t]]; k++)
                if (has[sk[blab[t], k], body[t, i]]) keep[t, i] = 0
    for (e = 1; e <= ned; e++) for (t = 1; t <= ntodo; t++)
        if (carries("e:" ed[e], t)) {
            if (!bad++) print "answers: files that hand out a TODO of another lab:"
            printf "  (b) student edition %s carries %s (%s)\n", ed[e], where[t], found
        }
    if (bad) {
        print "answers: " bad " finding(s).  Rewrite the given code, make it a TODO, or say"
        print "  in handouts/A.md that it is \"given from lab NN\" (see the top of"
        print "  tests/kit/answers.sh)."
        exit 1
    }
    print "answers: no lab hands out another lab'"'"'s answer"
}' "$tmp/sols" "$tmp/skels" "$tmp/edition" "$tmp/given"
