#!/usr/bin/python3
"""Generate reference vectors for monitor/drift from SciPy and NumPy.

Run with Debian's interpreter (python3-scipy, python3-numpy):

    /usr/bin/python3 testdata/drift/gen_vectors.py > testdata/drift/vectors.json

The Go tests read vectors.json; no Python runs at test time. Every case is
deterministic (fixed seeds). Non-finite numbers are written as the strings
"NaN", "Inf" and "-Inf" because JSON has no literal for them.

What each section holds:

  ks          scipy.stats.ks_2samp(x, y, method='auto') end to end.
  ks_exact    the exact two-sided p-value P(D >= h/lcm) for sizes (n1, n2)
              from scipy's _attempt_exact_2kssamp, as [n1, n2, h, p, ok].
  kstwo_sf    scipy.stats.kstwo.sf(d, n), which ks_2samp uses for the
              asymptotic two-sided p-value, as [n, d, p].
  wasserstein scipy.stats.wasserstein_distance(u, v) and Evidently's normed
              form: divided by max(np.std(u), 0.001).
  binned      PSI and Jensen-Shannon distance over Evidently's binning
              (get_binned_data), reproduced below in numpy.
  chisquare   scipy.stats.chisquare over the categories the reference saw,
              expected = reference share * current count in those categories.
  chi2_sf     scipy.stats.chi2.sf(x, df), as [x, df, p].
  numeric     the whole per-column pipeline with Evidently's defaults:
              non-finite values dropped, method chosen by reference size and
              distinct values, statistic and drift decision.
"""

import json
import math
import sys
from math import gcd

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon
from scipy.stats._stats_py import _attempt_exact_2kssamp

RNG = np.random.default_rng(20240611)


