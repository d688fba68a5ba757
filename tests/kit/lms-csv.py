#!/usr/bin/env python3
"""lms-csv.py - check the gradebooks make batch writes for two LMSs.

usage: tests/kit/lms-csv.py BATCH_OUT_DIR

Reads DIR/gradebook.csv (the kit's own) and checks DIR/canvas.csv and
DIR/moodle.csv against what each system's grade import documents, and
against the kit's gradebook (same students, same scores):

  Canvas (Instructor Guide, "How do I import grades in the Gradebook?";
  the layout of Canvas's own gradebook export, which it imports back):
  UTF-8 CSV; a header whose first columns are Student, ID, SIS User ID,
  SIS Login ID, Section; one column per assignment after them; an
  optional "Points Possible" row right under the header; every student
  row identified by one of Student, ID, SIS User ID or SIS Login ID;
  scores are numbers; the read-only columns Canvas computes (Final
  Points among them) are left alone on import.
  Moodle (Moodle docs, "Import grades", CSV file): UTF-8, one separator
  (comma) throughout, a header row naming the columns, one identifying
  column whose values are unique, grade columns holding numbers.

For both: every row as wide as the header, and no cell a spreadsheet
would evaluate (=, +, -, @ at its start, OWASP "CSV injection").
Prints one line, "ok ..." or "FAIL ...", and exits 0 or 1.
"""
import csv
import sys

CANVAS_ID = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f, strict=True))


def number(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def problems(out):
    gb = read(out + "/gradebook.csv")
    head = gb[0]
    labs = head[1:head.index("total")]
    want = {r[0]: [number(c) for c in r[1:len(labs) + 2]] for r in gb[1:]}
    errs = []
    for name in ("canvas.csv", "moodle.csv"):
        for n, row in enumerate(read(out + "/" + name), 1):
            for c in row:
                if c[:1] in ("=", "+", "-", "@") and number(c) is None:
                    errs.append(f"{name} row {n}: cell {c[:20]!r} would run")
    cv = read(out + "/canvas.csv")
    if cv[0][:5] != CANVAS_ID:
        errs.append(f"canvas.csv: header starts {cv[0][:5]}, not {CANVAS_ID}")
    cols = cv[0][5:]
    # The total in a column Canvas computes and ignores on import.
    if cols != [f"ipckit {l}" for l in labs] + ["Final Points"]:
        errs.append(f"canvas.csv: assignment columns {cols}")
    if len(set(cols)) != len(cols) or "" in cols:
        errs.append("canvas.csv: assignment names repeat or are empty")
    rows = cv[1:]
    if rows and rows[0][0].strip() == "Points Possible":
        pts = [number(c) for c in rows[0][5:]]
        if None in pts or any(p <= 0 for p in pts):
            errs.append(f"canvas.csv: Points Possible {rows[0][5:]}")
        rows = rows[1:]
    else:
        errs.append("canvas.csv: no Points Possible row")
        pts = []
    got = {}
    for r in rows:
        if len(r) != len(cv[0]):
            errs.append(f"canvas.csv: {r[:1]} has {len(r)} cells")
            continue
        if not any(r[:4]):
            errs.append(f"canvas.csv: a row with no student: {r}")
        scores = [number(c) for c in r[5:]]
        if None in scores:
            errs.append(f"canvas.csv: {r[0]}: a score is not a number")
        elif pts and any(s < 0 or s > p for s, p in zip(scores, pts)):
            errs.append(f"canvas.csv: {r[0]}: a score outside 0..points")
        got[r[3] or r[0]] = scores
    if got != want:
        errs.append("canvas.csv: scores differ from gradebook.csv")
    md = read(out + "/moodle.csv")
    if md[0][1:] != cols[:-1] + ["ipckit total"] or not md[0][0]:
        errs.append(f"moodle.csv: header {md[0]}")
    ids = [r[0] for r in md[1:]]
    if len(set(ids)) != len(ids) or "" in ids:
        errs.append("moodle.csv: identifiers empty or repeated")
    got = {}
    for r in md[1:]:
        if len(r) != len(md[0]):
            errs.append(f"moodle.csv: {r[:1]} has {len(r)} cells")
            continue
        got[r[0]] = [number(c) for c in r[1:]]
        if None in got[r[0]]:
            errs.append(f"moodle.csv: {r[0]}: a grade is not a number")
    if got != want:
        errs.append("moodle.csv: scores differ from gradebook.csv")
    return errs, len(want), len(labs)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tests/kit/lms-csv.py BATCH_OUT_DIR")
    try:
        errs, n, labs = problems(sys.argv[1])
    except (OSError, ValueError, csv.Error, IndexError) as e:
        errs, n, labs = [f"cannot read: {e}"], 0, 0
    if errs:
        print("FAIL gradebooks for Canvas and Moodle: " + "; ".join(errs[:3]))
        sys.exit(1)
    print(f"ok   canvas.csv and moodle.csv: {n} students x {labs} labs and "
          "the total, as each system imports them, same scores as gradebook.csv")


if __name__ == "__main__":
    main()
