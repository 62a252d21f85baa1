"""seccomp: a system call filter against escape, written out as a small BPF program.

libseccomp's Python binding needs site-packages and ``libseccomp.so``, neither of which
the isolated worker has, so the filter is built here: a deny-list over the default
"allow", because the system calls CPython and libc make vary by version and an
allow-list tuned on one machine would kill correct submissions on another.  What it
denies is what an escape needs and a Value class never does:

* new programs and processes: ``execve``, ``fork``, ``clone`` without ``CLONE_THREAD``
  (``clone3`` answers ENOSYS, so libc falls back to ``clone`` for threads);
* signals and limits aimed at any other process; ``ptrace`` and reading other
  processes' memory;
* every socket, and System V and POSIX IPC (objects that would outlive the worker);
* opening files for writing, and every call that creates, removes, renames or changes
  a file (the second wall behind Landlock, and the only one where Landlock is absent);
  reading extended attributes (Landlock does not cover them);
* namespaces, mounts, keyrings, BPF, io_uring (whose requests bypass seccomp), kernel
  modules and the like.

Most denied calls fail with EPERM (the submission sees a ``PermissionError``: the
standard library tries some of them and copes).  The calls in ``KILLED``, and those
in ``AIMED`` when aimed at another process, are made by no Value class and by no
standard library code a Value class runs: they reach other processes (signals routed
through ``fcntl``/``ioctl`` ownership, scheduling and priorities, ptrace), let the
worker outlive its judge (``prctl`` PR_SET_PDEATHSIG, PR_SET_DUMPABLE), or spy on the
machine (inotify, fanotify, mount listing, other processes' sessions and
capabilities).  Such a call kills the process with SIGSYS, which the judge reports as
``forbidden``: a probe that got past the Python tripwires is still named, never
scored as a pass.  A call from another architecture's ABI kills the process too.
Linux on x86-64 and arm64 only.
"""

from __future__ import annotations

import errno
import os
import struct

from . import syscalls

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = syscalls.PR_SET_SECCOMP, 2
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000
X32_SYSCALL_BIT = 0x40000000
CLONE_THREAD = 0x00010000
# O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | __O_TMPFILE (same on both ABIs).
OPEN_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000 | 0o20000000

# BPF opcodes (<linux/filter.h>).
LD_ABS_W = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
RET = 0x06  # BPF_RET | BPF_K

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6].
NR_OFFSET, ARCH_OFFSET, ARGS_OFFSET = 0, 4, 16

ARCHES = {  # os.uname().machine -> AUDIT_ARCH_*
    "x86_64": 0xC000003E,
    "aarch64": 0xC00000B7,
}

Numbers = tuple[int | None, int | None]

