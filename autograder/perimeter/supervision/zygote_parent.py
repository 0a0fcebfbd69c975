"""Parent side of the zygote: start it, ask it for children, kill slots.

One :class:`Zygote` serves all worker threads of a batch; its control socket
is used under a lock (a request takes a few milliseconds). Each worker thread
owns a *slot* (0 … N-1): as root a slot is a dedicated uid, so killing the
slot kills everything its children ever started.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import shutil
import signal
import site
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, TypeAlias, cast

from autograder.perimeter.child_runtime import wire
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.confinement.workdirs import remove_tree
from autograder.perimeter.supervision import held_folder
from autograder.perimeter.supervision.disk_watch import DiskWatch, Incident, SlotQuota

#: A path as the callers hold it (the model's ``StrPath``; the perimeter imports nothing of the model).
StrPath: TypeAlias = str | os.PathLike[str]
#: The package ``autograder`` (hidden from the children) and the checkout that holds it (the zygote's import path).
PACKAGE = Path(__file__).resolve().parents[2]

#: Largest answer accepted from a child (bytes of JSON): the largest legitimate one (a 300×300
#: float64 array, base64) is about 1 MB. Larger frames are refused before they are read.
MAX_CHILD_MESSAGE = 8 * 1024 * 1024
#: Largest output byte count a child may report (a forged 4,300-digit count would break the sums).
MAX_OUTPUT_COUNT = 1 << 53
#: How often one Zygote may be restarted after it died or failed a spawn: a batch has one Zygote, so this
#: is the batch's cap (:meth:`Zygote.restart` is the only place a zygote is replaced).
MAX_RESTARTS = 3
#: Variables of the grader's environment the zygote may see (besides ``AUTOGRADER_*``); the
#: zygote narrows them further (:data:`.zygote.ENVIRONMENT`) before any child exists.
ZYGOTE_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONHASHSEED", "TMPDIR")
#: ``errno`` values that say the disk is full, not that the sandbox is broken (a zygote restart cannot help).
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class GraderError(RuntimeError):
    """The grader itself failed (not the submission)."""


class ZygoteLost(GraderError):
    """The zygote died or was replaced while a child of it was in use: nothing the submission did (the
    child was killed with it); the caller grades the submission again rather than scoring what was cut."""


class DiskFull(GraderError):
    """The disk the sandbox's folders are on is full: nothing the submission did, and not a broken zygote (no
    restart helps); the caller grades the submission again once there is room."""


class ChildError(Exception):
    """The child hung, died or broke the protocol; ``kind`` says which."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind  # "timeout" | "crashed"
        self.detail = detail


