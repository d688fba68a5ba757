# skeleton.awk - make a lab's skeleton file from its solution file.
#
# The solution is the one source of a lab.  Its TODO regions are marked
#
#     /* TODO 3: what the student writes, and why (any number of lines) */
#     ...the solution's code...
#     //> the skeleton's placeholder, if it needs one (any number of lines)
#     /* END TODO 3 */
#
# The skeleton keeps everything but the solution's code inside a region;
# each "//>" line becomes a line of the skeleton without the marker (and
# the one space after it), its indentation kept:
#         //> (void)buf; /* you will need it */
# gives "        (void)buf; /* you will need it */".  A "//>" line outside a
# region, or a region left open, is an error (status 1).
function fail(msg) {
    printf "skeleton.awk: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
    bad = 1
    exit 1
}
state == 0 && /\/\* TODO [0-9]+:/ {
    print
    state = index($0, "*/") ? 2 : 1
    next
}
state == 1 {
    print
    if (index($0, "*/"))
        state = 2
    next
}
state == 2 && /\/\* END TODO [0-9]+ \*\// {
    print
    state = 0
    next
}
/^[ \t]*\/\/>/ {
    if (state != 2)
        fail("a \"//>\" placeholder line outside a TODO region")
    line = $0
    sub(/\/\/> ?/, "", line)
    # An indented "//>" line gives an empty line, not one of blanks.
    if (line ~ /^[ \t]*$/)
        line = ""
    print line
    next
}
state == 2 { next }
{ print }
END {
    if (!bad && state != 0)
        fail("TODO region not closed")
}
