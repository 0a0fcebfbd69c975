"""The notebooks' "What the next cells check" lists, generated from the checks and the bug zoo.

Each function of a problem set has a markdown cell ``checks-<fn>`` right before
its graded cells (``docs/notebooks.md``). Its text is rendered here from what
grades the cells, so what a student reads is what grading does:

* one bullet per graded cell: its points, the check's summary, and how the cell
  judges (the reference and its tolerances for a value cell; the function
  compared with itself, relation by relation, for a property cell; results on
  valid input for an error cell; values left to the other cells for purity);
* then what a mistake costs: every wrong implementation of the zoo for that
  function (stubs and forbidden library calls left out: the opening says what
  those cost), with every cell it loses (the zoo module's reviewed ``LOSES``,
  which ``tests/test_zoo.py`` holds equal to grading).

``tests/test_checklists.py`` fails when a notebook's list differs from this
rendering. Regenerate with ``python -m testkit.zoo.checklists`` (rewrites the
``checks-<fn>`` cells of ``source/``; then ``python -m autograder release``).
"""

from __future__ import annotations

import importlib
import json
import re
import sys

from autograder.checks import checks_for
from autograder.model.course import FUNCTIONS, GRADE_CELLS, PROBLEM_SETS, function_of, source_notebook
from testkit.zoo import zoo

