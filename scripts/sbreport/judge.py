"""One verdict on two samples of the same benchmark, shared by the
comparison report and ./bench regress: the ratio of medians head/base with
a bootstrap interval, a Mann-Whitney U p-value, and regressed / improved /
unchanged. Lower values are better (times, instructions).

Many benchmarks are judged at once, so alpha is family-wise: the p-values
of one comparison are adjusted by Holm's step-down method before they meet
alpha. Measured here before the adjustment (5 self-comparisons of the 18
default benchmarks, 9 samples a side): 1 of 90 judgements flagged, one
run in five crying wolf.

A change "beyond the threshold" means its whole 95 % interval is beyond
it, not just the ratio of medians: one process of switch/asm differs from
the next by up to 50 % here (120 runs of the same binary: 6.7 to 10.6 ns,
quartiles 7.8 and 9.1), so two medians of 9 sometimes sit 14 % apart with
p < 0.05. Drawing 9 against 9 from those 120 runs 2000 times: the ratio
rule flagged 2.2 % of self-comparisons, the interval rule 0.05 %."""

from . import stats


class Judgement:
    def __init__(self, base, head, threshold, min_reps=5, exact=False):
        self.base_median = stats.median(base)
        self.head_median = stats.median(head)
        self.ratio = self.head_median / self.base_median if self.base_median else float("inf")
        self.interval = stats.ratio_interval(base, head)
        self.threshold = threshold
        self.p = self.p_adjusted = None
        self.exact = exact
        self.verdict = None
        if exact:
            # A count that repeats exactly (instructions): no test, the
            # change itself is the evidence.
            changed = abs(self.ratio - 1) > threshold
            self.verdict = ("regressed" if self.ratio > 1 else "improved") if changed else "unchanged"
        elif len(base) < min_reps or len(head) < min_reps:
            self.verdict = f"untested (fewer than {min_reps} repetitions a side)"
        else:
            self.p = stats.mann_whitney_p(base, head)

    def decide(self, alpha):
        if self.verdict is not None:
            return
        p = self.p_adjusted if self.p_adjusted is not None else self.p
        lo, hi = self.interval or (self.ratio, self.ratio)
        if p < alpha and lo > 1 + self.threshold:
            self.verdict = "regressed"
        elif p < alpha and hi < 1 - self.threshold:
            self.verdict = "improved"
        else:
            self.verdict = "unchanged"


def holm(ps):
    """Holm-adjusted p-values, in the order given."""
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    m, out, running = len(ps), [0.0] * len(ps), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def judge_all(pairs, threshold, alpha, min_reps=5, exact=False):
    """{name: Judgement} for {name: (base, head)}, alpha family-wise."""
    js = {n: Judgement(b, h, threshold, min_reps, exact) for n, (b, h) in pairs.items()}
    tested = [j for j in js.values() if j.p is not None]
    for j, pa in zip(tested, holm([j.p for j in tested])):
        j.p_adjusted = pa
    for j in js.values():
        j.decide(alpha)
    return js