class Child:
    """A sandboxed child serving one submission over its own socket."""

    def __init__(self, slot: int, pid: int, sock: socket.socket, sandbox: dict[str, Any], generation: int = 0) -> None:
        self.slot, self.pid, self.sock, self.sandbox = slot, pid, sock, sandbox
        self.reader = wire.Receiver(sock)  # (its answers: read ahead, see wire.Receiver)
        self.generation = generation  # of the zygote that forked it (see Zygote.restart)
        self.output: dict[str, Any] = {"bytes": 0, "truncated": False}

    def send(self, msg: dict[str, Any] | bytes) -> None:
        """Send ``msg`` (a dict, or bytes framed by :func:`wire.encode_message`)."""
        try:
            if isinstance(msg, bytes):
                self.sock.sendall(msg)
            else:
                wire.send(self.sock, msg)
        except (BrokenPipeError, ConnectionError, OSError) as exc:
            raise ChildError("crashed", str(exc)) from None

    def receive(self, timeout: float) -> dict[str, Any]:
        """The next answer; raises :class:`ChildError` on timeout, death or garbage."""
        try:
            reply = self.reader.recv(timeout, MAX_CHILD_MESSAGE, max_values=wire.MAX_VALUES)
        except TimeoutError:
            raise ChildError("timeout") from None
        except (wire.PeerClosed, BrokenPipeError, ConnectionError, OSError) as exc:
            raise ChildError("crashed", str(exc)) from None
        except wire.WireError as exc:
            raise ChildError("crashed", f"unreadable answer: {exc}") from None
        if not isinstance(reply, dict):
            raise ChildError("crashed", "unreadable answer: not an object")
        out = reply.get("output")
        if isinstance(out, dict):  # the child's own count: believed only within sane bounds
            count = out.get("bytes")
            if type(count) is int and 0 <= count <= MAX_OUTPUT_COUNT:
                self.output = {"bytes": count, "truncated": out.get("truncated") is True}
            else:
                self.output = {"bytes": 0, "truncated": True}
        return reply

    def request(self, msg: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for the answer; raises :class:`ChildError`."""
        self.send(msg)
        return self.receive(timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def interpreter_paths() -> list[str]:
    """Paths the Python interpreter (stdlib, site-packages) needs inside the sandbox."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    with contextlib.suppress(AttributeError):
        paths.update(site.getsitepackages())
    return sorted(p for p in paths if p)


def default_hidden(course_dir: StrPath, submitted_dir: StrPath | None = None,
                   results_dir: StrPath | None = None) -> list[str]:
    """What the children must not see: the course, submissions, results, homes."""
    targets = [course_dir, submitted_dir, results_dir, PACKAGE,
               "/root", "/home", os.path.expanduser("~"), os.getcwd()]
    try:
        import importlib.util

        spec = importlib.util.find_spec("solutions")
        if spec is not None and spec.origin:
            targets.append(Path(spec.origin).resolve().parent)
    except (ImportError, ValueError):
        pass
    return [str(t) for t in targets if t]


def _matplotlib_config(zygote_dir: str) -> str:
    """The zygote's ``MPLCONFIGDIR``: a folder of its own, holding a copy of the grader's matplotlib font
    list when there is one (else matplotlib rebuilds it at every start: a few tenths of a second)."""
    folder = os.path.join(zygote_dir, "mpl")
    os.makedirs(folder, exist_ok=True)
    cache = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "matplotlib")
    try:
        names = [n for n in os.listdir(cache) if n.startswith("fontlist-") and n.endswith(".json")]
        for name in names:
            shutil.copyfile(os.path.join(cache, name), os.path.join(folder, name), follow_symlinks=False)
    except OSError:
        pass
    return folder


