#!/usr/bin/python3
"""Reference values for monitor/profile, computed with pandas and numpy.

Run with Debian's python (pandas 1.5, numpy 1.24):

    /usr/bin/python3 testdata/profile/gen_vectors.py > testdata/profile/vectors.json

Each case is a small table given as text rows (what a CSV reader yields;
"" is an empty field). pandas reads the same text with read_csv's default
NA handling, and the expected statistics are pandas' describe, quantile,
nunique, std and value_counts, and numpy.histogram(bins=20) over the
finite values. Every float is written as repr() text ("inf", "nan"
included) so that JSON stays standard and Go reads it with ParseFloat.
"""
import csv
import io
import json
import random

import numpy as np
import pandas as pd

LEVELS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
BINS = 20


def f(x):
    return repr(float(x))


def case_basic(rng):
    names = ["id", "price", "qty", "city", "flag", "note"]
    cities = ["Paris", "Lyon", "Nice", "Lille", "Brest"]
    rows = []
    for i in range(1000):
        price = "" if rng.random() < 0.05 else repr(round(rng.lognormvariate(3, 1), 4))
        qty = rng.choice(["NA", "n/a", "null"]) if rng.random() < 0.03 else str(rng.randint(-50, 500))
        city = "" if rng.random() < 0.02 else rng.choice(cities)
        flag = rng.choice(["True", "False"])
        note = "note %d" % rng.randint(0, 10**6)
        rows.append([str(i), price, qty, city, flag, note])
    return names, rows


def case_special(rng):
    names = ["inf", "const", "allnull", "nan", "neg", "onefloat"]
    rows = []
    for i in range(40):
        inf = repr(rng.uniform(-5, 5))
        if i % 13 == 0:
            inf = "inf"
        if i == 7:
            inf = "-inf"
        nan = "NaN" if i % 3 == 0 else repr(float(i) / 8)
        rows.append([inf, "7", "", nan, repr(-float(i) * 1.5), "1.0" if i % 2 else "1"])
    return names, rows


def case_large(rng):
    names = ["normal", "expo", "small"]
    rows = []
    for i in range(5000):
        rows.append([repr(rng.gauss(100, 15)), repr(rng.expovariate(0.1)), str(rng.randint(0, 9))])
    return names, rows


def expect(names, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    w.writerows(rows)
    df = pd.read_csv(io.StringIO(buf.getvalue()))
    out = []
    for name in names:
        s = df[name]
        e = {"name": name, "dtype": str(s.dtype), "count": int(s.count()),
             "nulls": int(s.isna().sum()), "distinct": int(s.nunique())}
        if s.dtype.kind in "if" and e["count"] > 0:
            v = s.dropna().astype(float)
            e["min"], e["max"] = f(v.min()), f(v.max())
            e["mean"] = f(v.mean())
            if e["count"] > 1:
                e["std"] = f(v.std())
            e["quantiles"] = [f(x) for x in v.quantile(LEVELS)]
            fin = v[np.isfinite(v)]
            counts, edges = np.histogram(fin.to_numpy(), bins=BINS)
            e["hist_edges"] = [f(x) for x in edges]
            e["hist_counts"] = [int(x) for x in counts]
        elif e["count"] > 0:
            vc = s.dropna().astype(str).value_counts()
            top = sorted(vc.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
            e["top"] = [[str(k), str(int(c))] for k, c in top]
        out.append(e)
    return out


def main():
    rng = random.Random(20261127)
    cases = []
    for name, gen in [("basic", case_basic), ("special", case_special), ("large", case_large)]:
        names, rows = gen(rng)
        cases.append({"name": name, "columns": names, "rows": rows, "expect": expect(names, rows)})
    json.dump({"levels": LEVELS, "bins": BINS, "cases": cases}, __import__("sys").stdout, indent=None, separators=(",", ":"))


if __name__ == "__main__":
    main()
