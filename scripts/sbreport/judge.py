"""One verdict on two samples of the same benchmark, shared by the
comparison report and ./bench regress: the ratio of medians head/base with
a bootstrap interval, a Mann-Whitney U p-value, and regressed / improved /
within noise / cannot tell (exact counts: unchanged). Lower values are
better (times, instructions).

A verdict says no more than the test can: "within noise" only where the
whole interval lies inside the threshold, and "cannot tell" where it does
not and the test could not call a change, with why. With few repetitions
the U test has no power at all: 6 against 6 can reach at best p = 0.0022,
and Holm over 173 benchmarks multiplies that to 0.37, so no change could
ever be called; such a comparison says so and how many repetitions a side
would give it the power (Power).

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
        elif lo >= 1 - self.threshold and hi <= 1 + self.threshold:
            self.verdict = "within noise"
        else:
            self.verdict = "cannot tell"


def holm(ps):
    """Holm-adjusted p-values, in the order given."""
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    m, out, running = len(ps), [0.0] * len(ps), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


class Power:
    """What a family of U tests can call at best: with n1 and n2 samples
    the smallest p (the two samples wholly apart, no ties: the same test
    as the one run), times the family's size (Holm's first step). Where
    that is not below alpha, no change can be called, and `needed` is the
    repetitions a side that would allow one."""

    def __init__(self, n1, n2, family, alpha):
        self.n1, self.n2, self.family, self.alpha = n1, n2, family, alpha
        self.best_p = self.best(n1, n2, family)
        self.enough = self.best_p < alpha
        n = max(n1, n2, 2)
        while self.best(n, n, family) >= alpha and n < 200:
            n += 1
        self.needed = n

    @staticmethod
    def best(n1, n2, family):
        p = stats.mann_whitney_p(list(range(n1)), list(range(n1, n1 + n2)))
        return min(1.0, (p or 1.0) * max(1, family))

    def words(self):
        side = f"{self.n1} a side" if self.n1 == self.n2 else f"{self.n1} and {self.n2} repetitions"
        return (f"{side} can reach at best p = {self.best_p:.2g} (Holm over {self.family}; alpha {self.alpha:g}): "
                f"a change can be called only with {self.needed} or more repetitions a side")


def judge_all(pairs, threshold, alpha, min_reps=5, exact=False):
    """{name: Judgement} for {name: (base, head)}, alpha family-wise. Each
    tested judgement gets `power` (Power) and, where it cannot tell,
    `why`."""
    js = {n: Judgement(b, h, threshold, min_reps, exact) for n, (b, h) in pairs.items()}
    tested = [j for j in js.values() if j.p is not None]
    for j, pa in zip(tested, holm([j.p for j in tested])):
        j.p_adjusted = pa
    powers = {}
    for n, j in js.items():
        j.decide(alpha)
        b, h = pairs[n]
        j.power = None
        if j.p is not None:
            key = (len(b), len(h))
            j.power = powers.setdefault(key, Power(len(b), len(h), len(tested), alpha))
        j.why = ""
        if j.verdict == "cannot tell":
            lo, hi = j.interval or (j.ratio, j.ratio)
            j.why = (j.power.words() if j.power and not j.power.enough else
                     f"the interval {lo:.3f}-{hi:.3f} reaches beyond ±{threshold:.0%} and p = {j.p_adjusted:.2g}")
    return js