# name: (x86_64, aarch64); None where the architecture lacks the call.  Numbers from
# <asm/unistd_64.h> and <asm-generic/unistd.h>; calls added since 6.6 share one number.
DENIED: dict[str, Numbers] = {
    # processes and programs
    "execve": (59, 221),
    "execveat": (322, 281),
    "fork": (57, None),
    "vfork": (58, None),
    "migrate_pages": (256, 238),
    "move_pages": (279, 239),
    "personality": (135, 92),
    # namespaces, mounts and kernel facilities
    "setns": (308, 268),
    "unshare": (272, 97),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "move_mount": (429, 429),
    "open_tree": (428, 428),
    "open_tree_attr": (467, 467),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "init_module": (175, 105),
    "finit_module": (313, 273),
    "delete_module": (176, 106),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "reboot": (169, 142),
    "syslog": (103, 116),
    "quotactl": (179, 60),
    "quotactl_fd": (443, 443),
    "name_to_handle_at": (303, 264),
    "open_by_handle_at": (304, 265),
    "acct": (163, 89),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    # System V and POSIX IPC: objects that outlive the process, shared across it
    "mq_open": (240, 180),
    "mq_unlink": (241, 181),
    "mq_timedsend": (242, 182),
    "mq_timedreceive": (243, 183),
    "mq_notify": (244, 184),
    "mq_getsetattr": (245, 185),
    "msgget": (68, 186),
    "msgsnd": (69, 189),
    "msgrcv": (70, 188),
    "msgctl": (71, 187),
    "semget": (64, 190),
    "semop": (65, 193),
    "semctl": (66, 191),
    "semtimedop": (220, 192),
    "shmget": (29, 194),
    "shmat": (30, 196),
    "shmctl": (31, 195),
    "shmdt": (67, 197),
    # sockets
    "socket": (41, 198),
    "socketpair": (53, 199),
    "connect": (42, 203),
    "bind": (49, 200),
    "listen": (50, 201),
    "accept": (43, 202),
    "accept4": (288, 242),
    # changes to the file system
    "creat": (85, None),
    "mkdir": (83, None),
    "mkdirat": (258, 34),
    "rmdir": (84, None),
    "unlink": (87, None),
    "unlinkat": (263, 35),
    "rename": (82, None),
    "renameat": (264, 38),
    "renameat2": (316, 276),
    "link": (86, None),
    "linkat": (265, 37),
    "symlink": (88, None),
    "symlinkat": (266, 36),
    "chmod": (90, None),
    "fchmod": (91, 52),
    "fchmodat": (268, 53),
    "fchmodat2": (452, 452),
    "chown": (92, None),
    "fchown": (93, 55),
    "lchown": (94, None),
    "fchownat": (260, 54),
    "truncate": (76, 45),
    "ftruncate": (77, 46),
    "fallocate": (285, 47),
    "mknod": (133, None),
    "mknodat": (259, 33),
    "utime": (132, None),
    "utimes": (235, None),
    "utimensat": (280, 88),
    "futimesat": (261, None),
    "setxattr": (188, 5),
    "lsetxattr": (189, 6),
    "fsetxattr": (190, 7),
    "setxattrat": (463, 463),
    "removexattr": (197, 14),
    "lremovexattr": (198, 15),
    "fremovexattr": (199, 16),
    "removexattrat": (466, 466),
    "file_setattr": (469, 469),
    # reading extended attributes: Landlock does not cover them
    "getxattr": (191, 8),
    "lgetxattr": (192, 9),
    "fgetxattr": (193, 10),
    "getxattrat": (464, 464),
    "listxattr": (194, 11),
    "llistxattr": (195, 12),
    "flistxattr": (196, 13),
    "listxattrat": (465, 465),
}
# Calls that kill the process (the judge reports it forbidden), whatever their arguments.
KILLED: dict[str, Numbers] = {
    # other processes: their memory, their handles, their scheduling and priorities
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "process_madvise": (440, 440),
    "pidfd_open": (434, 434),
    "pidfd_send_signal": (424, 424),
    "pidfd_getfd": (438, 438),
    "kcmp": (312, 272),
    "setpriority": (141, 140),
    "sched_setaffinity": (203, 122),
    "sched_setscheduler": (144, 119),
    "sched_setparam": (142, 118),
    "sched_setattr": (314, 274),
    "ioprio_set": (251, 30),
    "capget": (125, 90),  # its pid is behind a pointer, out of the filter's reach
    "capset": (126, 91),
    # watching the file system: other workers' files come and go
    "inotify_init": (253, None),
    "inotify_init1": (294, 26),
    "inotify_add_watch": (254, 27),
    "fanotify_init": (300, 262),
    "fanotify_mark": (301, 263),
    # listing the mounts, which Landlock does not hide
    "statmount": (457, 457),
    "listmount": (458, 458),
}
# Calls allowed only about this process (0 or its pid in argument ``index``); aimed at
# any other they kill the process.
AIMED: dict[str, tuple[Numbers, int]] = {
    "sched_getattr": ((315, 275), 0),
    "sched_getscheduler": ((145, 120), 0),
    "sched_getparam": ((143, 121), 0),
    "sched_getaffinity": ((204, 123), 0),
    "sched_rr_get_interval": ((148, 127), 0),
    "getsid": ((124, 156), 0),
    "getpgid": ((121, 155), 0),
    "getpriority": ((140, 141), 1),
    "ioprio_get": ((252, 31), 1),
}
# fcntl commands that route signals to a process or watch a folder (F_SETOWN,
# F_SETSIG, F_SETOWN_EX, F_SETLEASE, F_NOTIFY), and F_SETFL with O_ASYNC: killed.
FCNTL: Numbers = (72, 25)
FCNTL_KILLED = (8, 10, 15, 1024, 1026)
F_SETFL, O_ASYNC = 4, 0o20000
# ioctl requests that do the same (FIOSETOWN, SIOCSPGRP, FIOASYNC) or reach a terminal
# (TIOCSPGRP, TIOCSTI): killed.
IOCTL: Numbers = (16, 29)
IOCTL_KILLED = (0x8901, 0x8902, 0x5452, 0x5410, 0x5412)
# prctl options that let the worker outlive its judge (PR_SET_PDEATHSIG), be read by
# its peers (PR_SET_DUMPABLE) or traced by them (PR_SET_PTRACER): killed.
PRCTL: Numbers = (157, 167)
PRCTL_KILLED = (1, 4, 0x59616D61)
# Calls that answer ENOSYS, so libc falls back to a call the filter can inspect.
UNSUPPORTED: dict[str, Numbers] = {"clone3": (435, 435), "openat2": (437, 437)}
# Calls allowed only when their first argument is this process (or 0, for prlimit64).
SELF_ONLY: dict[str, Numbers] = {
    "kill": (62, 129),
    "tkill": (200, 130),
    "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240),
}
PRLIMIT64: Numbers = (302, 261)
CLONE: Numbers = (56, 220)
# Opening calls and the index of their flags argument.
OPENS: dict[str, tuple[Numbers, int]] = {"open": ((2, None), 1), "openat": ((257, 56), 2)}


