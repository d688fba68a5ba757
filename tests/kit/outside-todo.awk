# outside-todo.awk - print a source file without the bodies of its TODO
# regions.  A region is a comment opening with "TODO <n>:" (kept), then the
# code a student writes (dropped), up to a line "/* END TODO <n> */" (kept).
# Skeleton and solution must agree on everything this prints.
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
state == 2 { next }
{ print }
END {
    if (state != 0) {
        print "outside-todo: " FILENAME ": TODO region not closed" > "/dev/stderr"
        exit 1
    }
}
