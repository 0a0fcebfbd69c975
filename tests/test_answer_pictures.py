"""nbgrader_io/answer_pictures.py: the pictures pasted into a derivation's answer, and nothing else of the student's.

The pictures are made here (matplotlib's PNG and JPEG writers); the hostile cases are what a student controls: the
MIME type a notebook claims, an SVG with a script, bytes that are no picture, base64 with other characters, sizes,
counts, names, and cells that are not the answer's."""

from __future__ import annotations

import base64
import io

import nbformat
import numpy as np
import pytest
from matplotlib import pyplot as plt

from autograder.model.course import ANSWER_CELLS, source_notebook
from autograder.model.results import IMAGE_IN_ANSWER, SubmissionResult, TestResult
from autograder.nbgrader_io import autograded
from autograder.nbgrader_io.answer_pictures import (
    MAX_ANSWER_BYTES,
    MAX_PICTURE_BYTES,
    MAX_PICTURES,
    SIGNATURES,
    attach,
    pictures,
)

GID = "logsumexp-derivation"


def picture(fmt: str = "png", seed: int = 0) -> str:
    """A small real picture's base64, as a notebook stores it."""
    buf = io.BytesIO()
    plt.imsave(buf, np.random.default_rng(seed).random((4, 4, 3)), format=fmt)
    return base64.b64encode(buf.getvalue()).decode()


def answer_cell(text: str, attachments: dict | None = None, gid: str | None = GID) -> dict:
    cell = {"cell_type": "markdown", "metadata": {"nbgrader": {"grade_id": gid, "solution": True}} if gid else {},
            "source": text}
    return {**cell, "attachments": attachments} if attachments is not None else cell


def test_a_pasted_photo_is_shown_as_the_picture_it_is():
    png, jpeg = picture("png"), picture("jpeg")
    text = "My derivation:\n\n![image.png](attachment:image.png)\n\n![photo](attachment:photo.jpg)"
    cells = [answer_cell(text, {"image.png": {"image/png": png}, "photo.jpg": {"image/jpeg": [jpeg[:10], jpeg[10:]]}})]
    shown, unshown = pictures(cells, GID, text)
    assert [p.mime for p in shown] == ["image/png", "image/jpeg"] and unshown == 0
    assert base64.b64decode(shown[0].data) == base64.b64decode(png)


def test_a_picture_colab_writes_into_the_text_is_shown_too():
    png = picture("png")
    text = f"see ![image.png](data:image/png;base64,{png[:40]}\n{png[40:]}) and <img src='data:image/png;base64,{png}'>"
    shown, unshown = pictures([answer_cell(text)], GID, "the grader's note: the cell was too large to keep")
    assert len(shown) == 1 and unshown == 0, "the same picture twice is shown once"


@pytest.mark.parametrize("bundle", [
    {"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script></svg>"},
    {"image/png": base64.b64encode(b"<script>alert(1)</script>").decode()},  # (claims PNG, is not one)
    {"image/png": "iVBORw0KGgo\" onerror=\"alert(1)"},  # (not base64)
    {"image/gif": base64.b64encode(b"GIF89a" + b"\0" * 20).decode()},
    {"text/html": "<b>x</b>"}, "not a bundle", {"image/png": 12},
])
def test_what_is_not_a_png_or_jpeg_picture_is_never_shown(bundle):
    text = "![x](attachment:x)"
    shown, unshown = pictures([answer_cell(text, {"x": bundle})], GID, text)
    assert shown == [] and unshown == 1


def test_a_picture_is_typed_by_its_own_bytes_and_reencoded():
    jpeg = picture("jpeg")
    text = "![x](attachment:x)"
    shown, _ = pictures([answer_cell(text, {"x": {"image/png": jpeg}})], GID, text)  # (a JPEG said to be a PNG)
    assert shown[0].mime == "image/jpeg" and base64.b64decode(shown[0].data).startswith(SIGNATURES["image/jpeg"])


def test_sizes_and_counts_are_bounded():
    big = base64.b64encode(SIGNATURES["image/png"] + b"\0" * MAX_PICTURE_BYTES).decode()
    text = "![x](attachment:x)"
    assert pictures([answer_cell(text, {"x": {"image/png": big}})], GID, text) == ([], 1)
    many = {f"p{k}": {"image/png": picture("png", seed=k)} for k in range(MAX_PICTURES + 2)}
    text = "".join(f"![p](attachment:p{k})\n" for k in range(MAX_PICTURES + 2))
    shown, unshown = pictures([answer_cell(text, many)], GID, text)
    assert len(shown) == MAX_PICTURES and unshown == 2


