"""What a claim is: a registered unit, as an engine is. Each claim is one
module of sbreport/claims/ (its words, the records its rule reads, its
threshold and its rule as code) plus one line of the registry
(claims/__init__.py). Everything else reads them from there: the report's
verdicts, the docs' table (scripts/claims_doc.py), the tests' counts."""


class Claim:
    def __init__(self, id, claim, test, needs, rule, check, threshold=None, decision=None):
        self.id = id  # "C1"
        self.claim = claim  # the tutorials' claim, in the project's words
        self.test = test  # what the rule tests, in plain words
        # What the rule reads: "workload/<engine>/param:N..." patterns; the
        # workload is their first part (the warnings and the coverage test
        # read it).
        self.needs = list(needs)
        self.rule = rule  # the rule in words, as the code decides it
        self.check = check  # check(view, threshold) -> rules.Verdict
        self.threshold = dict(threshold or {})
        # decision(view, threshold) -> rules.Decision, a list of them (one
        # per half of a claim that has two), or None: the figures that
        # decide the verdict and the threshold they meet, drawn as the
        # claim's own chart (one mark per engine, the threshold a line).
        self.decision = decision

    @property
    def workloads(self):
        """The workloads the rule reads, in order, each once."""
        out = []
        for n in self.needs:
            w = n.split("/", 1)[0]
            if w not in out:
                out.append(w)
        return out

    def decide(self, view):
        verdict = self.check(view, self.threshold)
        verdict.tags_are_engines = bool(verdict.results) and all(t in view.kinds for t, _ in verdict.results)
        self._distrust_disturbed(view, verdict)
        if self.decision is not None:
            d = self.decision(view, self.threshold)
            verdict.decisions = [x for x in (d if isinstance(d, list) else [d]) if x and x.rows]
        return verdict

    def _distrust_disturbed(self, view, verdict):
        """A decided verdict that rests on figures which had to use
        disturbed repetitions (the disturbance never stopped long enough
        for enough clean ones) is not a verdict: it becomes inconclusive,
        naming them. Under a CPU hog on each core, cpu/threads ran 80x
        slower and would have turned C3's CPU half into its opposite. The
        benchmarks it rests on are its quantities' where the rule records
        them, else every one of the workloads it reads."""
        from .rules import MISSING, OPEN
        if verdict.status in (OPEN, MISSING):
            return
        run = view.run
        names = verdict.rests_on if verdict.rests_on is not None else [
            n for n, b in run.benchmarks.items() if b.nm.family in self.workloads]
        refs = set(run.references)
        hit = sorted(n for n in names if n in run.benchmarks and run.benchmarks[n].used_disturbed
                     and run.benchmarks[n].nm.engine not in refs)
        if hit:
            verdict.why = (f"it would have said '{verdict.text}', but rests on figures measured while other "
                           f"processes or the hypervisor used the run's CPUs (disturbed repetitions, too few "
                           f"clean ones): {', '.join(hit[:4])}{' …' if len(hit) > 4 else ''}; rerun on a "
                           f"quieter machine")
            verdict.status, verdict.when = OPEN, ""
            verdict.results = [(t, None) for t, _ in verdict.results]
            verdict.key_figure = (f"rests on disturbed repetitions ({', '.join(hit[:2])}"
                                  f"{' …' if len(hit) > 2 else ''}); rerun on a quieter machine")