def supported(machine: str) -> bool:
    """Whether a filter is written for this machine architecture."""
    return machine in ARCHES


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _arg(index: int) -> bytes:
    """Load the low 32 bits of argument ``index`` (little-endian)."""
    return _op(LD_ABS_W, ARGS_OFFSET + 8 * index)


def _killed_if(index: int, values: tuple[int, ...]) -> list[bytes]:
    """Kill when argument ``index`` is one of ``values``; allow otherwise."""
    count = len(values)
    checks = [_op(JEQ, value, jt=count - i) for i, value in enumerate(values)]
    return [_arg(index), *checks, _op(RET, RET_ALLOW), _op(RET, RET_KILL_PROCESS)]


def _fcntl_block() -> list[bytes]:
    """Kill the fcntl commands in ``FCNTL_KILLED`` and F_SETFL with O_ASYNC."""
    count = len(FCNTL_KILLED)
    checks = [_op(JEQ, value, jt=count + 3 - i) for i, value in enumerate(FCNTL_KILLED)]
    return [
        _arg(1),
        *checks,
        _op(JEQ, F_SETFL, jf=2),
        _arg(2),
        _op(JSET, O_ASYNC, jt=1),
        _op(RET, RET_ALLOW),
        _op(RET, RET_KILL_PROCESS),
    ]


def program(machine: str, pid: int) -> list[bytes]:
    """The filter's BPF instructions for ``machine``, with ``pid`` as "this process"."""
    column = 0 if machine == "x86_64" else 1
    deny = _op(RET, RET_ERRNO | errno.EPERM)
    kill = _op(RET, RET_KILL_PROCESS)
    allow = _op(RET, RET_ALLOW)
    code = [
        _op(LD_ABS_W, ARCH_OFFSET),
        _op(JEQ, ARCHES[machine], jt=1),
        _op(RET, RET_KILL_PROCESS),
        _op(LD_ABS_W, NR_OFFSET),
    ]
    if machine == "x86_64":
        code += [_op(JGE, X32_SYSCALL_BIT, jf=1), deny]

    def when(numbers: Numbers, block: list[bytes]) -> None:
        """Run ``block`` (which must return) for this call; skip it for any other."""
        number = numbers[column]
        if number is not None:
            code.extend([_op(JEQ, number, jf=len(block)), *block])

    for numbers in KILLED.values():
        when(numbers, [kill])
    for numbers, index in AIMED.values():
        when(numbers, [_arg(index), _op(JEQ, 0, jt=1), _op(JEQ, pid, jf=1), allow, kill])
    when(FCNTL, _fcntl_block())
    when(IOCTL, _killed_if(1, IOCTL_KILLED))
    when(PRCTL, _killed_if(0, PRCTL_KILLED))
    for numbers in DENIED.values():
        when(numbers, [deny])
    for numbers in UNSUPPORTED.values():
        when(numbers, [_op(RET, RET_ERRNO | errno.ENOSYS)])
    when(CLONE, [_arg(0), _op(JSET, CLONE_THREAD, jf=1), allow, deny])  # threads only
    for numbers in SELF_ONLY.values():
        when(numbers, [_arg(0), _op(JEQ, pid, jf=1), allow, deny])
    when(PRLIMIT64, [_arg(0), _op(JEQ, 0, jt=1), _op(JEQ, pid, jf=1), allow, deny])
    for numbers, flags_index in OPENS.values():
        when(numbers, [_arg(flags_index), _op(JSET, OPEN_WRITE_FLAGS, jt=1), allow, deny])
    code.append(allow)
    return code


def install(machine: str) -> None:
    """Install the filter on this process (and any thread it starts later).

    Raises ``OSError`` when seccomp is unavailable or the machine is not supported.
    """
    if not supported(machine):
        raise OSError(errno.ENOTSUP, f"no seccomp filter is written for {machine}")
    code = program(machine, os.getpid())
    instructions = syscalls.Buffer(b"".join(code))
    # struct sock_fprog: unsigned short len; (padding); struct sock_filter *filter.
    fprog = syscalls.Buffer(struct.pack("=H6xQ", len(code), instructions.address))
    syscalls.no_new_privileges()
    syscalls.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog)
