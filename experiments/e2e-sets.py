#!/usr/bin/env python3
"""Builds the three small real sets of the README's defaults table from the cleaned E2E NLG data in
../shared/data/e2e (CSV mr,ref): e2e-ff (is the venue family-friendly, from its description), e2e-pair
(MR + description: does the description belong to this MR or to another?), e2e-rate (regression: the
MR's customer rating, low/1 -> 1, average/3 -> 3, high/5 -> 5, from the description).
Train 1,200 and dev 500 rows from the development set, test 1,000 from the test set; seed 7.
Usage: experiments/e2e-sets.py [SHARED_E2E_DIR] [OUT_DIR]"""
import csv, json, random, re, sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/e2e"
out = sys.argv[2] if len(sys.argv) > 2 else "runs/e2e-sets"
rng = random.Random(7)


def rows(name):
    with open(f"{src}/{name}", newline="") as f:
        return list(csv.DictReader(f))


def write(name, xs):
    with open(f"{out}/{name}", "w") as f:
        for x in xs:
            f.write(json.dumps(x) + "\n")


def family(rs):
    out_rows = []
    for r in rs:
        m = re.search(r"familyFriendly\[(\w+)\]", r["mr"])
        if m:
            out_rows.append({"text": r["ref"], "label": m.group(1)})
    return out_rows


def pairs(rs):
    out_rows = []
    for r in rs:
        if rng.random() < 0.5:
            out_rows.append({"text": r["mr"], "pair": r["ref"], "label": "match"})
        else:
            o = rs[rng.randrange(len(rs))]
            while o["mr"] == r["mr"]:
                o = rs[rng.randrange(len(rs))]
            out_rows.append({"text": r["mr"], "pair": o["ref"], "label": "mismatch"})
    return out_rows


RATING = {"low": 1.0, "1 out of 5": 1.0, "average": 3.0, "3 out of 5": 3.0, "high": 5.0, "5 out of 5": 5.0}


def rating(rs):
    out_rows = []
    for r in rs:
        m = re.search(r"customer rating\[([^\]]+)\]", r["mr"])
        if m and m.group(1) in RATING:
            out_rows.append({"text": r["ref"], "label": RATING[m.group(1)]})
    return out_rows


if __name__ == "__main__":
    import os
    os.makedirs(out, exist_ok=True)
    dev, test = rows("devel-fixed.no-ol.csv"), rows("test-fixed.csv")
    for name, make in (("ff", family), ("pair", pairs), ("rate", rating)):
        a, b = make(dev), make(test)
        rng.shuffle(a)
        rng.shuffle(b)
        write(f"{name}-train.jsonl", a[:1200])
        write(f"{name}-dev.jsonl", a[1200:1700])
        write(f"{name}-test.jsonl", b[:1000])
    print("wrote", out)
