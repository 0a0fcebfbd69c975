"""How a sandboxed child is confined, one job per module (untrusted side: the standard library only).

* :mod:`.modes`      – the four modes (root, uid, userns, weak) and the probes that choose one
* :mod:`.limits`     – what one submission may use (``Limits``)
* :mod:`.syscalls`   – the system calls the standard library lacks (namespaces, mounts, prctl, capabilities)
* :mod:`.paths`      – paths compared: inside, the fewest that cover a list, unreachable by other users
* :mod:`.view`       – root and userns: the zygote's allowlist view of the files, made its root once
* :mod:`.namespaces` – root and userns: a network namespace per slot, each child's mount, PID and IPC namespaces
* :mod:`.landlock`   – uid mode's allowlist of files (root without namespaces): a Landlock ruleset per slot
* :mod:`.seccomp`    – uid mode's filter: no network socket, no shared IPC object, no io_uring, no keyring
* :mod:`.claims`     – root and uid: each slot's uid, claimed where no submission can claim it
* :mod:`.cgroup`     – memory, processes and CPU of a whole submission, one cgroup per worker slot
* :mod:`.confine`    – the child's last steps before student code: session, rlimits, its uid, no privileges
* :mod:`.processes`  – a slot's processes found, waited for and killed
* :mod:`.workdirs`   – uid and weak modes' working folders, made fresh, removed however deep

Importing this package imports nothing.
"""
