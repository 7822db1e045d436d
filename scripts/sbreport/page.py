"""report.html and report.md from one model: claims, environment, warnings,
charts, results. The HTML is one file: CSS and SVG inline, no script, font
or image from anywhere else, readable from 360 px wide up."""

import html

from .rules import fmt
from .text import md, shown

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:12px 16px 40px}
h1{font-size:1.5em;margin:.6em 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd}
.sub{color:#555;margin:0 0 1em}
.wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92em}
th,td{border:1px solid #e2e2e2;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.v{font-weight:600}
table.claims{table-layout:fixed;min-width:560px}
table.results{min-width:860px}
table.mclaims{min-width:640px}table.menv th{white-space:nowrap}.mname{display:none}
.c-id{width:3.2em}td.cid{background:#eaf1fb}.c-claim{width:28%}.c-v{width:17%}
.v-holds{color:#17692b}.v-not{color:#b3261e}.v-only{color:#8a5a00}.v-missing{color:#666}
.v-open{color:#5a4a9a}.test{color:#555;font-size:.88em;margin-top:4px}.by{color:#555;font-size:.85em;font-weight:400}
.figs{margin:0;padding-left:1.1em;font-size:.92em}
.warn{background:#fff6e0;border-left:4px solid #e0a800;padding:6px 10px;margin:4px 0}
.banner{background:#fff6e0;border:1px solid #e0a800;border-radius:4px;padding:6px 10px;margin:8px 0;font-size:.92em}
.banner ul{margin:2px 0 2px 1.1em;padding:0}
figure{margin:1.2em 0;background:#fff;border:1px solid #e2e2e2;padding:8px}
.plot{overflow-x:auto;-webkit-overflow-scrolling:touch}
figure svg{width:100%;max-width:900px;height:auto;display:block;margin:0 auto}
ol.answers{list-style:none;margin:.4em 0 1em;padding:0;background:#f5f9fe;border:1px solid #e2e2e2}
ol.answers li{padding:5px 10px;border-bottom:1px solid #eee}ol.answers li:last-child{border-bottom:0}
ol.answers .aid{font-weight:700;margin-right:.4em}ol.answers .claim{color:#555;font-size:.88em}
ol.answers .fig{font-size:.88em;font-variant-numeric:tabular-nums}
details.more>summary{cursor:pointer;color:#1b6ca8;margin:.6em 0}.flag{color:#8a5a00;font-size:.85em}
figcaption{color:#444;font-size:.92em;margin-top:4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
dt{color:#555}dd{margin:0;word-break:break-word}
.err{color:#b3261e}.skip{color:#666}
@media (max-width:600px){body{font-size:14px}dl{grid-template-columns:1fr}dt{font-weight:600}
table.claims,table.claims tbody,table.claims tr,table.claims td{display:block;width:auto;min-width:0}
table.claims thead,table.claims colgroup{display:none}
table.mclaims,table.mclaims tbody,table.mclaims tr,table.mclaims td{display:block;width:auto;min-width:0}
table.mclaims thead{display:none}table.mclaims tr{border:1px solid #e2e2e2;margin:0 0 10px;background:#fff}
table.mclaims td{border:0;padding:3px 8px}.mname{display:inline;color:#555;font-weight:400}
table.claims tr{border:1px solid #e2e2e2;margin:0 0 10px;background:#fff}
table.claims td{border:0;padding:3px 8px}}
"""

STATUS_CLASS = {"holds": "v-holds", "does not hold": "v-not", "holds only when": "v-only",
                "not measured in this run": "v-missing", "inconclusive": "v-open"}


def e(s):
    """Any text as HTML text: escaped, controls and bidirectional marks
    shown as escapes (text.shown)."""
    return html.escape(shown(s), quote=True)


def _answers_html(m):
    """The first screen: one line per claim, its verdict in words (the
    engines it holds for), the figure that decides it and a link to every
    figure behind it."""
    if not m["claims"]:
        return ""
    items = []
    for c, v in m["claims"]:
        said = v.answer_figure or v.why
        fig = f" <span class=fig>— {e(said)}</span>" if said else ""
        if v.context:
            fig += f" <span class=fig>({e(v.context)})</span>"
        sus = (m.get("suspects") or {}).get(c.id)
        if any(ch.key == f"decides_{c.id}" for ch in m["charts"]):
            fig += f" <a href=\"#chart-decides_{e(c.id)}\">chart</a>"
        flag = (f"<div class=flag>⚑ may rest on {e(', '.join(sus[:3]))}{' …' if len(sus) > 3 else ''} "
                f"(see Warnings)</div>") if sus else ""
        items.append(f"<li><a class=aid href=\"#{e(c.id)}\">{e(c.id)}</a>"
                     f"<span class=\"v {STATUS_CLASS[v.status]}\">{e(v.headline)}</span>{fig}"
                     f"<div class=claim>{e(c.claim)}</div>{flag}</li>")
    return ("<h2>Answers</h2><ol class=answers>" + "".join(items) + "</ol>")


def _claims_html(m):
    if not m["claims"]:
        return ""
    rows = []
    for c, v in m["claims"]:
        figs = "".join(f"<li>{e(f)}</li>" for f in v.figures)
        why = f"<li>{e(v.why)}</li>" if v.why else ""
        test = f"<div class=test>Tested: {e(c.test)}</div>" if c.test else ""
        by = f"<div class=by>decided by {e(', '.join(v.decided_by))}</div>" if v.decided_by else ""
        sc = (m.get("scopes") or {}).get(c.id)
        test += f"<div class=test>Scope: {e(sc)}</div>" if sc else ""
        rows.append(f"<tr id=\"{e(c.id)}\"><td class=cid><b>{e(c.id)}</b></td><td>{e(c.claim)}{test}</td>"
                    f"<td class=\"v {STATUS_CLASS[v.status]}\">{e(v.text)}{by}</td>"
                    f"<td><ul class=figs>{figs}{why}</ul></td></tr>")
    return ("<details class=more id=claims><summary>Every figure behind each answer</summary>"
            "<h2>Claims</h2><p class=sub>Each verdict is computed from this run's repetitions by the rule in "
            "its module of scripts/sbreport/claims/: every median with its 95 % interval (order statistics), a comparison "
            "decided only when its interval is clear of the threshold, else <b>inconclusive</b> with what would "
            "decide it.</p><div class=wrap><table class=claims><colgroup><col class=c-id>"
            "<col class=c-claim><col class=c-v><col class=c-figs></colgroup><thead><tr><th>id</th><th>claim"
            "</th><th>verdict</th><th>figures that decide it</th></tr></thead><tbody>" + "".join(rows) +
            "</tbody></table></div></details>")


def _machine_claims_html(m):
    """Many machines: a verdict column per machine (the verdict, its
    first figures on a line below)."""
    mc = m.get("machine_claims")
    if not mc or not mc["rows"]:
        return ""
    head = "".join(f"<th>{e(n)}</th>" for n in mc["machines"])
    rows = []
    for c, vs in mc["rows"]:
        cells = []
        for name, v in zip(mc["machines"], vs):
            # The machine's name inside the cell too: narrow screens stack
            # the cells and hide the header row.
            who = f"<span class=mname>{e(name)}: </span>"
            if v is None:
                cells.append(f"<td class=\"v v-missing\">{who}no verdict (not our results file)</td>")
                continue
            figs = "".join(f"<li>{e(f)}</li>" for f in v.figures[:3])
            cells.append(f"<td class=\"v {STATUS_CLASS[v.status]}\">{who}{e(v.text)}<ul class=figs>{figs}</ul></td>")
        rows.append(f"<tr id=\"{e(c.id)}\"><td class=cid><b>{e(c.id)}</b></td><td>{e(c.claim)}</td>"
                    + "".join(cells) + "</tr>")
    return ("<h2>Claims, machine by machine</h2><p class=sub>Each verdict is computed from that machine's run "
            "by its rule (scripts/sbreport/claims/), as a one-machine report computes it.</p>"
            "<div class=wrap><table class=mclaims><thead><tr><th>id</th><th>claim</th>" + head +
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def _machine_env_html(m):
    me = m.get("machine_env")
    if not me or not me["rows"]:
        return ""
    head = "".join(f"<th>{e(n)}</th>" for n in me["machines"])
    body = "".join(f"<tr><th>{e(k)}</th>" + "".join(f"<td>{e(v)}</td>" for v in vs) + "</tr>"
                   for k, vs in me["rows"])
    return (f"<h2>Environment, machine by machine</h2><div class=wrap><table class=menv><thead><tr><th></th>{head}"
            f"</tr></thead><tbody>{body}</tbody></table></div>")


def _env_html(m):
    items = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in m["environment"])
    return f"<h2>Environment</h2><dl>{items}</dl>" if items else ""


def _headline(w):
    """A warning's first clause, for the banner; a leading tag that names
    whose warning it is ("A: ", "B: ", a machine's name) stays with the
    clause after it (cut at the first colon, a comparison's banner once
    read "A; A; A; B; B; B")."""
    tag, sep, rest = w.partition(": ")
    # A tag names whose warning it is, or which claims it bears on ("C1
    # and C10 may rest on it: "): the banner then needs what follows too
    # (it once read "C1 and C10 may rest on it" twice, naming nothing).
    if sep and rest and (" " not in tag and len(tag) <= 40 or tag.endswith(" may rest on it")):
        return tag + ": " + _headline(rest)
    h = w.split(": ", 1)[0].split(". ", 1)[0]
    return h if len(h) <= 110 else h[:107] + "…"


def _banner_html(m):
    """The warnings as a short banner above the claims (details below)."""
    if not m["warnings"]:
        return ""
    items = "".join(f"<li>{e(_headline(w))}</li>" for w in m["warnings"])
    return (f"<div class=banner role=note><b>Read with care ({len(m['warnings'])}):</b><ul>{items}</ul>"
            "<a href=\"#warnings\">details below</a></div>")


def _warn_html(m):
    if not m["warnings"]:
        return ""
    return "<h2 id=warnings>Warnings</h2>" + "".join(f"<div class=warn>{e(w)}</div>" for w in m["warnings"])


def _charts_html(m):
    if not m["charts"]:
        return ""
    out = ["<h2>Charts</h2>"]
    for c in m["charts"]:
        notes = "".join(f" {e(n)}" for n in c.notes)
        full = f" <a href=\"{e(m['chart_dir'])}/{e(c.key)}.png\">full size</a>" if m.get("chart_dir") else ""
        out.append(f"<figure id=\"chart-{e(c.key)}\"><div class=plot>{c.svg}</div>"
                   f"<figcaption>{e(c.question)}{notes}{full}</figcaption></figure>")
    return "".join(out)


def _table_html(m):
    head = "".join(f"<th>{e(h)}</th>" for h in m["table_head"])
    body = []
    for r in m["table"]:
        cls = " class=err" if r.get("error") else " class=skip" if r.get("skipped") else ""
        cells = "".join(f"<td class=num>{e(x)}</td>" if i in m["table_num"] else f"<td>{e(x)}</td>"
                        for i, x in enumerate(r["cells"]))
        body.append(f"<tr{cls}>{cells}</tr>")
    return (f"<h2>{e(m['table_title'])}</h2><div class=wrap><table class=results><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


COMPLEXITY_HEAD = ["family", "real time fit", "CPU time fit", "RMS"]


def _complexity_html(m):
    rows = m.get("complexity") or []
    if not rows:
        return ""
    head = "".join(f"<th>{e(h)}</th>" for h in COMPLEXITY_HEAD)
    body = "".join("<tr>" + "".join(f"<td>{e(x)}</td>" for x in r) + "</tr>" for r in rows)
    return (f"<h2>Complexity (Google Benchmark's fits)</h2><div class=wrap><table><thead><tr>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table></div>")


def html_page(m):
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
            f"<title>{e(m['title'])}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{e(m['title'])}</h1><p class=sub>{e(m['subtitle'])}</p>"
            + _answers_html(m) + _banner_html(m) + _claims_html(m) + _machine_claims_html(m) + _env_html(m) + _machine_env_html(m)
            + _warn_html(m) + _charts_html(m) + _table_html(m) + _complexity_html(m) +
            "</main></body></html>\n")


def _machine_markdown(m):
    """Many machines: the claims and the environment, a column per machine."""
    out = []
    mc, me = m.get("machine_claims"), m.get("machine_env")
    if mc and mc["rows"]:
        out += ["## Claims, machine by machine", "", "| id | claim | " + " | ".join(md(n) for n in mc["machines"])
                + " |", "|---|---|" + "---|" * len(mc["machines"])]
        for c, vs in mc["rows"]:
            out.append(f"| {md(c.id)} | {md(c.claim)} | " + " | ".join(
                "no verdict" if v is None else f"**{md(v.text)}**" for v in vs) + " |")
        out.append("")
    if me and me["rows"]:
        out += ["## Environment, machine by machine", "", "| | " + " | ".join(md(n) for n in me["machines"]) + " |",
                "|---|" + "---|" * len(me["machines"])]
        out += [f"| **{md(k)}** | " + " | ".join(md(v) for v in vs) + " |" for k, vs in me["rows"]] + [""]
    return out


def markdown_page(m):
    """The page in Markdown: every text from the model goes through md(),
    so a name cannot end a table row, open a code span or pass raw HTML
    into a CI summary."""
    out = [f"# {md(m['title'])}", "", md(m["subtitle"]), ""]
    if m["claims"]:
        out += ["## Answers", ""]
        for c, v in m["claims"]:
            fig = v.answer_figure or v.why
            sus = (m.get("suspects") or {}).get(c.id)
            out.append(f"- **{md(c.id)}: {md(v.headline)}**"
                       + (f" — {md(fig)}" if fig else "") + (f" ({md(v.context)})" if v.context else "")
                       + (f" (may rest on {md(', '.join(sus[:3]))})" if sus else ""))
        out.append("")
    if m["warnings"]:
        out += [f"> **Read with care ({len(m['warnings'])}):** " + "; ".join(md(_headline(w)) for w in m["warnings"])
                + " (details under Warnings)", ""]
    if m["claims"]:
        out += ["## Claims", "", "| id | claim | verdict | figures that decide it |", "|---|---|---|---|"]
        for c, v in m["claims"]:
            figs = "; ".join(v.figures + ([v.why] if v.why else []))
            test = f" Tested: {c.test}" if c.test else ""
            sc = (m.get("scopes") or {}).get(c.id)
            test += f" Scope: {sc}" if sc else ""
            by = f" (decided by {', '.join(v.decided_by)})" if v.decided_by else ""
            out.append(f"| {md(c.id)} | {md(c.claim + test)} | **{md(v.text)}**{md(by)} | {md(figs)} |")
        out.append("")
    out += _machine_markdown(m)
    if m["environment"]:
        out += ["## Environment", ""] + [f"- **{md(k)}**: {md(v)}" for k, v in m["environment"]] + [""]
    if m["warnings"]:
        out += ["## Warnings", ""] + [f"- {md(w)}" for w in m["warnings"]] + [""]
    if m["charts"]:
        out += ["## Charts", ""]
        for c in m["charts"]:
            out += [f"![{md(c.title)}]({m['chart_dir']}/{c.key}.png)", "",
                    f"*{md(' '.join([c.question] + c.notes))}*", ""]
    out += [f"## {md(m['table_title'])}", "", "| " + " | ".join(md(h) for h in m["table_head"]) + " |",
            "|" + "|".join("---:" if i in m["table_num"] else "---" for i in range(len(m["table_head"]))) + "|"]
    for r in m["table"]:
        out.append("| " + " | ".join(md(x) for x in r["cells"]) + " |")
    if m.get("complexity"):
        out += ["", "## Complexity (Google Benchmark's fits)", "", "| " + " | ".join(COMPLEXITY_HEAD) + " |",
                "|---|---|---|---:|"] + ["| " + " | ".join(md(x) for x in r) + " |" for r in m["complexity"]]
    return "\n".join(out) + "\n"


def num(v, unit=""):
    return fmt(v, unit)
