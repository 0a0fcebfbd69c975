"""The line plain nbgrader's kernels start with (``nbgrader_config.py``'s ``exec_lines``) runs as written: a
signature it no longer matches would leave every kernel unarmed, and only the end-to-end nbgrader tests, which
``make test`` leaves out, would see it."""

import ast
import subprocess
import sys

from autograder.model.course import ROOT


def test_the_kernels_start_up_line_runs():
    tree = ast.parse((ROOT / "nbgrader_config.py").read_text(encoding="utf-8"))
    lines = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value.startswith("--InteractiveShellApp.exec_lines=")]
    assert len(lines) == 1, lines
    code = lines[0].split("=", 1)[1]
    assert "nbgrader_kernel" in code and "install" in code, code
    # outside a kernel, install() answers False; a changed signature raises here instead
    proc = subprocess.run([sys.executable, "-c", f"print({code})"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stderr[-2000:]
