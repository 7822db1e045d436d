"""What a switchbench binary knows about its engines and workloads, read
from `switchbench --describe` (harness/records/describe.c), so that no script keeps
a list of its own. The document is checked before use, as any input is."""

import json
import subprocess

from .entry import BadInput

VERSION = 1


def describe(binary, *select):
    """The binary's --describe document (with `select`, the options whose
    selection it reports under "selected")."""
    p = subprocess.run([binary, "--describe", *select], capture_output=True, text=True)
    if p.returncode != 0:
        raise BadInput(f"{binary} --describe: {p.stderr.strip() or f'exit {p.returncode}'}")
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        raise BadInput(f"{binary} --describe: not JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("describe_version") != VERSION:
        raise BadInput(f"{binary} --describe: not a version {VERSION} description")
    for key in ("engines", "workloads"):
        items = doc.get(key)
        if not isinstance(items, list) or not all(isinstance(x, dict) and isinstance(x.get("name"), str)
                                                  for x in items):
            raise BadInput(f"{binary} --describe: '{key}' is not a list of named entries")
    return doc


def engines(doc, kind=None, ours=None, available=None):
    """Engine names in registry order: of `kind` (kernel, coroutine,
    baseline), ours (not a reference) or not, available here or not."""
    return [e["name"] for e in doc["engines"]
            if (kind is None or e.get("kind") == kind)
            and (ours is None or (not e.get("reference")) == ours)
            and (available is None or bool(e.get("available")) == available)]