class Zygote:
    """The warm process that forks children (see :mod:`autograder.perimeter.child_runtime.zygote`)."""

    #: the module run as the zygote (``python -m``); tests that look inside start one answering more
    #: requests (``testkit/probe.py``)
    program = "autograder.perimeter.child_runtime.zygote"

    def __init__(self, hide: Iterable[StrPath] = (), needed: Iterable[str] | None = None, python: str | None = None,
                 start_timeout: float = 120.0, slots: int = 1, forbidden: Iterable[str] = (),
                 prepare: Iterable[str] = ()) -> None:
        self.slots = int(slots)
        self.forbidden = sorted({str(n) for n in forbidden})
        #: names the zygote makes unusable while it starts (the forbidden ones are added by ``arm`` if new)
        self.prepare = sorted({str(n) for n in prepare} | set(self.forbidden))
        self.hide = [str(p) for p in hide]
        self.needed = list(needed) if needed is not None else interpreter_paths()
        self.python = python or sys.executable
        self.start_timeout = start_timeout
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.ctrl: socket.socket | None = None
        self.sandbox: dict[str, Any] = {}
        self._dir: str | None = None
        self._home_lock: IO[bytes] | None = None  # (held while _dir is this grader's: perimeter/supervision/held_folder.py)
        self.generation = 0
        self.restarts = 0
        self._restart_lock = threading.Lock()
        self._init_pending = False  # launched, its answer to ``init`` not read yet (:meth:`close` need not wait)
        self.watch: DiskWatch | None = None  # uid mode: the slots' disk quota (:meth:`_watch_disk`)
        self._past_incidents: list[Incident] = []  # what the watches of earlier zygote processes saw (restarts)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> Zygote:
        """Start the zygote and wait until it can fork children (:meth:`launch`, then :meth:`ready`)."""
        return self.launch().ready()

    def launch(self) -> Zygote:
        """Start the zygote process and send it ``init``, without waiting for the answer.

        The zygote then imports NumPy, SciPy, matplotlib and IPython and builds
        its sandbox (a few seconds) while this process does other work, e.g.
        computing the references of the checks; :meth:`ready` waits for it.
        """
        self._dir, self._home_lock = held_folder.make(held_folder.ZYGOTE_HOME)
        ours, theirs = socket.socketpair()
        env = {k: v for k, v in os.environ.items() if k in ZYGOTE_ENVIRONMENT or k.startswith("AUTOGRADER_")}
        env.update(HOME=self._dir, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   NUMEXPR_NUM_THREADS="1", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
                   IPYTHONDIR=os.path.join(self._dir, "ipython"), MPLCONFIGDIR=_matplotlib_config(self._dir))
        # the zygote must import this very checkout's engine, wherever it is
        pkg_root = str(PACKAGE.parent)
        env["PYTHONPATH"] = os.pathsep.join([pkg_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        self._log = open(os.path.join(self._dir, "zygote.log"), "wb")  # noqa: SIM115 (closed by close())
        self.proc = subprocess.Popen(
            [self.python, "-m", self.program, "--fd", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], cwd=self._dir, env=env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=self._log, start_new_session=True,
        )
        theirs.close()
        self.ctrl = ours
        with self.lock:
            wire.send(self.ctrl, {"op": "init", "slots": self.slots, "hide": self.hide, "needed": self.needed,
                                  "forbidden": self.prepare})
        self._init_pending = True
        return self

    def ready(self, forbidden: Iterable[str] | None = None) -> Zygote:
        """Wait for the launched zygote's ``init``, then pin the forbidden names (``forbidden``, or those
        given to the constructor) in it: from then on it forks children."""
        if forbidden is not None:
            self.forbidden = sorted({str(n) for n in forbidden})
        try:
            reply = self._request(None, timeout=self.start_timeout, what="init")
        finally:
            self._init_pending = False
        self.sandbox = reply["sandbox"]
        self.pid = reply["pid"]
        armed = self._request({"op": "arm", "forbidden": self.forbidden}, timeout=self.start_timeout)
        self.sandbox["guard"] = armed.get("guard", {})  # what became unusable (summary.json, results.json)
        self._watch_disk()
        return self

    def _watch_disk(self) -> None:
        """``uid`` mode: the slots' folders are on the container's disk, which no mount bounds, so a
        :class:`~autograder.perimeter.supervision.disk_watch.DiskWatch` holds each to ``Limits.workdir_mb`` (the limits of each
        spawn, :meth:`spawn`), stopping a slot with the zygote's ``kill``."""
        workroot = self.sandbox.get("workroot")
        if self.sandbox.get("mode") != "uid" or not isinstance(workroot, str):
            return
        limits = Limits()
        quotas = {slot: SlotQuota(os.path.join(workroot, str(slot)), limits.workdir_bytes, limits.workdir_files)
                  for slot in range(self.slots)}
        self.watch = DiskWatch(workroot, quotas, self._stop_slot).start()
        share = self.watch.fair_share
        self.sandbox["disk"] = {"watched": workroot, "share_mb": round(min(share, limits.workdir_bytes) / 2**20, 1)}
        if share < limits.workdir_bytes:
            self.sandbox.setdefault("warnings", []).append(
                f"the disk holding the sandbox's folders ({workroot}) has little room: each of the {self.slots} slots "
                f"may keep {share / 2**20:.0f} MB there instead of {limits.workdir_mb} MB")
            self.sandbox["warning"] = " ".join(self.sandbox["warnings"])

    def _stop_slot(self, slot: int) -> None:
        """The disk watch's stop: every process of the slot killed, and gone when this returns (its reason is
        left for the grader's own :meth:`kill` of that slot to give)."""
        self._request({"op": "kill", "slot": slot, "wait": False, "verify": True}, timeout=60.0)

    def disk_incidents(self, after: float | None = None) -> list[Incident]:
        """What the disk watches saw so far (``uid`` mode; else none), earlier zygote processes' included; with
        ``after`` (``time.monotonic()``), once the watch has looked at the disk since then
        (:meth:`~autograder.perimeter.supervision.disk_watch.DiskWatch.settled`)."""
        if self.watch is not None and after is not None:
            self.watch.settled(after)
        return self._past_incidents + (self.watch.incidents() if self.watch is not None else [])

    def why_stopped(self, slot: int) -> str:
        """Why the disk watch stopped ``slot``'s child ('' if it did not), once."""
        return self.watch.why_stopped(slot) if self.watch is not None else ""

    def wrote(self, path: StrPath) -> None:
        """The grader wrote the file ``path``: the disk watch counts its blocks as nobody's growth."""
        if self.watch is not None:
            try:
                st, root = os.stat(path), os.stat(self.watch.root)
            except OSError:
                return
            if st.st_dev == root.st_dev:
                self.watch.expect(st.st_blocks * 512)

    def disk_low(self) -> bool:
        """Whether the disk of the slots' folders is nearly full now (``uid`` mode; else False)."""
        return self.watch is not None and self.watch.disk_low()

    def log_tail(self, n: int = 4000) -> str:
        folder = self._dir
        if folder is None:  # (the grader's own invariant: _request checks)
            raise RuntimeError("the grader's own invariant broke: the log of a zygote not launched")
        try:
            return Path(folder, "zygote.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def close(self) -> None:
        """End the zygote: ``exit``, then wait for it to clean up (its slots, cgroups, killer). One still
        warming up that nobody waited for (the batch found nothing to run in it) is killed at once instead:
        no child was ever forked, and what its ``init`` made dies with it or is removed by the next zygote
        (a uid is held by a socket, a stale cgroup is removed at startup)."""
        if self._init_pending:
            self._stop_warming()
        if self.watch is not None:  # (first: it asks for kills on the control socket)
            self.watch.close()
            self._past_incidents += self.watch.incidents()
            self.watch = None
        if self.ctrl is not None:
            try:
                with self.lock:
                    wire.send(self.ctrl, {"op": "exit"})
            except OSError:
                pass
            self.ctrl.close()
            self.ctrl = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        workroot = self.sandbox.get("workroot") if isinstance(self.sandbox, dict) else None
        if isinstance(workroot, str) and os.path.basename(workroot).startswith("autograder-slots-") \
                and os.path.isdir(workroot):  # a zygote that was killed left its slots' folders (uid, weak)
            remove_tree(os.path.dirname(workroot), os.path.basename(workroot))
        if self._dir:
            with contextlib.suppress(OSError):
                self._log.close()
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        if self._home_lock is not None:
            self._home_lock.close()
            self._home_lock = None

    def _stop_warming(self) -> None:
        """SIGKILL the process group of a zygote whose ``init`` has not answered yet (see :meth:`close`); one
        that has answered meanwhile is warm and ends with ``exit`` as usual."""
        self._init_pending = False
        if self.proc is None or self.proc.poll() is not None or self.ctrl is None:
            return
        if select.select([self.ctrl], [], [], 0)[0]:
            return
        with contextlib.suppress(OSError):  # (start_new_session: its own group, with the killer it forks as root)
            os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> Zygote:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.ctrl is not None

    # -- requests --------------------------------------------------------------
    def _request(self, msg: dict[str, Any] | None, timeout: float = 60.0, fds: Sequence[int] = (),
                 received: list[int] | None = None, what: str | None = None) -> dict[str, Any]:
        """Send ``msg`` and return the answer; with ``msg`` None, only wait for the answer to ``what``
        (a request sent earlier)."""
        what = what or cast(dict[str, Any], msg).get("op")  # (a request without a message names its answer)
        with self.lock:
            if self.ctrl is None:
                raise GraderError("the zygote is not running")
            try:
                if msg is not None:
                    wire.send(self.ctrl, msg, fds=fds)
                reply = wire.recv(self.ctrl, timeout=timeout, fds=received)
            except (TimeoutError, OSError, wire.WireError) as exc:
                raise GraderError(f"the zygote did not answer {what!r} ({exc}); its log:\n"
                                  f"{self.log_tail()}") from None
        if not isinstance(reply, dict) or "error" in reply:
            detail = reply.get("error") if isinstance(reply, dict) else "an answer that is not an object"
            stack = reply.get("traceback", "") if isinstance(reply, dict) else ""
            error = DiskFull if isinstance(reply, dict) and reply.get("errno") in DISK_FULL else GraderError
            raise error(f"the zygote failed on {what!r}: {detail}" + (f"\n{stack}" if stack else ""))
        return reply

    def lost(self, child: Child) -> bool:
        """Whether ``child``'s zygote is gone (dead, or replaced since it forked ``child``)."""
        return child.generation != self.generation or not self.alive

    def restart(self, generation: int, why: str) -> None:
        """Replace a zygote that died or failed a spawn (at most :data:`MAX_RESTARTS` times).

        ``generation`` is the one the caller saw fail: when another thread has
        restarted it meanwhile, nothing is done. Raises :class:`GraderError`
        when no more restarts are allowed or the new zygote does not start.
        """
        with self._restart_lock:
            if generation != self.generation:
                return
            if self.restarts >= MAX_RESTARTS:
                raise GraderError(f"{why}; the zygote was already restarted {self.restarts} times")
            self.restarts += 1
            self.close()
            try:
                self.start()
            except Exception as exc:  # noqa: BLE001
                raise GraderError(f"{why}; restarting the zygote failed: {exc}") from None
            self.generation += 1

    def spawn(self, slot: int, limits: Limits, hello_timeout: float = 30.0) -> Child:
        """A confined child for ``slot``; a zygote that is dead or fails the spawn is restarted once."""
        generation = self.generation
        if self.watch is not None:
            self.watch.set_quota(slot, limits.workdir_bytes, limits.workdir_files)
            # (a stop of this slot while it had no child, a search's, is not the next child's: its reason would
            # otherwise be given for that child's own death, a segfault, a limit)
            self.watch.why_stopped(slot)
        try:
            return self._spawn(slot, limits, hello_timeout)
        except DiskFull:
            raise
        except GraderError as exc:
            self.restart(generation, f"a sandboxed child could not be made ({str(exc)[:300]})")
        try:
            return self._spawn(slot, limits, hello_timeout)
        except GraderError as exc:
            raise GraderError(f"a sandboxed child could not be made, even after restarting the zygote: {exc}") \
                from None

    def _spawn(self, slot: int, limits: Limits, hello_timeout: float) -> Child:
        received: list[int] = []
        reply = self._request({"op": "spawn", "slot": slot, "limits": limits.to_dict()}, received=received)
        if len(received) != 1:
            for fd in received:
                os.close(fd)
            raise GraderError("the zygote sent no socket for the child")
        sock = socket.socket(fileno=received[0])
        try:
            hello = wire.recv(sock, hello_timeout, MAX_CHILD_MESSAGE, max_values=wire.MAX_VALUES)
        except (TimeoutError, OSError, wire.WireError) as exc:
            sock.close()
            self.kill(slot, wait=True)
            raise GraderError(f"a sandboxed child did not start ({exc})") from None
        if not isinstance(hello, dict) or hello.get("op") != "hello":
            sock.close()
            self.kill(slot, wait=True)
            error = DiskFull if isinstance(hello, dict) and hello.get("errno") in DISK_FULL else GraderError
            raise error("a sandboxed child could not confine itself: "
                        f"{hello.get('error') if isinstance(hello, dict) else hello}")
        return Child(slot, reply["pid"], sock, hello.get("sandbox", {}), self.generation)

    def kill(self, slot: int, wait: bool = False, verify: bool = False) -> dict[str, Any]:
        """SIGKILL everything of ``slot``: ``{"status": how its child ended (with wait), "clean"}``; the status
        says ``"stopped": why`` when the disk watch had stopped the child (``uid`` mode).

        Unless ``wait`` or ``verify``, the request is sent without waiting for
        the answer: the zygote handles requests in order, so the slot's next
        spawn still comes after the kill.
        """
        msg = {"op": "kill", "slot": slot, "wait": wait, "verify": verify}
        if wait or verify:
            reply = self._request(msg, timeout=60.0)
            why = self.why_stopped(slot)
            if why and isinstance(reply.get("status"), dict):
                reply["status"] = {**reply["status"], "stopped": why}
            return reply
        msg["reply"] = False
        with self.lock:
            if self.ctrl is None:
                raise GraderError("the zygote is not running")
            try:
                wire.send(self.ctrl, msg)
            except OSError as exc:
                raise GraderError(f"the zygote did not take a kill request ({exc})") from None
        return {"status": {"ended": "killed"}, "clean": True}
