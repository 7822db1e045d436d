"""The claims registry: the tutorials' claims switchbench tests, in the
order the report shows them, one line each. A claim is its own module
(sbreport/claim.py says what it holds); adding one is that module and a
line here. A verdict is computed from one run's repetitions, never typed:
every comparison uses the 95 % interval of each median, and a comparison
whose interval straddles its threshold makes the verdict inconclusive."""

from ..rules import View, missing
from . import (c01_switch_rate, c02_resource_order, c03_cpu_wants_processes, c04_one_thread,
               c05_tens_of_thousands, c06_advantage_grows, c07_no_locks, c08_sleeps_overlap,
               c09_blocking_call, c10_thread_switch_cost, c11_echo_server, c12_yield_handoff,
               c13_processes_and_coroutines)

REGISTRY = [
    c01_switch_rate.CLAIM,
    c02_resource_order.CLAIM,
    c03_cpu_wants_processes.CLAIM,
    c04_one_thread.CLAIM,
    c05_tens_of_thousands.CLAIM,
    c06_advantage_grows.CLAIM,
    c07_no_locks.CLAIM,
    c08_sleeps_overlap.CLAIM,
    c09_blocking_call.CLAIM,
    c10_thread_switch_cost.CLAIM,
    c11_echo_server.CLAIM,
    c12_yield_handoff.CLAIM,
    c13_processes_and_coroutines.CLAIM,
]


def decide(run):
    """Every registered claim's verdict for a run, in registry order."""
    v = View(run)
    out = []
    for c in REGISTRY:
        try:
            verdict = c.decide(v)
        except (ZeroDivisionError, TypeError) as e:
            verdict = missing(f"its figures are incomplete ({e})")
        out.append((c, verdict))
    return out
