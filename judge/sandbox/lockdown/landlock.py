"""Landlock: read-only access to a few directories, no writes, no TCP, no signals out.

Landlock (Linux 5.13+) lets an unprivileged process restrict itself, with no user
namespace, so it works on CI runners where those are disabled.  The rights handled
grow with the kernel's ABI version; everything handled and not granted by a rule is
denied.  Here the only rules grant reading files and listing directories beneath the
given paths, so the worker cannot write, create, delete or truncate anything anywhere,
cannot read anything else (not /proc, not the judge's files), cannot bind or connect
TCP sockets (ABI 4+), and cannot signal or reach abstract UNIX sockets of processes
outside its own Landlock domain (ABI 6+).
"""

from __future__ import annotations

import os
import stat
import struct

from . import syscalls

# System call numbers: the same on every architecture (allocated after the unification).
CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1

# Filesystem rights, <linux/landlock.h>.
EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
ABI1_FS = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is missing or disabled."""
    try:
        return syscalls.syscall(CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION)
    except OSError:
        return 0  # ENOSYS: not built in; EOPNOTSUPP: built in but not enabled at boot


def handled_fs(abi: int) -> int:
    """Every filesystem right the kernel knows at ``abi``."""
    rights = ABI1_FS
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def ruleset_attr(abi: int) -> bytes:
    """``struct landlock_ruleset_attr``, cut to the size this ABI knows."""
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled_fs(abi), net, scoped)
    return attr[: 8 if abi < 4 else 16 if abi < 6 else 24]


def restrict(read_paths: list[str], at_most: int | None = None) -> int:
    """Confine this process to reading ``read_paths``; return the ABI version used.

    ``at_most`` caps the ABI (tests use it to show what an older kernel holds).
    Raises ``OSError`` when Landlock is unavailable or a step fails; the process is
    then unchanged (restriction is the last step).  Paths that do not exist are skipped.
    """
    abi = abi_version()
    if at_most is not None:
        abi = min(abi, int(at_most))
    if abi < 1:
        raise OSError(95, "Landlock is not supported or not enabled in this kernel")
    ruleset = syscalls.syscall(CREATE_RULESET, ruleset_attr(abi), len(ruleset_attr(abi)), 0)
    try:
        for path in read_paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
                access = READ_FILE | READ_DIR if is_dir else READ_FILE
                # struct landlock_path_beneath_attr is packed: u64 access, s32 fd.
                rule = struct.pack("=Qi", access, fd)
                syscalls.syscall(ADD_RULE, ruleset, RULE_PATH_BENEATH, rule, 0)
            finally:
                os.close(fd)
        syscalls.no_new_privileges()
        syscalls.syscall(RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)
    return abi
