"""The pictures pasted into a derivation's answer, for the person grading it in formgrader.

"Derive it yourself" is often done on paper: the student photographs the page and pastes the photo into the answer
cell. JupyterLab, the classic Notebook and VS Code keep a pasted picture in the cell's ``attachments`` (base64, by
MIME type) and write ``![image.png](attachment:image.png)`` in its text; Colab writes the picture into the text
itself, ``![image.png](data:image/png;base64,…)``. The notebook formgrader shows (:mod:`.autograded`) is built from
the results and the source, with the student's markdown made inert (:func:`~.autograded.neutral_markdown`: no link
or image of theirs renders), so such an answer reached the person grading as its link text alone.

:func:`pictures` takes the pictures from the submitted notebook — from the answer cell (by its grade_id) and from
the markdown cells whose text the answer holds (those read with it: :mod:`autograder.engine.answer_beside`), in the
order their texts name them — and keeps a picture and nothing else:

* PNG or JPEG, by the file's own first bytes (whatever type the notebook claims for it); SVG, which can carry
  script and links, GIF and everything else are left out;
* decoded and encoded again (base64's alphabet: nothing of the student's text reaches the page but the picture), at
  most :data:`MAX_PICTURE_BYTES` each, :data:`MAX_PICTURES` and :data:`MAX_ANSWER_BYTES` an answer; shown under
  names and alt texts of ours.

nbconvert's HTML exporter, whose ``markdown2html`` formgrader's page uses, renders a cell's ``attachment:`` image
as a ``data:`` URL: no file written, no request made.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from autograder.model.notebook import cell_text, grade_id_of
from autograder.model.results import IMAGE_IN_ANSWER

#: The most pictures shown for one answer (a derivation of a page or two; more are left to the submitted notebook).
MAX_PICTURES = 6
#: The largest picture shown, decoded (a phone's photo pasted is 1 to 4 MB).
MAX_PICTURE_BYTES = 5 * 1024 * 1024
#: The most bytes of pictures shown for one answer (each student's notebook for formgrader stays small).
MAX_ANSWER_BYTES = 12 * 1024 * 1024
#: The most images of one answer decoded (the rest are counted as not shown): the work stays bounded.
MAX_DECODED = 2 * MAX_PICTURES
#: What a picture's first bytes are, by the type it is shown as.
SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
#: ``![alt](attachment:name)`` (the name up to a space, a quote or the closing parenthesis). Both patterns are
#: linear in the text's length: no part of an attempt runs past the next ``[``, ``<`` or the data's end, where the
#: next attempt may begin.
_ATTACHED = re.compile(r"!\[[^\[\]\n]{0,500}\]\(\s*<?attachment:([^)\s>\"']{1,200})")
#: ``![alt](data:image/png;base64,…)``, as Colab pastes, or ``<img src="data:image/png;base64,…">``: the data.
_INLINE = re.compile(r"(?:!\[[^\[\]\n]{0,500}\]\(\s*<?|<img\b[^<>]{0,500}?\bsrc\s*=\s*[\"']?)"
                     r"data:image/[A-Za-z+.-]{1,20};base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Picture:
    """One picture to show: its type (``image/png`` or ``image/jpeg``) and its bytes in base64 (ours, canonical)."""

    mime: str
    data: str

    @property
    def suffix(self) -> str:
        return "png" if self.mime == "image/png" else "jpg"


def pictures(cells: Any, grade_id: str, answer: str) -> tuple[list[Picture], int]:
    """``(the pictures to show, how many images of the answer are not shown: links to files, ``<img>`` tags and
    what is no PNG or JPEG picture)`` for the answer ``grade_id`` whose
    text is ``answer`` (results.json's), from ``cells``, the submitted notebook's cells (anything: it is read as
    hostile)."""
    found: list[Picture] = []
    named = shown = decoded = 0  # (image references in the cells read; those a shown picture answers; decoded)
    for cell in cells if isinstance(cells, list) else []:
        text = cell_text(cell)
        if not text.strip() or not isinstance(cell, dict) or cell.get("cell_type") != "markdown" or not (
                grade_id_of(cell) == grade_id or text.strip() in answer):
            continue
        attachments = cell.get("attachments")
        named += len(IMAGE_IN_ANSWER.findall(text))
        images = sorted([(m.start(), "attached", m.group(1)) for m in _ATTACHED.finditer(text)]
                        + [(m.start(), "inline", m.group(1)) for m in _INLINE.finditer(text)])
        for _, how, what in images:
            decoded += 1
            bundle = attachments.get(what) if how == "attached" and isinstance(attachments, dict) else None
            picture = None if decoded > MAX_DECODED else _picture(bundle) if how == "attached" else _decoded(what)
            if picture is not None and picture not in found and len(found) < MAX_PICTURES and (
                    sum(len(p.data) for p in found) + len(picture.data)) * 3 // 4 <= MAX_ANSWER_BYTES:
                found.append(picture)
            shown += picture is not None and picture in found  # (the same picture pasted twice: shown once)
    return found, max(0, named - shown)


def _picture(bundle: Any) -> Picture | None:
    """The first PNG or JPEG of an attachment's MIME bundle (``{"image/png": base64}``), or None."""
    if not isinstance(bundle, dict):
        return None
    for mime in SIGNATURES:
        data = bundle.get(mime)
        if isinstance(data, list) and all(isinstance(part, str) for part in data):
            data = "".join(data)
        if isinstance(data, str) and (picture := _decoded(data)) is not None:
            return picture
    return None


def _decoded(data: str) -> Picture | None:
    """The picture base64 ``data`` holds, typed by its first bytes; None when it is not one we show."""
    if len(data) > MAX_PICTURE_BYTES * 4 // 3 + 4096:  # (before decoding: a larger one is not shown anyway)
        return None
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    mime = next((m for m, signature in SIGNATURES.items() if raw.startswith(signature)), None)
    if mime is None or len(raw) > MAX_PICTURE_BYTES:
        return None
    return Picture(mime, base64.b64encode(raw).decode("ascii"))


def attach(cell: dict[str, Any], grade_id: str, shown: list[Picture]) -> None:
    """Add ``shown`` to ``cell`` (the answer cell formgrader shows): attachments under names of ours, and markdown of
    ours that shows each one after the answer's text."""
    names = [f"probdl-picture-{k}.{p.suffix}" for k, p in enumerate(shown, start=1)]
    cell["attachments"] = {name: {p.mime: p.data} for name, p in zip(names, shown, strict=True)}
    lines = [f"![Picture {k} of {len(shown)} pasted in the answer to {grade_id}](attachment:{name})"
             for k, name in enumerate(names, start=1)]
    cell["source"] += "\n\n*(Pasted in this answer, as the student handed it in:)*\n\n" + "\n\n".join(lines)
