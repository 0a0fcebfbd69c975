"""The zygote: a warm interpreter that forks one sandboxed child per submission.

Started by the parent as a fresh interpreter (``python -m
autograder.perimeter.child_runtime.zygote --fd N``), never by forking the parent, which holds
the reference solutions in memory. It imports NumPy, SciPy, matplotlib (Agg)
and IPython once, builds an IPython shell, imports ``autograder.perimeter.child_runtime.invoke``
and the modules beside it (:data:`CALL_MODULES`; a leaf: the package imports nothing eagerly) and takes
them out of ``sys.modules`` (:func:`import_call_tools`), and then enters its own mount and
network namespaces with only the interpreter and its libraries visible
(:func:`.view.enter_view`) — or, as root where namespaces are refused (``uid``
mode), reserves a uid per slot and builds each slot's Landlock ruleset
(:mod:`.landlock`). The forbidden names are pinned (:mod:`autograder.perimeter.guard.pinning`)
by a second request (``arm``), so that the parent can start the zygote
before it has loaded the checks. It never imports ``solutions`` or the
checks; a test asserts so.

Control protocol (one :mod:`.wire` message each way, on the socket passed as
``--fd``):

* ``init {"slots": n, "hide": [paths], "needed": [paths], "forbidden": [names]}`` →
  ``{"pid", "sandbox"}`` (as root, claims one uid per slot, see
  :func:`.claims.claim_uids`);
* ``arm {"forbidden": [names]}`` → ``{"armed": true, "guard": report}``: the names
  are pinned (:meth:`autograder.perimeter.guard.pinning.Pins.pin`), what makes every forbidden object
  of the batch unusable is planned (the zygote's :meth:`autograder.perimeter.guard.arming.Guard.prepare`; each
  child then arms its own problem set's names through it before any student code), and the library files
  that define them are covered in the view; ``spawn`` is refused before;
* ``spawn {"slot", "limits"}`` → ``{"pid"}`` with the parent's end of the
  child's socket passed alongside (SCM_RIGHTS): a child that confined itself
  and serves that socket (:func:`.child.serve`). After each kill the zygote
  forks the slot's next child in advance (a *spare*), so a spawn usually
  costs no fork;
* ``kill {"slot", "wait", "verify"}`` → ``{"status": {...}, "clean": bool}``:
  SIGKILLs every process of the slot (its uid as root) and wipes its working
  directory; with ``wait``, ``status`` is how the slot's child ended; with
  ``verify``, waits until no process of the slot is left;
* ``exit``.

These are the requests the grader sends (``autograder/perimeter/supervision/zygote_parent.py``), and no others. Tests that
look inside (a slot's processes, the zygote's modules, what a child printed) start a subclass that
answers more (``testkit/probe_zygote.py``: :data:`ZygoteServer.REQUESTS`, :attr:`ZygoteServer.extend_child`
and :func:`main`'s ``zygote``).

Orphans of children (``setsid``, double fork) are reparented to the zygote
(a child subreaper), which reaps them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.preload import import_call_tools, import_guard, warm_imports
from autograder.perimeter.confinement import (
    claims,
    confine,
    landlock,
    modes,
    namespaces,
    paths,
    processes,
    syscalls,
    view,
    workdirs,
)
from autograder.perimeter.confinement.cgroup import Cgroups
from autograder.perimeter.confinement.limits import Limits

#: Environment variables the children get (with these values, or the grader's for None); nothing else
#: of the grader's environment reaches them (the CI runs the grader with ``sudo -E``: tokens included).
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONHASHSEED": None, "TZ": None}


def sandbox_environment() -> None:
    """Replace this process's environment by :data:`ENVIRONMENT` (children inherit it)."""
    keep = {k: (v if v is not None else os.environ.get(k)) for k, v in ENVIRONMENT.items()}
    os.environ.clear()
    os.environ.update({k: v for k, v in keep.items() if v is not None})