def enc(v):
    """One float for JSON: finite as is, others as strings."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if v.is_integer() and abs(v) < 2 ** 53:
        return int(v)  # "12" rather than "12.0": smaller file
    return v


def arr(a):
    return [enc(v) for v in np.asarray(a, dtype=float)]


def r3(a):
    """Round to 3 decimals: keeps the JSON small for the big cases."""
    return np.round(np.asarray(a, dtype=float), 3)


def r2(a):
    return np.round(np.asarray(a, dtype=float), 2)


def counts(values):
    """Categorical samples as {category: count}; the statistics ignore order."""
    out = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return out


def expand(c):
    return [k for k in sorted(c) for _ in range(c[k])]


# ---------------------------------------------------------------- KS


def ks_cases():
    out = []

    def add(name, x, y):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        r = stats.ks_2samp(x, y, method="auto")
        out.append({"name": name, "x": arr(x), "y": arr(y),
                    "stat": float(r.statistic), "p": float(r.pvalue)})

    # Small samples: the exact path (max(n1, n2) <= 10000).
    add("n1_1", [0.5], [0.25])
    add("n1_n2_2", [1.0], [1.0, 2.0])
    add("identical", [1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    for n1, n2 in [(3, 3), (5, 8), (10, 10), (7, 30), (25, 25), (40, 60),
                   (100, 80), (128, 192), (300, 300), (500, 1000)]:
        add(f"normal_{n1}_{n2}", RNG.normal(size=n1), RNG.normal(size=n2))
        add(f"shift_{n1}_{n2}", RNG.normal(size=n1), RNG.normal(0.5, 1, size=n2))
        add(f"scale_{n1}_{n2}", RNG.normal(size=n1), RNG.normal(0, 2, size=n2))
    # Ties and integer-valued data.
    add("ints_small", RNG.integers(0, 5, 30), RNG.integers(0, 5, 40))
    add("ints_equal_n", RNG.integers(0, 10, 200), RNG.integers(1, 11, 200))
    add("ints_poisson", RNG.poisson(3, 700), RNG.poisson(3.3, 900))
    add("constant_same", np.full(20, 2.5), np.full(30, 2.5))
    add("constant_diff", np.full(20, 2.5), np.full(30, 3.5))
    add("constant_vs_normal", np.zeros(50), RNG.normal(size=60))
    add("disjoint", np.arange(10.0), np.arange(10.0) + 100)
    # D = 1/5 with equal sizes: scipy's exact sum rounds to 1.0000000000000002,
    # is rejected, and the p-value comes from kstwo.sf(0.2, round(2.5) = 2)
    add("interleaved_5_5", [1, 2, 3, 4, 5], [1.5, 2.5, 3.5, 4.5, 5.5])
    add("far_tail", r3(RNG.normal(size=2000)), r3(RNG.normal(3, 1, size=2000)))
    # Large cases hold small integers or 2-decimal values to keep the file small.
    add("exact_10000_equal", RNG.integers(0, 100, 10000), RNG.integers(0, 100, 10000))
    add("exact_10000_9999", RNG.integers(0, 200, 10000), RNG.integers(3, 203, 9999))
    # Large: the asymptotic path (max(n1, n2) > 10000).
    add("asymp_10001_50", r2(RNG.normal(size=10001)), r2(RNG.normal(0.3, 1, size=50)))
    add("asymp_20000_5", RNG.integers(0, 100, 20000), RNG.integers(0, 100, 5))
    add("asymp_12000_300", r2(RNG.normal(size=12000)), r2(RNG.normal(0.1, 1, size=300)))
    add("asymp_11000_1000_same", r2(RNG.normal(size=11000)), r2(RNG.normal(size=1000)))
    add("asymp_ints_12000_11000", RNG.integers(0, 50, 12000), RNG.integers(0, 50, 11000))
    add("asymp_ints_11000_11000_shift", RNG.integers(0, 100, 11000), RNG.integers(2, 102, 11000))
    add("asymp_ints_1_vs_11000", [5.0], RNG.integers(0, 10, 11000))
    return out


def ks_exact_grid():
    out = []
    pairs = [(1, 1), (1, 2), (1, 7), (2, 2), (2, 3), (3, 3), (3, 5), (4, 6),
             (5, 5), (5, 7), (8, 12), (10, 10), (10, 15), (13, 17), (20, 30),
             (25, 25), (50, 50), (64, 96), (37, 100), (100, 100), (200, 300),
             (250, 1000), (500, 500), (999, 1000), (1000, 1000), (3000, 7000),
             (1200, 10000), (10000, 10000), (9999, 10000)]
    for n1, n2 in pairs:
        g = gcd(n1, n2)
        lcm = (n1 // g) * n2
        hs = set()
        for d in [0.0, 1e-9, 0.01, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0]:
            h = int(round(d * lcm))
            hs.add(max(0, min(lcm, h)))
        hs.update([1, lcm])
        m, n = max(n1, n2), min(n1, n2)
        for h in sorted(hs):
            # The band recursion costs about m * (2h/(m/g) + 1) steps when
            # n1 != n2; keep the Go test quick (small p is covered by the
            # smaller sizes).
            if n1 != n2 and m * min(n + 1, 2 * h // (m // g) + 1) > 3e6:
                continue
            d = h / lcm
            ok, d2, p = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
            out.append([n1, n2, h, enc(p), bool(ok)])
    return out


def kstwo_grid():
    out = []
    ns = [1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 139, 140, 141, 150, 300, 1000,
          5000, 10000, 50000, 99999, 100000, 100001, 200000, 500000,
          1000000, 2000001]
    for n in ns:
        ds = set()
        for t in [0.3, 0.5, 0.50001, 0.6, 0.9, 1.0, 1.2, 1.5, 2.5]:
            ds.add(t / n)
        for q in [0.05, 0.2, 0.5, 0.75, 0.7547, 0.76, 1.0, 1.5, 2.0, 2.19, 2.21,
                  3.0, 3.99, 4.01, 6.0, 10.0, 17.9, 18.1, 50.0, 150.0, 369.0,
                  371.0, 700.0]:
            ds.add(math.sqrt(q / n))
        for d in [0.25, 0.4999, 0.5, 0.5001, 0.7, 0.9, 0.999, 1 - 1 / n, 1 - 0.5 / n, 1.0]:
            ds.add(d)
        # the DMTW / Pelz-Good boundary n*d**1.5 = 1.4 for large n
        ds.add((1.39 / n) ** (2 / 3))
        ds.add((1.41 / n) ** (2 / 3))
        for d in sorted(ds):
            if not (0 < d <= 1):
                continue
            if n >= 200000 and 2.2 <= n * d * d < 370 and d < 0.5:
                # scipy sums up to n terms here; a few points are enough
                if round(n * d * d, 2) not in (3.0, 50.0):
                    continue
            p = stats.kstwo.sf(d, n)
            out.append([n, d, enc(p)])
    return out


# ---------------------------------------------------------------- Wasserstein


def wasserstein_cases():
    out = []

    def add(name, u, v):
        u = np.asarray(u, dtype=float)
        v = np.asarray(v, dtype=float)
        w = stats.wasserstein_distance(u, v)
        norm = max(np.std(u), 0.001)
        out.append({"name": name, "u": arr(u), "v": arr(v), "w": float(w),
                    "normed": float(w / norm), "std": float(np.std(u))})

    add("single", [1.0], [3.0])
    add("same", [1, 2, 3], [1, 2, 3])
    add("ties", [0, 0, 1, 1, 1, 2], [0, 1, 1, 2, 2, 2, 2])
    add("constant_ref", np.full(10, 4.0), [3.0, 4.0, 5.0, 6.0])
    add("constant_both", np.full(10, 4.0), np.full(7, 4.0))
    add("ints", RNG.integers(0, 20, 300), RNG.integers(2, 25, 450))
    for n1, n2 in [(5, 9), (50, 50), (200, 130), (1000, 3000), (4000, 4000)]:
        rr = (lambda a: a) if n1 + n2 < 1000 else r3
        add(f"normal_{n1}_{n2}", rr(RNG.normal(size=n1)), rr(RNG.normal(size=n2)))
        add(f"shift_{n1}_{n2}", rr(RNG.normal(size=n1)), rr(RNG.normal(1.0, 1, size=n2)))
        add(f"scale_{n1}_{n2}", rr(RNG.normal(10, 1, size=n1)), rr(RNG.normal(10, 3, size=n2)))
    add("lognormal", RNG.lognormal(0, 1.5, 800), RNG.lognormal(0.2, 1.5, 700))
    add("big_magnitude", RNG.normal(1e12, 1e9, 300), RNG.normal(1e12, 2e9, 300))
    add("tiny_magnitude", RNG.normal(0, 1e-9, 300), RNG.normal(0, 1e-9, 200))
    return out


# ---------------------------------------------------------------- PSI / JS


def fill_zeroes(p):
    """Evidently's feel_zeroes: empty shares become 0.0001, or the smallest
    non-zero share / 1e6 when that share is <= 0.0001."""
    p = p.copy()
    nz = p[p != 0]
    mn = nz.min()
    p[p == 0] = mn / 10 ** 6 if mn <= 0.0001 else 0.0001
    return p


def binned(ref, cur, numeric):
    """Evidently's get_binned_data without pandas (NaN already dropped)."""
    if numeric:
        n_vals = len(np.unique(ref))
    else:
        n_vals = len(set(ref))
    if numeric and n_vals > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        rp = np.histogram(ref, edges)[0] / len(ref)
        cp = np.histogram(cur, edges)[0] / len(cur)
        return rp, cp, len(edges) - 1
    keys = sorted(set(ref.tolist()) | set(cur.tolist()))
    rc = {k: 0 for k in keys}
    cc = {k: 0 for k in keys}
    for v in ref.tolist():
        rc[v] += 1
    for v in cur.tolist():
        cc[v] += 1
    rp = np.array([rc[k] / len(ref) for k in keys])
    cp = np.array([cc[k] / len(cur) for k in keys])
    return rp, cp, 0


