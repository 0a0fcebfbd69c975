"""Every link of the README and of docs/ leads somewhere: the file exists and, for ``file#anchor``, the
heading does (GitHub's anchors: lower case, punctuation but ``-`` and ``_`` dropped, spaces as ``-``)."""

from __future__ import annotations

import re

import pytest

from autograder.model.course import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


def prose(path) -> str:
    """The page without its fenced code blocks (a ``#`` there is a comment, a ``[x](y)`` code)."""
    return re.sub(r"(?ms)^```.*?^```", "", path.read_text(encoding="utf-8"))


def anchors(path) -> set:
    text = prose(path)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"(?m)^#{1,6} (.+)$", text)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_leads_somewhere(page):
    text = prose(page)
    broken = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.exists():
            broken.append(f"{target}: no file {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_the_readme_is_a_front_page():
    """What it is, the two commands, the problem sets, where to go next: an instructor reads it in minutes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    words = len(text.split())
    assert words <= 800, f"README.md has {words} words: move the detail to a page of docs/"
    for needed in ("make demo", "make test", "## The problem sets", "## Where to go next"):
        assert needed in text, f"README.md lacks {needed!r}"
    linked = set(LINK.findall(text))
    guides = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert guides <= linked, f"pages of docs/ the README does not link: {sorted(guides - linked)}"