def describe_status(status: int | None) -> dict[str, Any]:
    if status is None:
        return {"ended": "unknown"}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return {"ended": "signal", "signal": sig, "signal_name": name}
    return {"ended": "exit", "exitcode": os.waitstatus_to_exitcode(status)}


def _running(child: dict[str, Any]) -> dict[str, Any]:
    """What the zygote keeps of a slot's running child (one of :meth:`ZygoteServer._fork`)."""
    return {"pid": child["pid"], "workdir": child["workdir"], "namespace": child["namespace"]}


class ZygoteServer:
    """The zygote's side of the control protocol (see the module's docstring); the grader's side, its
    client, is :class:`autograder.perimeter.supervision.zygote_parent.Zygote`."""

    #: the requests answered by the method of the same name, ``method(msg) -> reply`` (``spawn`` and ``exit``
    #: are handled by :meth:`loop`: descriptors travel with the one, the other ends it)
    REQUESTS = ("init", "arm", "kill")
    #: passed to every child's :func:`~autograder.perimeter.child_runtime.child.serve` as ``extend`` (None: the requests the
    #: grader sends, no others; a test subclass sets it)
    extend_child: Callable[[], dict[str, Callable[[Any], dict[str, Any]]]] | None = None

    def __init__(self, ctrl: socket.socket):
        self.ctrl = ctrl
        self.killer: socket.socket | None = None
        self.killer_pid: int | None = None
        self.slots: dict[int, dict[str, Any]] = {}  # slot -> {"pid", "workdir", "namespace"} of its running child
        self.statuses: dict[int, int] = {}  # pid of a slot child -> wait status
        self.wanted: set[int] = set()  # pids of slot children whose status is still wanted
        self.nproc_base = 0
        self.workroot: str | None = None
        # slot -> a child forked in advance: {"pid", "sock", "workdir", "namespace", "limits"}
        self.spares: dict[int, dict[str, Any]] = {}
        self.last_limits: dict[int, dict[str, Any]] = {}  # slot -> limits of its last spawn
        self.after: Callable[[], object] | None = None  # work to do once the current answer is sent
        self.uid_claims: list[claims.Claim] = []  # the slots' uids, held (:mod:`.claims`)
        self.networks: list[int] = []  # slot -> descriptor of its network namespace (root, userns)
        self.no_namespaces = ""  # why root's namespaces are refused (uid mode)
        self.rulesets: dict[int, landlock.Ruleset] = {}  # slot -> its Landlock ruleset (uid mode, built by arm)
        self.namespace_init: str | None = None  # root mode: the program a child's PID namespace starts with
        self.home_pid_ns: int | None = None  # root mode: a descriptor of our own PID namespace
        self.landlock = (0, "")  # (ABI version, why none) (uid mode)
        self.network_filter = False  # the seccomp filter can be installed (uid mode)
        self.hide: list[str] = []
        self.needed: list[str] = []
        self.uids: list[int] = []
        self.serial = 0
        self.view = view.View()  # where this process reads /proc from (the host's, once in the view, elsewhere)
        self.own_workroot: str | None = None  # removed at shutdown (weak mode)
        self.mode = "weak"
        self.cgroups = Cgroups(0)  # (the slots' own, made by init)
        self.no_prefork = False
        self.tools: Any = None  # what the children answer calls with (import_call_tools), in :meth:`init`
        self.guard: Any = None  # this process's Guard (perimeter.guard.arming), made in :meth:`init`
        self.shell: Any = None  # the children's IPython shell, made in :meth:`init`
        self.guard_report: dict[str, Any] = {}
        self.armed = False  # the forbidden names are pinned in it (:meth:`arm`); no child is forked before

    # -- reaping ---------------------------------------------------------------
    def reap(self) -> None:
        """Collect every exited child; remember how slot children ended."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.wanted:
                self.statuses[pid] = status

    # -- requests --------------------------------------------------------------
    def init(self, msg: dict[str, Any]) -> dict[str, Any]:
        import tempfile

        self.guard = import_guard()
        self.guard.check_supported()  # (first: an interpreter the guard cannot arm grades nothing)
        self.mode = modes.requested_mode()
        forced = bool(os.environ.get("AUTOGRADER_SANDBOX_MODE", "").strip())
        self.no_prefork = bool(os.environ.get("AUTOGRADER_NO_PREFORK"))  # (the environment is cleared below)
        self.hide = [str(h) for h in msg.get("hide", [])]
        self.needed = [str(n) for n in msg.get("needed", [])]
        warnings = self._enter_mode(int(msg.get("slots", 1)), forced)
        self.cgroups = Cgroups(int(msg.get("slots", 1)))
        cgroup_report = self.cgroups.create() if self.mode != "weak" else {
            "available": False, "why": "weak mode: no cgroups"}
        warm_imports()
        # (here, not at the top: child imports NumPy and IPython, which the zygote loads in warm_imports,
        # once the guard has said it can arm this interpreter; child is one of WARM_MODULES)
        from autograder.perimeter.child_runtime import child

        self.tools = import_call_tools(self.guard)
        self.shell = child.make_shell()
        # (while the parent loads the checks; the references are located by arm's, the last, call)
        self.guard.prepare([str(n) for n in msg.get("forbidden", [])], locate=False)
        report: dict[str, Any] = {"mode": self.mode, "netns": False, "mountns": False, "pidns": False,
                                  "ipcns": False, "view": [], "hidden": [], "errors": []}
        if self.mode in ("root", "userns"):
            os.makedirs("view", exist_ok=True)
            entered, self.view = view.enter_view("view", self.needed, self.hide, self.uids)
            report.update(entered)
            if not report["mountns"]:
                raise OSError(f"the sandbox's filesystem view could not be made: {report['errors']}")
            report["pidns"] = report["ipcns"] = True
            report["hidden"] = list(self.hide)  # like everything outside the view
            self.networks = namespaces.slot_networks(int(msg.get("slots", 1)), self.view.proc)
            if self.mode == "root":  # (in the view: the program must be found there)
                self.namespace_init = namespaces.namespace_init()
                self.home_pid_ns = os.open(f"{self.view.proc}/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
            report["pid_namespace_init"] = self.namespace_init or "the child's outer parent"
            report["netns"] = "one per slot"
            report["files"], report["network"] = "view", "namespace"
        else:
            self.workroot = self.own_workroot = tempfile.mkdtemp(prefix="autograder-slots-")
        if self.mode == "uid":
            report.update(self._uid_layers(int(msg.get("slots", 1)), warnings))
        sandbox_environment()
        if self.mode not in modes.UID_MODES:
            self.nproc_base = self._processes_of_my_uid(self.view.proc)
        report["uid_drop"] = self.mode in modes.UID_MODES
        report["uids"] = list(self.uids)
        report["capabilities"] = "none" if self.mode != "weak" else "as the grader"
        report["kill"] = {"root": "PID namespace + per-slot uid (kill -1 as that uid)",
                          "uid": "per-slot uid (kill -1 as that uid)",
                          "userns": "PID namespace", "weak": "process tree + orphans"}[self.mode]
        report["cgroup"] = cgroup_report
        # where a submission's processes together are not limited, two submissions never run at once
        report["one_at_a_time"] = self.mode != "weak" and not cgroup_report.get("available")
        report["not_isolated"] = ([] if not report["one_at_a_time"] else
                                  ["memory and CPU over a submission's processes (limited per process; "
                                   "one submission at a time)"])
        if self.mode == "userns" and not cgroup_report.get("available"):  # (weak mode says it all already)
            warnings.append("SHARED LIMITS: no cgroup could be made for the worker slots "
                            f"({cgroup_report.get('why', 'not available')}), so the slots would share this user's "
                            "process limit and memory is limited per process only: submissions are graded one "
                            "at a time (one submission's fork storm or memory cannot cost another's grade; a "
                            "submission's processes together, memfds included, are still not capped). Grade as "
                            "root, or run the grader in a delegated cgroup (systemd-run --user --scope -p "
                            "Delegate=yes …) to grade in parallel.")
        report["environment"] = sorted(os.environ)
        report["workroot"] = self.own_workroot  # (uid, weak: removed by the grader if this process is killed)
        report["warnings"] = warnings
        report["warning"] = " ".join(warnings)  # one line, as the terminal and summary.json show it
        return {"pid": os.getpid(), "sandbox": report}

    def arm(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Pin the forbidden names (:meth:`~autograder.perimeter.guard.pinning.Pins.pin`, in the pristine zygote) and
        plan the guard for them; children can be forked from now on.

        A separate request, so that the parent can launch the zygote (its
        imports take seconds) before it has loaded the checks that name them.
        """
        if self.tools is None:
            raise RuntimeError("'arm' before 'init'")
        if not self.armed:
            names = [str(name) for name in msg.get("forbidden", [])]
            self.tools.pin(names)
            # last before the fork: the plan replaces every reference to a forbidden object, the pin's too
            report = self.guard.prepare(names)  # (each child arms its own problem set's names)
            covered = view.cover_files(report["paths"]) if self.mode in ("root", "userns") else []
            if self.mode == "uid":
                self._build_rulesets(report["paths"])
            self.guard_report = {"groups": report["groups"], "gated": report["gated"],
                                 "unreplaced": report["unreplaced"], "seconds": report["seconds"],
                                 "covered_files": len(covered)}
            self.armed = True
            import gc

            gc.collect()
            gc.freeze()
        return {"armed": True, "guard": self.guard_report}

    def _enter_mode(self, slots: int, forced: bool = False) -> list[str]:
        """Set up the sandbox mode: as root the killer process and one uid per slot (``uid`` mode where the
        namespaces are refused, unless ``root`` was ``forced``; ``weak`` where root cannot switch uids); else a
        user namespace (or the weak mode when that fails). Returns the warnings for the report."""
        warnings = []
        ranges = claims.candidate_ranges()
        start = ranges[0][0] if ranges else claims.UID_BASE
        if self.mode == "root" and not forced:
            os.makedirs("probe", exist_ok=True)
            self.no_namespaces = modes.namespaces_refused(os.path.abspath("probe"))
            os.rmdir("probe")
            if self.no_namespaces:
                self.mode = "uid"
        if self.mode == "uid":
            start = claims.random_start(ranges, slots)
            why = modes.uid_switch_refused(start)
            if why:
                self.mode = "weak"
                warnings.append(f"root cannot switch to another uid here ({why}; a container needs its default "
                                "CAP_SETUID and CAP_SETGID)")
        if self.mode in modes.UID_MODES:
            a, b = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                self.ctrl.detach()
                a.close()
                processes.killer_server(b)
            b.close()
            self.killer, self.killer_pid = a, pid
            # (root: before leaving the host's network namespace, where an older grader's claims are names)
            self.uid_claims = claims.claim_uids(slots, start, ranges, legacy_names=self.mode == "root")
            self.uids = [claim.uid for claim in self.uid_claims]
            for uid in self.uids:  # leftovers of an earlier batch that was killed
                self._ask_killer(uid, uid)
        elif self.mode == "userns":
            try:
                namespaces.enter_user_namespace()
            except OSError as exc:
                self.mode = "weak"
                warnings.append(f"unprivileged user namespaces are not available ({exc})")
        if self.mode == "weak":
            advice = ("Give the container its default capabilities (CAP_SETUID, CAP_SETGID)." if warnings
                      and warnings[0].startswith("root cannot switch") else
                      "Grade as root, or enable unprivileged user namespaces.")
            warnings.append("WEAK SANDBOX: student code runs as the grader's own user with limits and killing "
                            "only; it can read the course (solutions included), write results and signal the "
                            f"grader. {advice}")
        return warnings

    def _uid_layers(self, slots: int, warnings: list[str]) -> dict[str, Any]:
        """``uid`` mode's layers besides the uids (see :func:`.confine.restrict_uid_child`): a folder per slot
        (mode 0711: its children's working folders are theirs alone), the kernel's Landlock ABI and the
        seccomp filter, each tried here; the rulesets are built by :meth:`arm`. Returns the report's part."""
        os.chmod(self._slots_folder(), 0o711)
        for slot in range(slots):
            os.mkdir(self._slot_folder(slot), 0o711)
        self.landlock = landlock.abi()
        why_no_filter = modes.seccomp_refused()
        self.network_filter = not why_no_filter
        report: dict[str, Any] = {"no_namespaces": self.no_namespaces or "chosen (AUTOGRADER_SANDBOX_MODE=uid)",
                  "landlock": self.landlock[0], "files": "landlock" if self.landlock[0] else None,
                  "network": "seccomp" if self.network_filter else None, "seccomp": self.network_filter}
        if not self.landlock[0]:
            warnings.append(f"WEAK SANDBOX: {self.landlock[1]}, so student code runs as a uid of its own per slot "
                            "but can read the course (solutions included) and every world-readable file. Grade "
                            "on a Linux 5.13+ kernel with Landlock (a container runtime from 2022 or later).")
        if not self.network_filter:
            report["no_seccomp"] = why_no_filter
        unreachable = paths.unreadable_paths(paths.minimal_paths(self.needed))
        if unreachable:
            warnings.append("the sandbox's uids cannot read " + ", ".join(unreachable[:3]) + " (a folder on the way "
                            "is private): a cell cannot import a module the sandbox had not loaded beforehand. "
                            "Install Python where every user can read it.")
        return report

    def _build_rulesets(self, protected: Iterable[str]) -> None:
        """One Landlock ruleset per slot (``uid`` mode): the interpreter and system paths readable except the
        hidden ones and the ``protected`` files (those that define the forbidden functions), the slot's
        folder writable (:func:`.landlock.slot_ruleset`)."""
        if not self.landlock[0]:
            return
        readable = paths.minimal_paths(list(view.SYSTEM_PATHS) + self.needed)
        rules = landlock.allowlist(readable, self.hide + list(protected), [os.path.join(p, "bin") for p in self.needed])
        for slot in range(len(self.uids)):
            self.rulesets[slot] = landlock.slot_ruleset(self.landlock[0], rules, self._slot_folder(slot))

    def _slots_folder(self) -> str:
        """The folder of the slots' folders (``uid`` and ``weak`` modes; made by :meth:`init`)."""
        if self.workroot is None:
            raise RuntimeError(f"the {self.mode} mode has no folder for its slots' working folders")
        return self.workroot

    def _slot_folder(self, slot: int) -> str:
        """The folder of ``slot``'s working folders (``uid`` and ``weak`` modes)."""
        return os.path.join(self._slots_folder(), str(slot))

    @staticmethod
    def _processes_of_my_uid(proc: str) -> int:
        uid, count = os.getuid(), 0
        for name in os.listdir(proc):
            if name.isdigit():
                try:
                    if os.stat(f"{proc}/{name}").st_uid == uid:
                        count += 1
                except OSError:
                    pass
        return count + 64

    def _fork(self, slot: int, limits: dict[str, Any]) -> dict[str, Any]:
        """Fork a confined child for ``slot``: ``{"pid", "sock" (our end of its socket), "workdir", "namespace"}``.

        As root the pid is the child's, in a PID namespace whose init is
        ``namespace`` (``(pid, descriptor)``: :func:`.namespaces.end_pid_namespace`);
        in ``userns`` mode (and as root without :func:`.namespaces.namespace_init`)
        it is that of the child's outer parent (*A* of
        :func:`.namespaces.isolate_child`), which ends the way the child did.
        """
        from autograder.perimeter.child_runtime import child  # (loaded by init, in warm_imports: see there)

        uid = self.uid_of(slot)
        lim = Limits.from_dict(limits)
        outer_parent = self.mode in ("root", "userns") and self.namespace_init is None  # (A and B, in the cgroup)
        applied: dict[str, Any]
        try:
            applied = (self.cgroups.limit(slot, lim.memory_mb, lim.nproc, 2 if outer_parent else 0)
                       if self.mode != "weak" else {})
        except OSError as exc:  # the per-process limits still hold; the results say what did not apply
            applied = {"cgroup": f"not applied: {exc}"}
        workdir: str | None = None
        self.serial += 1
        if self.mode in ("uid", "weak"):
            workdir = workdirs.fresh_workdir(self._slot_folder(slot), uid, self.serial)
        ours, theirs = socket.socketpair()
        namespace: tuple[int, int] | None = None
        if self.namespace_init is None or self.home_pid_ns is None:
            pid = os.fork()
        else:
            pid, namespace = namespaces.fork_in_pid_namespace(self.namespace_init, self.home_pid_ns)
        if pid == 0:
            fd = -1
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                fd = theirs.detach()
                if self.mode != "weak":
                    self.cgroups.join(slot)
                if self.mode in ("root", "userns"):
                    namespaces.join_network(self.networks[slot])
                layers: dict[str, Any] = {}
                if self.mode == "uid":  # (before the descriptors are closed: the ruleset's is one of them)
                    layers = confine.restrict_uid_child(self.rulesets.get(slot), self.network_filter)
                inherited = [s for s in (self.ctrl, self.killer, ours) if s is not None]
                inherited += [sp["sock"] for sp in self.spares.values()]  # (the claims' descriptors are closed too)
                inherited += [claim.name for claim in self.uid_claims if claim.name is not None]
                child._dispose(fd, inherited)
                if outer_parent:
                    workdir = namespaces.isolate_child(lim, uid, fd, self.view)
                elif self.namespace_init is not None:  # (root: forked into its PID namespace already)
                    workdir = namespaces.enter_child_namespaces(lim, uid, self.view)
                report = {"mode": self.mode, **layers, **({"cgroup": applied} if applied else {})}
                if workdir is None:
                    raise RuntimeError(f"no working folder for a child in the {self.mode} mode")
                child.serve(fd, uid, lim, workdir, self.shell, self.tools, (), self.nproc_base,
                            caps=self.mode == "userns", report=report, extend=self.extend_child)
            except BaseException as exc:  # noqa: BLE001 — say why, never run student code
                with contextlib.suppress(BaseException):
                    wire.send(socket.socket(fileno=fd), {"op": "error", "error": f"{type(exc).__name__}: {exc}",
                                                         **child._errno_of(exc)})
            finally:
                os._exit(71)
        theirs.close()
        self.wanted.add(pid)
        return {"pid": pid, "sock": ours, "workdir": workdir, "namespace": namespace}

    def prefork(self, slot: int) -> None:
        """Fork the slot's next child now, while the parent is busy elsewhere."""
        limits = self.last_limits.get(slot)
        if limits is None or slot in self.spares or slot in self.slots or self.no_prefork:
            return
        self.spares[slot] = {**self._fork(slot, limits), "limits": limits}

    def spawn(self, msg: dict[str, Any], fds: list[int]) -> tuple[dict[str, Any], list[socket.socket]]:
        """A confined child for the slot (the spare forked in advance when there is one).

        Answers ``{"pid"}`` with the parent's end of the child's socket passed alongside.
        """
        for fd in fds:
            os.close(fd)
        slot = int(msg["slot"])
        self.uid_of(slot)  # validates the slot
        if not self.armed:
            raise RuntimeError("the forbidden names are not pinned yet (send 'arm' first)")
        limits = dict(msg.get("limits", {}))
        if slot in self.slots:
            self.kill({"slot": slot}, prefork=False)
        spare = self.spares.pop(slot, None)
        if spare is not None and spare["limits"] != limits:
            self._discard_spare(slot, spare)
            spare = None
        if spare is None:
            spare = self._fork(slot, limits)
        self.last_limits[slot] = limits
        self.slots[slot] = _running(spare)
        return {"pid": spare["pid"]}, [spare["sock"]]

    def _empty_folder(self, slot: int) -> None:
        """Remove what the slot's children left in its folder (``uid`` and ``weak`` modes) now, not at its next
        fork: a flood that filled the disk is gone as soon as the slot is killed."""
        if self.workroot is not None:
            folder = self._slot_folder(slot)
            for entry in os.listdir(folder) if os.path.isdir(folder) else ():
                workdirs.remove_tree(folder, entry)

    def _discard_spare(self, slot: int, spare: dict[str, Any]) -> None:
        spare["sock"].close()
        self.slots[slot] = _running(spare)
        self.kill({"slot": slot}, prefork=False)

    def uid_of(self, slot: int) -> int | None:
        """The uid a slot's children run as (None without root)."""
        if not self.uids:
            return None
        if not 0 <= slot < len(self.uids):
            raise ValueError(f"slot {slot} out of range (this zygote has {len(self.uids)} slots)")
        return self.uids[slot]

    def _slot_uid(self, slot: int) -> int:
        """The uid of ``slot``'s children (``root`` and ``uid`` modes)."""
        uid = self.uid_of(slot)
        if uid is None:
            raise RuntimeError(f"slot {slot} has no uid of its own in the {self.mode} mode")
        return uid

    def _ask_killer(self, uid: int, gid: int) -> bool:
        killer = self.killer
        if killer is None:
            raise RuntimeError("no killer process in this mode")
        killer.sendall(struct.pack(">ii", uid, gid))
        killer.setblocking(False)
        try:
            while True:
                self.reap()
                try:
                    data = killer.recv(1)
                except BlockingIOError:
                    time.sleep(0.0002)
                    continue
                if not data:
                    raise OSError("the killer process died")
                return data == b"\x01"
        finally:
            killer.setblocking(True)

    def _kill_as_uid(self, slot: int, deadline_s: float = 10.0) -> bool:
        """SIGKILL every process of the slot's uid until none is left alive (zombies reaped)."""
        uid = gid = self._slot_uid(slot)
        end = time.monotonic() + deadline_s
        self._ask_killer(uid, gid)
        while time.monotonic() < end:
            self.reap()
            left = processes.uid_processes(uid, self.view.proc)
            if not left:
                return True
            if any(state != "Z" for state in left.values()):
                self._ask_killer(uid, gid)
            else:
                time.sleep(0.0005)  # zombies: their parents are dying, then we reap them
        return False

    def _kill_tree(self, pid: int) -> bool:
        """Kill a child and everything it started (``weak``), or everything inside its PID namespace.

        In ``userns`` mode ``pid`` is the child's outer parent A, and its
        child B is the namespace's init: everything below B is killed, then B
        reports how the child ended and exits (the kernel kills what is left
        of the namespace), then A exits the same way.
        """
        table = processes.proc_children(self.view.proc)
        if self.mode != "weak":
            inits = {p for p, pp in table.items() if pp == pid}
            processes.kill_tree(processes.descendants(inits, table), self.view.proc)
            return True
        others = {info["pid"] for info in self.slots.values()} | {sp["pid"] for sp in self.spares.values()}
        orphans = {p for p, pp in table.items() if pp == os.getpid() and p not in others and p != self.killer_pid}
        processes.kill_tree({pid} | orphans, self.view.proc)
        return True

    def kill(self, msg: dict[str, Any], prefork: bool = True) -> dict[str, Any]:
        """SIGKILL everything of a slot. With ``wait``, also wait for how its child ended.

        Without ``wait`` the answer comes as soon as the signals are sent: every
        process of the slot is then dying (a SIGKILL cannot be caught, and a
        process forking meanwhile fails to fork), and the zygote reaps them in
        the background.
        """
        slot = int(msg["slot"])
        info = self.slots.pop(slot, None)
        if info is None:
            return {"status": {"ended": "unknown"}, "clean": True}
        if prefork:  # once the answer (if any) is out: the slot's folder emptied (uid, weak), its next child forked
            def after() -> None:
                self._empty_folder(slot)
                self.prefork(slot)

            self.after = after
        pid = info["pid"]
        if self.killer is not None:
            uid = self._slot_uid(slot)
            clean = self._ask_killer(uid, uid)
        else:
            clean = True
        if self.mode not in modes.UID_MODES:
            clean = self._kill_tree(pid) and clean
        if info["namespace"] is not None:  # (the child is reaped below or by reap(); its init after it)
            namespaces.end_pid_namespace(*info["namespace"])
        status = None
        if msg.get("wait"):
            if pid not in self.statuses:
                try:
                    _, st = os.waitpid(pid, 0)
                    self.statuses[pid] = st
                except ChildProcessError:
                    pass
            status = self.statuses.pop(pid, None)
            self.wanted.discard(pid)
        else:
            self.wanted.discard(pid)
            self.statuses.pop(pid, None)
        self.reap()
        reply = {"status": describe_status(status) if msg.get("wait") else {"ended": "killed"}, "clean": clean}
        if msg.get("verify") and self.killer is not None:
            reply["clean"] = self._kill_as_uid(slot)
        return reply

    def shutdown(self) -> None:
        for slot, spare in list(self.spares.items()):
            del self.spares[slot]
            spare["sock"].close()
            if slot not in self.slots:
                self.slots[slot] = _running(spare)
        for slot in list(self.slots):
            with contextlib.suppress(Exception):
                self.kill({"slot": slot, "verify": True, "wait": True}, prefork=False)
        if getattr(self, "cgroups", None) is not None:
            self.cgroups.close()
        if self.killer_pid:
            with contextlib.suppress(OSError):
                os.kill(self.killer_pid, signal.SIGKILL)
        self.reap()
        if self.own_workroot:
            workdirs.remove_tree(os.path.dirname(self.own_workroot), os.path.basename(self.own_workroot))

    def _reply(self, msg: Any, reply: dict[str, Any], send_socks: list[socket.socket]) -> bool:
        """Send ``reply`` (unless ``msg`` asked for none), then close what went with it; False when the grader is
        gone (killed while it waited for this reply): the zygote then ends as when it leaves, through
        :meth:`shutdown`, so that its slots are killed and its folders removed all the same."""
        try:
            if not (isinstance(msg, dict) and msg.get("reply") is False):  # else fire-and-forget
                wire.send(self.ctrl, reply, fds=[s.fileno() for s in send_socks])
        except OSError:
            return False
        finally:
            for sock in send_socks:
                sock.close()
        return True

    def loop(self) -> None:
        while True:
            self.reap()
            fds: list[int] = []
            try:
                msg = wire.recv(self.ctrl, fds=fds)
            except (wire.PeerClosed, OSError, wire.WireError):
                break
            op = msg.get("op") if isinstance(msg, dict) else None
            self.after = None
            send_socks: list[socket.socket] = []
            try:
                if op == "spawn":
                    reply, send_socks = self.spawn(msg, fds)
                elif op == "exit":
                    break
                elif op in self.REQUESTS:
                    reply = getattr(self, op)(msg)
                else:
                    reply = {"error": f"unknown request {op!r}"}
            except Exception as exc:  # noqa: BLE001
                import traceback

                reply = {"error": f"{type(exc).__name__}: {exc}"}
                if isinstance(exc, OSError) and isinstance(exc.errno, int):  # (a full disk is not a broken zygote)
                    reply["errno"] = exc.errno
                if type(exc).__name__ != "GuardUnavailable":  # (that one says all there is to say)
                    reply["traceback"] = traceback.format_exc()[-4000:]
            if not self._reply(msg, reply, send_socks):
                break
            if self.after is not None:
                with contextlib.suppress(Exception):  # a spare that cannot be made is made on demand
                    self.after()
        self.shutdown()


def main(argv: Sequence[str] | None = None, zygote: type[ZygoteServer] = ZygoteServer) -> int:
    """Serve the control socket ``--fd N`` with ``zygote`` (the class; tests pass a subclass) until ``exit``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    fd = int(argv[argv.index("--fd") + 1])
    os.set_inheritable(fd, False)  # (what the zygote spawns, a namespace's init, gets none of its descriptors)
    ctrl = socket.socket(fileno=fd)
    with contextlib.suppress(OSError):
        syscalls.prctl(syscalls.PR_SET_CHILD_SUBREAPER, 1)
    zygote(ctrl).loop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
