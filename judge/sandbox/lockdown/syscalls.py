"""The few libc calls the kernel layers need, through ``_ctypes`` alone.

The worker runs ``python -I -S`` and may import only the standard library, so no
binding from PyPI is available to it.  The public ``ctypes`` package costs about 4 ms
to import; its C core ``_ctypes`` about 1 ms, and the three call shapes needed here
(``syscall``, ``prctl`` and a pointer to a buffer) are a few lines on top of it.
Linux only: import this module only after checking ``sys.platform``.
"""

from __future__ import annotations

import _ctypes
import contextlib
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass

# Numbers from <linux/prctl.h>.
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38


class CLong(_ctypes._SimpleCData):
    """C ``long``: every argument is passed as one, so pointers and flags keep 64 bits."""

    _type_ = "l"


class _LibcFunction(_ctypes.CFuncPtr):
    """A libc function returning a C ``int`` (the default: every result used here
    fits, and on CPython 3.11 a ``_restype_`` class stays alive for good, which the
    worker must not allow: see ``lockdown._dismantle``)."""

    _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO


_libc = _ctypes.dlopen(None, _ctypes.RTLD_LOCAL)  # type: ignore[arg-type]  # None: the program
_syscall = _LibcFunction(_ctypes.dlsym(_libc, "syscall"))
_prctl = _LibcFunction(_ctypes.dlsym(_libc, "prctl"))


class Buffer:
    """Bytes at a fixed address, for structures that point at other structures.

    The bytes of a ``bytes`` object, whose contents start ``bytes.__basicsize__ - 1``
    bytes into the object (CPython's ``offsetof(PyBytesObject, ob_sval)``): a ctypes
    array would do too, but on CPython 3.11 an array type keeps its item type alive
    for good, and the worker must leave no class built on ``_ctypes`` behind (see
    ``lockdown._dismantle``).  The kernel only reads them.
    """

    def __init__(self, data: bytes):
        self.data = data  # kept alive as long as the address is used
        self.address: int = id(data) + bytes.__basicsize__ - 1


def _arg(value: int | bytes | Buffer) -> object:
    if isinstance(value, Buffer):
        return CLong(value.address)
    if isinstance(value, bytes):
        return value  # passed as a char pointer to a private copy
    return CLong(value)


def _check(result: int, what: str) -> int:
    if result == -1:
        errno = _ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
    return result


def syscall(number: int, *args: int | bytes | Buffer) -> int:
    """Call system call ``number``; raise ``OSError`` with errno when it returns -1."""
    _ctypes.set_errno(0)
    return _check(_syscall(CLong(number), *(_arg(a) for a in args)), f"syscall {number}")


def prctl(option: int, *args: int | Buffer) -> int:
    """``prctl(option, args...)``; raise ``OSError`` on failure."""
    padded = [*args, 0, 0, 0, 0][:4]
    return _check(_prctl(CLong(option), *(_arg(a) for a in padded)), f"prctl {option}")


def no_new_privileges() -> None:
    """Set no_new_privs: required by Landlock and seccomp for an unprivileged process,
    and it makes set-uid programs powerless (not that the worker can run any)."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def die_with_parent() -> None:
    """Be killed when the judge dies, even by SIGKILL: a worker stuck in a sleep must
    not outlive it.  (Must come after dropping root, which clears the setting.)"""
    parent = os.getppid()
    prctl(PR_SET_PDEATHSIG, 9)
    if os.getppid() != parent:  # the judge died before the setting took
        os._exit(1)


def load_library(name: str) -> None:
    """Load a shared library now, while it can still be read.  libgcc_s is one: glibc
    opens it the first time a thread exits (to unwind it), and aborts the whole
    process if Landlock keeps it from reading it then."""
    with contextlib.suppress(OSError):  # not every libc needs it, or names it so
        _ctypes.dlopen(name, _ctypes.RTLD_LOCAL)


def ctypes_file() -> str:
    """The file ``_ctypes`` was loaded from (kept unreadable after the lockdown)."""
    return str(getattr(_ctypes, "__file__", ""))