def psi_js(ref, cur, numeric):
    rp, cp, nbins = binned(ref, cur, numeric)
    rf, cf = fill_zeroes(rp), fill_zeroes(cp)
    psi = 0.0
    for a, b in zip(rf, cf):
        psi += (a - b) * np.log(a / b)
    js = jensenshannon(rp, cp)  # natural log; Evidently passes base=2
    if np.isnan(js):  # scipy's sqrt of a rounding-negative sum
        js = 0.0
    return float(psi), float(js), nbins


def binned_cases():
    out = []

    def addnum(name, ref, cur):
        ref = np.asarray(ref, dtype=float)
        cur = np.asarray(cur, dtype=float)
        psi, js, nbins = psi_js(ref, cur, True)
        out.append({"name": name, "kind": "num", "ref": arr(ref), "cur": arr(cur),
                    "psi": psi, "js": js, "bins": nbins})

    def addcat(name, ref, cur):
        rc, cc = counts(ref), counts(cur)
        ref = np.asarray(expand(rc), dtype=object)
        cur = np.asarray(expand(cc), dtype=object)
        psi, js, _ = psi_js(ref, cur, False)
        out.append({"name": name, "kind": "cat", "refs": rc, "curs": cc,
                    "psi": psi, "js": js, "bins": 0})

    for n1, n2 in [(30, 30), (100, 250), (1000, 1000), (1024, 1024), (5000, 3000)]:
        rr = (lambda a: a) if n1 + n2 < 1000 else r3
        addnum(f"normal_{n1}_{n2}", rr(RNG.normal(size=n1)), rr(RNG.normal(size=n2)))
        addnum(f"shift_{n1}_{n2}", rr(RNG.normal(size=n1)), rr(RNG.normal(0.7, 1, size=n2)))
        addnum(f"scale_{n1}_{n2}", rr(RNG.normal(size=n1)), rr(RNG.normal(0, 3, size=n2)))
    # exactly 1024 values in the concatenation: log2 is an integer
    addnum("pow2_total", RNG.normal(size=512), RNG.normal(size=512))
    addnum("uniform_edges_hit", np.arange(100.0), np.arange(50.0) * 2)
    addnum("empty_bins_tail", RNG.normal(size=2000), RNG.normal(6, 0.1, size=50))
    addnum("ints_21_values", np.arange(21.0).repeat(3), RNG.integers(0, 30, 70))
    addnum("ints_20_values", np.arange(20.0).repeat(3), RNG.integers(0, 25, 70))
    addnum("ints_few", RNG.integers(0, 4, 500), RNG.integers(0, 6, 300))
    addnum("constant_same", np.full(40, 1.5), np.full(10, 1.5))
    addnum("constant_vs_other", np.full(40, 1.5), np.concatenate([np.full(10, 1.5), [2.0]]))
    addnum("binary", RNG.integers(0, 2, 1500), RNG.integers(0, 2, 1500) * (RNG.random(1500) < 0.8))
    addnum("lognormal", r3(RNG.lognormal(0, 2, 3000)), r3(RNG.lognormal(0.5, 2, 3000)))
    # one outlier in 12001 reference values: the smallest non-zero share is
    # below 0.0001, so empty bins get that share / 1e6
    addnum("tiny_share_fill", np.concatenate([r2(RNG.normal(size=12000)), [50.0]]),
           r2(RNG.normal(size=300)))
    cats = np.array(["a", "b", "c", "d", "e"])
    addcat("cat_same", RNG.choice(cats, 400), RNG.choice(cats, 300))
    addcat("cat_shift", RNG.choice(cats, 400, p=[0.4, 0.3, 0.1, 0.1, 0.1]),
           RNG.choice(cats, 300, p=[0.1, 0.1, 0.1, 0.3, 0.4]))
    addcat("cat_unseen", RNG.choice(cats[:3], 400), RNG.choice(cats, 300))
    addcat("cat_missing_in_cur", RNG.choice(cats, 400), RNG.choice(cats[:2], 300))
    addcat("cat_one", ["x"] * 10, ["x"] * 5)
    addcat("cat_disjoint", ["x"] * 10, ["y"] * 5)
    addcat("cat_rare", ["x"] * 20000 + ["z"], ["x"] * 50 + ["y"] * 50)
    return out


