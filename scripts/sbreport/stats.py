"""The few statistics a report needs, standard library only: medians and
spread of repetitions, a Mann-Whitney U test and a bootstrap interval for
the ratio of two medians (compare.py uses the same U test through scipy;
these agree with scipy.stats.mannwhitneyu, two-sided, to 1e-9 -- see
tests/report_test.py)."""

import math
import random
import statistics


def median(xs):
    return statistics.median(xs)


def cv(xs):
    """Coefficient of variation (stddev / mean), as Google Benchmark's cv
    row; 0 for fewer than two values."""
    if len(xs) < 2:
        return 0.0
    m = statistics.fmean(xs)
    return statistics.stdev(xs) / m if m else 0.0


def _ranks(values):
    """Average ranks (1-based) and the sizes of the groups of ties."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _exact_cdf(n1, n2):
    """Counts of each U for n1, n2 without ties (the classic recurrence)."""
    # count(i, j)[u]: orderings of i and j values whose statistic is u.
    table = {}

    def count(i, j):
        if (i, j) in table:
            return table[(i, j)]
        if i == 0 or j == 0:
            res = [1]
        else:
            a = count(i - 1, j)  # the largest value is from sample 1: U grows by j
            b = count(i, j - 1)
            res = [0] * (i * j + 1)
            for u, c in enumerate(a):
                res[u + j] += c
            for u, c in enumerate(b):
                res[u] += c
        table[(i, j)] = res
        return res

    return count(n1, n2)


def mann_whitney_p(a, b):
    """Two-sided p-value of the Mann-Whitney U test: exact when both samples
    are small and have no ties, else the normal approximation with tie and
    continuity corrections (as scipy's method='auto')."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return None
    ranks, ties = _ranks(list(a) + list(b))
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    if not ties and n1 <= 8 and n2 <= 8:
        counts = _exact_cdf(n1, n2)
        total = sum(counts)
        u = max(u1, u2)
        tail = sum(counts[int(round(u)):]) / total
        return min(1.0, 2 * tail)
    n = n1 + n2
    mu = n1 * n2 / 2
    tie_term = sum(t ** 3 - t for t in ties) / (n * (n - 1))
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
    if sigma == 0:
        return 1.0
    z = (max(u1, u2) - mu - 0.5) / sigma
    return min(1.0, math.erfc(z / math.sqrt(2)))


def ratio_interval(a, b, level=0.95, rounds=2000):
    """A percentile bootstrap interval for median(b) / median(a). The seed
    is fixed: the same inputs give the same interval, run after run."""
    if not a or not b:
        return None
    rng = random.Random(20261122)
    rs = []
    for _ in range(rounds):
        ma = statistics.median(rng.choices(a, k=len(a)))
        mb = statistics.median(rng.choices(b, k=len(b)))
        if ma > 0:
            rs.append(mb / ma)
    if not rs:
        return None
    rs.sort()
    lo = rs[int((1 - level) / 2 * (len(rs) - 1))]
    hi = rs[int((1 + level) / 2 * (len(rs) - 1))]
    return lo, hi


def two_levels(xs, min_step=0.05):
    """(low median, high median, n low, n high) when the values fall into
    two clusters, else None: split at the widest gap between sorted values
    (on a log scale), each side two values or more, the gap at least twice
    the wider side's own spread, and the levels min_step or more apart. A
    benchmark whose speed depends on the layout its repetitions drew looks
    like this (switch/stackless: 2.1 ns under one stack start, 3.0-3.3
    under another), and its median is then neither level."""
    v = sorted(x for x in xs if x > 0)
    if len(v) < 4:
        return None
    logs = [math.log(x) for x in v]
    cut = max(range(2, len(v) - 1), key=lambda i: logs[i] - logs[i - 1])
    gap = logs[cut] - logs[cut - 1]
    spread = max(logs[cut - 1] - logs[0], logs[-1] - logs[cut])
    lo, hi = median(v[:cut]), median(v[cut:])
    if gap < 2 * spread or hi / lo < 1 + min_step:
        return None
    return lo, hi, cut, len(v) - cut