DEFAULT_RTOL = 1e-10
_WORDS = ("no", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


def sci(x: float) -> str:
    """1e-08 -> '1e-8', the way the notebooks write tolerances."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _points(p: float) -> str:
    return f"{p:g} point" + ("" if p == 1 else "s")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", ")")) else text + "."


def relation_tolerances(check) -> tuple:
    """``(rtols, atols)`` the relation probes of ``check`` compare with (a probe's own, else its relation's;
    zeros left out), besides the slack a relation adds for its own arithmetic (a norm bound, a few ulps)."""
    judged = [p for p in check.probes if p.expect == "relation"]
    rtols = {p.rtol if p.rtol is not None else p.relation.rtol for p in judged} - {0.0}
    atols = {p.atol if p.atol is not None else p.relation.atol for p in judged} - {0.0}
    return rtols, atols


def judging(check) -> str:
    """How ``check`` judges a function, in one or two sentences a student can act on."""
    if not check.compare_values:
        return "A wrong value does not cost this point: values are judged by the other cells."
    parts = []
    value_probes = [p for p in check.probes if p.expect == "value"]
    if check.compares_with_reference:
        tol = f"{sci(check.rtol)} relative"
        atols = {p.atol for p in value_probes if p.atol}
        if check.atol and any(p.atol is None for p in value_probes):
            atols.add(check.atol)
        if atols:
            tol += " or " + " or ".join(f"{sci(a)} absolute" for a in sorted(atols, reverse=True))
        extra = sorted({p.rtol for p in value_probes if p.rtol is not None and p.rtol != check.rtol}, reverse=True)
        more = "".join(f"; some inputs to {sci(r)} relative" for r in extra)
        parts.append(f"Compared with the reference solution to {tol}{more}.")
    elif any(p.expect == "raises" for p in check.probes):
        parts.append("Valid input must return results; their values are judged by the other cells.")
    if check.relations:
        how = "; ".join(r.statement for r in check.relations)
        rtols, atols = relation_tolerances(check)
        tol = ""
        if rtols - {DEFAULT_RTOL} or atols:
            tol = ", to " + " or ".join([f"{sci(r)} relative" for r in sorted(rtols, reverse=True)]
                                         + [f"{sci(a)} absolute" for a in sorted(atols, reverse=True)])
        lead = "Also judged" if check.compares_with_reference else "Judged"
        parts.append(f"{lead} against your own function, not the reference{tol}: {how}.")
    flags = [w for w, on in (("finite results", check.finite), ("no `RuntimeWarning`", check.no_warnings)) if on]
    if flags:
        parts.append(f"It asks for {' and '.join(flags)}.")
    return " ".join(parts)


def _mistake(name: str, function: str) -> str:
    """A zoo specimen's name as the words of its mistake: ``ps6-bayes-exp-minus-max`` -> ``exp minus max``."""
    words = name[len(function) + 1:] if name.startswith(function + "-") else re.sub(r"^ps\d-[a-z]+-", "", name)
    return words.replace("-", " ")


def _uses_forbidden(specimen, forbidden: tuple) -> bool:
    """The specimen calls a library function its problem set forbids (the grader's own finder, on the specimen
    exec'd alone)."""
    from autograder.sandbox.invoke import forbidden_uses

    namespace = {"__name__": "__zoo__"}
    exec(compile(specimen.source, f"<zoo {specimen.name}>", "exec"), namespace)  # trusted: the course's own zoo
    return bool(forbidden_uses(namespace[specimen.function], forbidden))


def mistake_specimens(ps: str, function: str) -> list:
    """``(specimen, cells lost)`` for each wrong zoo implementation of ``function`` that is a mistake in the code
    (not a stub, not the template, not a forbidden library call), in zoo order; the cells in notebook order."""
    module = importlib.import_module(f"testkit.zoo.{ps}")
    loses = getattr(module, "LOSES", {})
    forbidden = tuple(getattr(importlib.import_module(f"autograder.checks.{ps}"), "FORBIDDEN", ()))
    order = [gid for gid, _ in GRADE_CELLS[ps]]
    out = []
    for specimen in zoo(ps):
        if specimen.function != function or specimen.correct or not specimen.hint or specimen.name not in loses:
            continue
        if _uses_forbidden(specimen, forbidden):
            continue
        out.append((specimen, sorted(loses[specimen.name], key=order.index)))
    return out


def mistakes(ps: str, function: str) -> list:
    """``(words, cells lost)`` for each mistake of :func:`mistake_specimens`, in zoo order."""
    return [(_mistake(specimen.name, function), cells) for specimen, cells in mistake_specimens(ps, function)]


def render(ps: str, function: str) -> str:
    """The markdown of the ``checks-<function>`` cell."""
    checks = checks_for(ps)
    cells = [(gid, points) for gid, points in GRADE_CELLS[ps] if function_of(gid) == function]
    total = sum(points for _, points in cells)
    count = _WORDS[len(cells)] if len(cells) < len(_WORDS) else str(len(cells))
    lines = [f"**What the next cells check.** {count} cell{'s' if len(cells) != 1 else ''}, {_points(total)} for "
             f"`{function}`:", ""]
    for gid, points in cells:
        check = checks[gid]
        how = "" if not check.compare_values and "values are judged by" in check.summary else f" {judging(check)}"
        lines.append(f"- **`{gid}`** ({_points(points)}): {_sentence(check.summary)}{how}")
    found = mistakes(ps, function)
    if found:
        lines += ["", "**What a mistake costs.** Mistakes students make here, each with every cell it loses "
                      "(all of them: a mistake costs only these):", ""]
        for words, lost in found:
            lost_text = ", ".join(f"`{g}`" for g in lost) if lost else "nothing"
            lines.append(f"  * {words}: {lost_text}")
    return "\n".join(lines)


def _cell_source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def write(ps: str) -> bool:
    """Rewrite the ``checks-<fn>`` cells of ``source/<ps>/<ps>.ipynb``; True when something changed."""
    path = source_notebook(ps)
    nb = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid.startswith("checks-") and gid[len("checks-"):] in FUNCTIONS[ps]:
            text = render(ps, gid[len("checks-"):])
            if _cell_source(cell) != text:
                cell["source"] = text.splitlines(keepends=True)
                changed = True
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv=None) -> int:
    for ps in PROBLEM_SETS:
        if source_notebook(ps).exists() and write(ps):
            print(f"rewrote the check lists of {source_notebook(ps)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
