"""Run, inside a container, the steps a test wrote into a shared folder: ``python3 container_steps.py /share``.

``/share/steps.json`` is a list of ``{"name", "cwd", "env", "lines", "timeout"}``; each step's ``lines`` run
as a GitLab runner runs a job's script (one ``bash -e -o pipefail``), in ``cwd``, with the container's
environment and ``env``; what it printed goes to ``/share/<name>/stdout`` and ``stderr``, its exit status
to ``/share/<name>/status``. A step that fails does not stop the next (each test reads its own). Standard
library only: it runs with the container's own Python, before anything is installed.

Test scaffolding, not part of the product (``tests/test_container.py`` writes the steps).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    share = Path(argv[0] if argv else "/share")
    steps = json.loads((share / "steps.json").read_text(encoding="utf-8"))
    for step in steps:
        out = share / step["name"]
        out.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        try:
            proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "\n".join(step["lines"])], cwd=step["cwd"],
                                  env={**os.environ, **step.get("env", {})}, capture_output=True, text=True,
                                  timeout=step.get("timeout", 1800))
            status, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            status, stdout, stderr = "timeout", str(exc.stdout or ""), str(exc.stderr or "")
        (out / "stdout").write_text(stdout, encoding="utf-8")
        (out / "stderr").write_text(stderr, encoding="utf-8")
        (out / "status").write_text(str(status), encoding="utf-8")
        print(f"{step['name']}: {status} in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