def test_only_the_answers_own_cells_are_read():
    png = picture("png")
    answer = "written beside it\n\n![image.png](attachment:image.png)"
    beside = answer_cell(answer, {"image.png": {"image/png": png}}, gid=None)  # (a cell the student added: read)
    elsewhere = answer_cell("a figure of mine ![image.png](attachment:image.png)",
                            {"image.png": {"image/png": picture("png", seed=1)}}, gid=None)
    other_answer = answer_cell("![image.png](attachment:image.png)", {"image.png": {"image/png": png}}, gid="other")
    code = {"cell_type": "code", "metadata": {}, "source": answer, "attachments": {"image.png": {"image/png": png}}}
    shown, _ = pictures([elsewhere, other_answer, code, beside], GID, answer)
    assert [base64.b64decode(p.data) for p in shown] == [base64.b64decode(png)]
    assert pictures("not cells", GID, answer) == ([], 0) and pictures([None, 3, {"cell_type": "markdown"}], GID, "") \
        == ([], 0)


def test_the_shown_pictures_carry_names_and_alt_texts_of_ours():
    text = "![<script>](attachment:../../etc/passwd.png)"
    shown, _ = pictures([answer_cell(text, {"../../etc/passwd.png": {"image/png": picture()}})], GID, text)
    cell = {"cell_type": "markdown", "source": "the answer, inert"}
    attach(cell, GID, shown)
    assert list(cell["attachments"]) == ["probdl-picture-1.png"]
    assert cell["source"].endswith(f"![Picture 1 of 1 pasted in the answer to {GID}](attachment:probdl-picture-1.png)")
    assert "<script>" not in cell["source"] and "passwd" not in cell["source"]


def test_the_students_message_states_the_limits_shown_here():
    message = TestResult.ungraded_answer(GID, 10, "![image.png](attachment:image.png)").message
    assert f"up to {MAX_PICTURE_BYTES // 2**20} MB each, six and {MAX_ANSWER_BYTES // 2**20} MB in all" in message
    assert MAX_PICTURES == 6


def test_formgraders_notebook_shows_the_pasted_picture_and_keeps_the_students_markup_inert():
    """The notebook `--gradebook` writes for formgrader: the answer's text made inert as before, then the picture
    under a name and an alt text of ours; a linked file beside it is said to be in the submitted notebook."""
    ps, png = "ps1_softmax", picture()
    gid, points = ANSWER_CELLS[ps][0]
    text = "My page:\n\n![image.png](attachment:image.png) <script>x</script> and ![scan](scan.jpg)"
    cells = [answer_cell(text, {"image.png": {"image/png": png}}, gid=gid)]
    result = SubmissionResult.scored("ann", ps, 3.0, [TestResult.awaiting_grading(gid, points, text)],
                                     answers={gid: text})
    cell = next(c for c in autograded.build(source_notebook(ps), result, cells)["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)
    assert list(cell["attachments"]) == ["probdl-picture-1.png"]
    assert "](attachment:probdl-picture-1.png)" in cell["source"] and "](attachment:image.png)" not in cell["source"]
    assert "<script>" not in cell["source"] and "more images, shown here as their text only" in cell["source"]
    nbformat.validate(nbformat.from_dict(autograded.build(source_notebook(ps), result, cells)))


@pytest.mark.parametrize("text", ["![" * 1_000_000, "<img " * 400_000, "![a](data:image/png;base64," * 70_000,
                                  "![" + "a" * 2_000_000], ids=["opened", "img-tags", "data-prefixes", "one-long"])
def test_hostile_text_is_read_in_one_pass(text):
    """Megabytes of openings that never close (an oversized answer cell is read whole here): patterns whose alt text
    ran to the line's end rescanned it from every `![`, hours for these; now no attempt runs past the next `[` or
    `<` (not timed here: the suite would not finish)."""
    cell = answer_cell(text)
    shown, unshown = pictures([cell], GID, "")
    assert shown == [] and unshown == len(IMAGE_IN_ANSWER.findall(text))
    assert pictures([answer_cell(text, {"x": {"image/png": picture()}})], GID, "")[0] == []


def test_attachments_decoded_are_bounded_however_many_are_named():
    many = {f"p{k}": {"image/png": "x" * 1000} for k in range(100)}  # (not base64: each costs a decode attempt)
    text = "".join(f"![p](attachment:p{k})\n" for k in range(100)) + "![ok](attachment:ok)"
    shown, unshown = pictures([answer_cell(text, {**many, "ok": {"image/png": picture()}})], GID, text)
    assert shown == [] and unshown == 101, "past MAX_DECODED references, none is decoded: the last is not shown"


def test_an_answers_pictures_are_bounded_together():
    """Three pictures of 5 MB each: two fit the answer's 12 MB, the third is said to be in the submitted notebook."""
    big = [base64.b64encode(SIGNATURES["image/png"] + bytes([k]) * (MAX_PICTURE_BYTES - 9)).decode() for k in range(3)]
    text = "![a](attachment:a) ![b](attachment:b) ![c](attachment:c)"
    shown, unshown = pictures([answer_cell(text, {n: {"image/png": b} for n, b in zip("abc", big)})], GID, text)
    assert len(shown) == 2 and unshown == 1 and sum(len(base64.b64decode(p.data)) for p in shown) <= MAX_ANSWER_BYTES