# ---------------------------------------------------------------- chi-square


def chisq_ref(ref, cur):
    """Chi-square goodness of fit over the categories the reference saw."""
    ref = list(ref)
    cur = list(cur)
    rc, cc = {}, {}
    for v in ref:
        rc[v] = rc.get(v, 0) + 1
    for v in cur:
        cc[v] = cc.get(v, 0) + 1
    seen = sorted(rc)
    unseen = sorted(k for k in cc if k not in rc)
    cur_seen = sum(cc.get(k, 0) for k in seen)
    if cur_seen == 0:
        return 0.0, 0.0, unseen
    f_obs = np.array([cc.get(k, 0) for k in seen], dtype=float)
    f_exp = np.array([rc[k] / len(ref) * cur_seen for k in seen])
    if len(seen) == 1:
        return 0.0, 1.0, unseen  # df = 0: scipy says NaN, we say no evidence
    r = stats.chisquare(f_obs, f_exp)
    return float(r.statistic), float(r.pvalue), unseen


def chisquare_cases():
    out = []

    def add(name, ref, cur):
        rc, cc = counts(ref), counts(cur)
        stat, p, unseen = chisq_ref(expand(rc), expand(cc))
        out.append({"name": name, "refs": rc, "curs": cc,
                    "stat": stat, "p": p, "unseen": unseen})

    cats = np.array(["a", "b", "c", "d", "e", "f"])
    add("same", RNG.choice(cats, 300), RNG.choice(cats, 200))
    add("mild", RNG.choice(cats, 600, p=[.2, .2, .2, .2, .1, .1]),
        RNG.choice(cats, 500, p=[.15, .2, .2, .2, .15, .1]))
    add("strong", RNG.choice(cats, 600, p=[.5, .1, .1, .1, .1, .1]),
        RNG.choice(cats, 500, p=[.1, .1, .1, .1, .1, .5]))
    add("huge_stat", ["a"] * 5000 + ["b"] * 5000, ["a"] * 9900 + ["b"] * 100)
    add("unseen", RNG.choice(cats[:4], 300), RNG.choice(cats, 200))
    add("missing_in_cur", RNG.choice(cats, 300), RNG.choice(cats[:2], 200))
    add("one_category", ["a"] * 10, ["a"] * 4 + ["z"])
    add("all_unseen", ["a"] * 10, ["y", "z"])
    many = np.array([f"k{i}" for i in range(300)])
    add("many_categories", RNG.choice(many, 5000), RNG.choice(many, 4000))
    return out


