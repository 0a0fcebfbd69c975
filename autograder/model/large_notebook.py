"""A notebook file over the grader's cap, read without its outputs in a process of its own.

A student's notebook can be large for nothing the grader reads: plots, animations and printed arrays kept as
outputs, images pasted into a markdown cell (attachments), widget state. The grader's own process parses at most
:data:`~autograder.model.notebook.MAX_NOTEBOOK_BYTES` (its memory is shared by every submission of the batch), and
a larger notebook used to be refused whole: 0 points for work the grader never looks at. So a file of at most
:data:`MAX_FILE_BYTES` is handed to a separate Python (``-I -S``: the standard library only, no site, no
environment), which limits its own memory and CPU before it reads a byte, parses the notebook and writes it back
without outputs, attachments and widget state, or fails. The grader reads that as any notebook, within the same
cap: a notebook whose code and text alone exceed it is still refused, and says so.

Why not a streaming parser in the grader's process: the standard library has none, and the separate process
needs no new package, keeps the parse's memory out of the grader's, and is killed by the kernel at its limits.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import BinaryIO

#: The largest notebook file read at all (without its outputs when it is over the grader's cap).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: The separate process's address space: the file's bytes, its text, the parsed notebook and the interpreter.
MEMORY_PER_FILE_BYTE, MEMORY_BASE = 6, 256 * 1024 * 1024
#: Its CPU seconds, and the wall-clock seconds the grader waits for it.
CPU_SECONDS, WALL_SECONDS = 60, 120

#: Exit statuses of the script: what they mean, and what the student can do.
_FAILURES = {3: "it is not valid UTF-8 JSON — open it in Jupyter and save it again",
             4: "it is not a notebook (no list of cells) — hand in the .ipynb file itself",
             5: "its code and text alone are over the limit — remove pasted data and inline images from its cells",
             6: "this machine cannot limit the memory of that reading — clear large outputs and resubmit"}
_OTHERWISE = "reading it took more memory or time than the grader allows — clear large outputs and resubmit"

_SCRIPT = r"""
import json, resource, sys
memory, cpu, cap = (int(a) for a in sys.argv[1:4])
try:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
except (ValueError, OSError):  # no limits, no reading
    sys.exit(6)
try:
    nb = json.loads(sys.stdin.buffer.read().decode("utf-8-sig"))
except (ValueError, RecursionError):
    sys.exit(3)
if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
    sys.exit(4)
for cell in nb["cells"]:
    if isinstance(cell, dict):
        if "outputs" in cell:
            cell["outputs"] = []
        cell.pop("attachments", None)
if isinstance(nb.get("metadata"), dict):
    nb["metadata"].pop("widgets", None)
out = json.dumps(nb, ensure_ascii=False).encode("utf-8")
if len(out) > cap:
    sys.exit(5)
sys.stdout.buffer.write(out)
"""


class TooLarge(Exception):
    """The notebook cannot be read even without its outputs; the message says why, in the student's terms."""


def without_outputs(fh: BinaryIO, size: int, cap: int) -> bytes:
    """The notebook of the open file ``fh`` (``size`` bytes) as JSON bytes without outputs, attachments and widget
    state, at most ``cap`` bytes; raises :class:`TooLarge` with the reason when that cannot be had."""
    megabytes = f"{size / (1024 * 1024):.0f} MB"
    if size > MAX_FILE_BYTES:
        raise TooLarge(f"the notebook file is too large ({megabytes}; the limit is "
                       f"{MAX_FILE_BYTES // (1024 * 1024)} MB) — clear large outputs and resubmit")
    fh.seek(0)
    memory = MEMORY_BASE + MEMORY_PER_FILE_BYTE * size
    proc = subprocess.Popen(  # (no shell; the arguments are our numbers)
        [sys.executable, "-I", "-S", "-c", _SCRIPT, str(memory), str(CPU_SECONDS), str(cap)],
        stdin=fh, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={}, close_fds=True)
    timer = threading.Timer(WALL_SECONDS, proc.kill)
    timer.start()
    try:
        out = proc.stdout.read(cap + 1) if proc.stdout is not None else b""
        if len(out) > cap:
            proc.kill()
        status = proc.wait()
    finally:
        timer.cancel()
        if proc.stdout is not None:
            proc.stdout.close()
    if status == 0 and len(out) <= cap:
        return out
    why = _FAILURES.get(status, _OTHERWISE)
    raise TooLarge(f"the notebook file is {megabytes}, over the {cap // (1024 * 1024)} MB the grader reads, and "
                   f"could not be read without its outputs: {why}")
