"""Benchmark names, Google Benchmark style: `family/arg/arg...`. Ours are
`family/engine/param:value/...` (docs/design.md); anyone's may carry bare numeric
arguments (`BM_copy/8/64`) or `key:value` ones (`BM_x/threads:2`)."""

import re

_NUM = re.compile(r"^-?\d+(\.\d+)?$")


class Name:
    def __init__(self, full):
        self.full = full
        parts = full.split("/")
        self.family = parts[0]
        self.args = parts[1:]
        self.params = {}  # key -> number, from key:value arguments
        self.plain = []  # the other arguments, in order
        for a in self.args:
            k, sep, v = a.partition(":")
            if sep and _NUM.match(v):
                self.params[k] = float(v)
            else:
                self.plain.append(a)

    _typed_engine = None

    @classmethod
    def typed(cls, full, workload, engine, params):
        """A name whose family, engine and parameters come from the record's
        typed fields (switchbench writes them), not from splitting it."""
        nm = cls(full)
        nm.family = workload
        nm._typed_engine = engine
        # The fields win; the name still supplies what they do not carry
        # (workers:N and placement:X, which the name shows when not the default).
        nm.params = {**nm.params, **{k: float(v) for k, v in params.items()}}
        return nm

    @property
    def engine(self):
        """Our names: the record's engine field, else the second part. Others: None."""
        if self._typed_engine is not None:
            return self._typed_engine
        return self.plain[0] if self.plain and not _NUM.match(self.plain[0]) else None

    def numeric_positions(self):
        """Indexes into args of the numeric arguments, bare or key:value."""
        return [i for i, a in enumerate(self.args) if _NUM.match(a.partition(":")[2] if ":" in a else a)]

    def numbers(self):
        """Every numeric argument, bare or key:value, in order."""
        return [float(self.args[i].partition(":")[2] or self.args[i]) if ":" in self.args[i]
                else float(self.args[i]) for i in self.numeric_positions()]

    def without(self, *keys):
        """The name with the given key:value arguments left out: what stays
        the same along a sweep of those keys."""
        return "/".join([self.family] + [a for a in self.args if a.partition(":")[0] not in keys])


def param(name, key, default=None):
    return Name(name).params.get(key, default)
