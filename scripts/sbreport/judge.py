"""One verdict on two samples of the same benchmark, shared by the
comparison report and ./bench regress: the ratio of medians head/base with
a bootstrap interval, a Mann-Whitney U p-value, and regressed / improved /
unchanged. Lower values are better (times, instructions)."""

from . import stats


class Judgement:
    def __init__(self, base, head, threshold, alpha=0.05, min_reps=5, exact=False):
        self.base_median = stats.median(base)
        self.head_median = stats.median(head)
        self.ratio = self.head_median / self.base_median if self.base_median else float("inf")
        self.interval = stats.ratio_interval(base, head)
        self.p = None
        if exact:
            # A count that repeats exactly (instructions): no test, the
            # change itself is the evidence.
            changed = abs(self.ratio - 1) > threshold
            self.verdict = ("regressed" if self.ratio > 1 else "improved") if changed else "unchanged"
            return
        if len(base) < min_reps or len(head) < min_reps:
            self.verdict = f"untested (fewer than {min_reps} repetitions a side)"
            return
        self.p = stats.mann_whitney_p(base, head)
        if self.p < alpha and self.ratio > 1 + threshold:
            self.verdict = "regressed"
        elif self.p < alpha and self.ratio < 1 - threshold:
            self.verdict = "improved"
        else:
            self.verdict = "unchanged"
