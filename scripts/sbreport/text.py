"""Text that came from outside (a benchmark name, a path, a CPU model) as it
may be shown: never as markup or code. `shown` makes control characters and
the bidirectional controls visible escapes, so a name cannot end a line,
hide itself or reorder what stands beside it (Trojan-source marks); `md`
escapes what Markdown (GitHub's included) would read as markup or raw HTML.
HTML escaping itself is html.escape at the page (page.py)."""

import re

# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides,
# isolates and marks (U+061C, U+200E-F, U+202A-E, U+2066-9).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MD = re.compile(r"([\\`*\[\]<>|&~])")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _escape(m):
    c = m.group(0)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c, f"\\u{ord(c):04x}" if ord(c) > 0xff else f"\\x{ord(c):02x}")


def shown(s):
    """s with every control and bidirectional character as a visible
    escape (a newline reads \\n)."""
    return _HIDDEN.sub(_escape, str(s))


def md(s):
    """s as literal Markdown text on one line: markup characters escaped,
    < > & as entities (no raw HTML passes), controls visible."""
    return _MD.sub(lambda m: _MD_ENTITY.get(m.group(1), "\\" + m.group(1)), shown(s))
