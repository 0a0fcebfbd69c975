"""``make release``: everything made from the course's declarations and notebooks, regenerated in order.

One command after a change to the course (a function added, removed or moved, an aspect or its points changed, a
hint, a lesson): each step runs in a process of its own, since each reads what the one before wrote.

1. ``python -m autograder declare``: the source notebooks' graded cells (points, hidden call) and the tables that
   repeat the declarations (docs/contract.md, README.md, docs/notebooks.md, student_side/selfcheck.py);
2. ``python -m testkit.zoo.checklists``: each function's "What the next cells check" list;
3. ``python -m autograder release``: the notebooks' set-up, data and opening cells, then ``release/``;
4. ``python -m testkit.load``: each opening's working time, as estimated from the release (a set whose line moved is
   released again);
5. ``python -m testkit.zoo.table``: docs/grading.md, every mistake of the bug zoo and the cells it loses;
6. ``python examples/make_submissions.py``: the demo's class, from the release notebooks and the zoo.

``python -m testkit.regenerate`` stops at the first step that fails and says which.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The steps, in order: the arguments after ``python``.
STEPS = (
    ("-m", "autograder", "declare"),
    ("-m", "testkit.zoo.checklists"),
    ("-m", "autograder", "release"),
    ("-m", "testkit.load"),
    ("-m", "testkit.zoo.table"),
    ("examples/make_submissions.py",),
)


def main(root: Path = ROOT) -> int:
    for step in STEPS:
        print(f"$ python {' '.join(step)}", flush=True)
        done = subprocess.run([sys.executable, *step], cwd=root, check=False)
        if done.returncode != 0:
            print(f"make release: `python {' '.join(step)}` failed (exit {done.returncode}); the steps after it "
                  "were not run", file=sys.stderr)
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