def chi2_grid():
    out = []
    for df in [1, 2, 3, 4, 5, 9, 10, 30, 49, 100, 299, 1000, 9999, 100000]:
        xs = set([0.0])
        for f in [1e-6, 0.01, 0.1, 0.3, 0.5, 0.8, 0.95, 1.0, 1.05, 1.2, 1.5, 2.0, 3.0,
                  5.0, 10.0, 30.0, 100.0]:
            xs.add(df * f)
        for a in [1, 3, 10, 30, 100, 300, 600, 690]:
            # x with p around exp(-a)
            xs.add(df + a * 2 + 3 * math.sqrt(df * a))
        for x in sorted(xs):
            out.append([x, df, enc(stats.chi2.sf(x, df))])
    return out


# ---------------------------------------------------------------- pipeline


def numeric_ref(ref, cur, method=None, threshold=None):
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    ref = ref[np.isfinite(ref)]
    cur = cur[np.isfinite(cur)]
    if method is None:
        n_values = len(np.unique(np.concatenate([ref, cur])))
        if len(ref) <= 1000:
            method = "chisquare" if n_values <= 5 else "ks"
        else:
            method = "js" if n_values <= 5 else "wasserstein"
    res = {"method": method}
    if method == "ks":
        r = stats.ks_2samp(ref, cur)
        th = 0.05 if threshold is None else threshold
        res.update(stat=float(r.statistic), p=float(r.pvalue), drift=bool(r.pvalue <= th))
    elif method == "wasserstein":
        w = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
        th = 0.1 if threshold is None else threshold
        res.update(stat=float(w), drift=bool(w >= th))
    elif method in ("psi", "js"):
        psi, js, _ = psi_js(ref, cur, True)
        v = psi if method == "psi" else js
        th = 0.1 if threshold is None else threshold
        res.update(stat=v, drift=bool(v >= th))
    elif method == "chisquare":
        stat, p, unseen = chisq_ref(ref.tolist(), cur.tolist())
        th = 0.05 if threshold is None else threshold
        res.update(stat=stat, p=p, unseen=[float(u) for u in unseen],
                   drift=bool(p < th or len(unseen) > 0))
    res["threshold"] = th
    return res


