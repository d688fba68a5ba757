# funclen.awk - print "LINES FILE:LINE NAME" for each function of a C file
# written in the kit's style (the name at column 0, "{" and "}" alone at
# column 0), counting from the first line of its signature to its "}".
/^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !/^(if|for|while|switch|return)\b/ {
    sig = $0
    sigline = FNR
}
/^\{/ {
    start = FNR
    name = sig
    sub(/\(.*/, "", name)
    n = split(name, w, /[ *]+/)
    name = w[n]
}
/^\}/ && start {
    printf "%d %s:%d %s\n", FNR - sigline + 1, FILENAME, sigline, name
    start = 0
}
