"""Figures with their uncertainty, for the claims' rules: a median of a
run's repetitions with a distribution-free interval from order statistics,
ratios of such medians, and comparisons with a threshold that answer yes,
no or "the noise covers it" (None).

The interval of a median from n repetitions is [x(k), x(n+1-k)] for the
largest k whose coverage 1 - 2 P(Binomial(n, 1/2) < k) is at least 95 %.
Below six repetitions no k reaches 95 % (five give 93.75 % with the
minimum and maximum), so a decision needs six or more; fewer give the
[min, max] interval, reported with its real coverage, and any comparison
on it is inconclusive. A ratio's interval divides the ends crosswise
(lo/hi, hi/lo): conservative, and its coverage is at least the product of
both sides'."""

import math

from . import stats

LEVEL = 0.95
MIN_REPS = 6  # the fewest repetitions whose [min, max] covers the median at 95 %


def coverage(n, k):
    """P(x(k) <= median <= x(n+1-k)) for n samples of a continuous
    distribution."""
    below = sum(math.comb(n, i) for i in range(k)) / 2 ** n
    return 1 - 2 * below


def median_interval(values):
    """(lo, hi, coverage) of the median of values."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("no values")
    k = 1
    while k + 1 <= (n + 1) // 2 and coverage(n, k + 1) >= LEVEL:
        k += 1
    return xs[k - 1], xs[n - k], coverage(n, k)


class Q:
    """A quantity: median, interval, how many repetitions, their cv, and
    which benchmarks it came from (named in an inconclusive verdict)."""

    def __init__(self, med, lo, hi, cover, n, cv, names=()):
        self.med, self.lo, self.hi, self.cover, self.n, self.cv = med, lo, hi, cover, n, cv
        self.names = tuple(names)

    @classmethod
    def of(cls, values, name=""):
        vals = [float(v) for v in values]
        lo, hi, cover = median_interval(vals)
        return cls(stats.median(vals), lo, hi, cover, len(vals), stats.cv(vals) if len(vals) > 1 else 0.0,
                   (name,) if name else ())

    @classmethod
    def exact(cls, value):
        """A number with no noise (a count, a threshold)."""
        return cls(value, value, value, 1.0, 0, 0.0)

    def __truediv__(self, other):
        if not isinstance(other, Q):
            other = Q.exact(float(other))
        lo = self.lo / other.hi if other.hi else math.inf
        hi = self.hi / other.lo if other.lo else math.inf
        return Q(self.med / other.med, lo, hi, self.cover * other.cover, _fewest(self, other),
                 max(self.cv, other.cv), self.names + other.names)

    def __mul__(self, k):
        k = float(k)
        return Q(self.med * k, self.lo * k, self.hi * k, self.cover, self.n, self.cv, self.names)

    def __sub__(self, k):
        k = float(k)
        return Q(self.med - k, self.lo - k, self.hi - k, self.cover, self.n, self.cv, self.names)

    @property
    def decisive(self):
        """Whether its interval may decide anything: every median in it
        from at least six repetitions (95 % each), or an exact number."""
        return self.n == 0 or self.n >= MIN_REPS

    def text(self, f="{:.3g}", unit=""):
        """'1.07x (1.02-1.12)': the median and its interval."""
        if self.lo == self.hi:
            return f.format(self.med) + unit
        return f"{f.format(self.med)}{unit} ({f.format(self.lo)}–{f.format(self.hi)})"


def _fewest(a, b):
    ns = [x.n for x in (a, b) if x.n]
    return min(ns) if ns else 0


def at_least(q, threshold):
    """True when the whole interval is at or above the threshold, False
    when it is wholly below, None when the threshold lies inside it or the
    interval cannot decide (fewer than six repetitions)."""
    if q.lo >= threshold and q.decisive:
        return True
    if q.hi < threshold and q.decisive:
        return False
    return None


def below(q, threshold):
    """True when wholly below the threshold, False when wholly at or above,
    None otherwise."""
    r = at_least(q, threshold)
    return None if r is None else not r


def undecided_why(qs):
    """What would decide comparisons left open by these quantities: their
    noise and the repetitions to ask for."""
    qs = [q for q in qs if q is not None]
    names = sorted({n for q in qs for n in q.names})
    few = [q for q in qs if q.n and q.n < MIN_REPS]
    worst = max((q.cv for q in qs), default=0.0)
    reps = max([MIN_REPS] + [2 * q.n for q in qs if q.n])
    where = f" ({', '.join(names[:3])}{' …' if len(names) > 3 else ''})" if names else ""
    if few:
        return (f"{min(q.n for q in few)} repetitions cannot give a 95 % interval of a median{where}; rerun with "
                f"--repetitions={max(reps, MIN_REPS)} on a quiet machine")
    return (f"the noise of this run (cv up to {worst:.0%}{where}) covers the difference; rerun with "
            f"--repetitions={reps} on a quiet machine")