def numeric_cases():
    out = []

    def add(name, ref, cur, method=None, threshold=None):
        r = numeric_ref(ref, cur, method, threshold)
        c = {"name": name, "ref": arr(ref), "cur": arr(cur), "want": r}
        if method is not None:
            c["method"] = method
        if threshold is not None:
            c["threshold"] = threshold
        out.append(c)

    nan, inf = float("nan"), float("inf")
    add("small_same", RNG.normal(size=200), RNG.normal(size=150))
    add("small_shift", RNG.normal(size=200), RNG.normal(0.4, 1, size=150))
    add("small_nan", np.concatenate([RNG.normal(size=100), [nan, nan, inf]]),
        np.concatenate([[nan, -inf], RNG.normal(size=80)]))
    add("small_ints_few_values", RNG.integers(0, 4, 300), RNG.integers(0, 5, 200))
    add("small_binary", RNG.integers(0, 2, 300), RNG.integers(0, 2, 200))
    add("big_same", r3(RNG.normal(size=3000)), r3(RNG.normal(size=2000)))
    add("big_shift", r3(RNG.normal(size=3000)), r3(RNG.normal(0.2, 1, size=2000)))
    add("big_scale", r3(RNG.normal(size=3000)), r3(RNG.normal(0, 1.3, size=2000)))
    add("big_nan", np.concatenate([r3(RNG.normal(size=1500)), [nan] * 50]),
        np.concatenate([[nan] * 30, r3(RNG.normal(size=900))]))
    add("big_few_values", RNG.integers(0, 5, 2000), RNG.integers(0, 5, 2000))
    add("big_constant", np.full(1500, 3.0), np.full(100, 3.0))
    add("big_constant_moved", np.full(1500, 3.0), np.full(100, 3.002))
    add("exactly_1000", r3(RNG.normal(size=1000)), r3(RNG.normal(size=500)))
    add("1001_after_nan", np.concatenate([r3(RNG.normal(size=1001)), [nan]]),
        r3(RNG.normal(size=500)))
    add("psi_chosen", RNG.normal(size=500), RNG.normal(0.3, 1, size=400), "psi")
    add("js_chosen", RNG.normal(size=500), RNG.normal(0.3, 1, size=400), "js", 0.05)
    add("ks_chosen_big", r3(RNG.normal(size=2000)), r3(RNG.normal(size=1000)), "ks", 0.01)
    add("wd_chosen_small", RNG.normal(size=100), RNG.normal(size=100), "wasserstein", 0.2)
    add("chi_chosen", RNG.integers(0, 6, 400), RNG.integers(0, 8, 300), "chisquare")
    return out


def main():
    doc = {
        "meta": {"scipy": scipy.__version__, "numpy": np.__version__,
                 "generator": "testdata/drift/gen_vectors.py"},
        "ks": ks_cases(),
        "ks_exact": ks_exact_grid(),
        "kstwo_sf": kstwo_grid(),
        "wasserstein": wasserstein_cases(),
        "binned": binned_cases(),
        "chisquare": chisquare_cases(),
        "chi2_sf": chi2_grid(),
        "numeric": numeric_cases(),
    }
    json.dump(doc, sys.stdout, separators=(",", ":"), allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
