# ruff: noqa
"""Runs one kernel probe (__PROBE__) inside a test, with the Python layers off: what
no Value class does and seccomp kills (the judge reports forbidden), or denies.
Built with exec(compile(...)): no frame of the submission is on the stack when the
harness calls it."""

import fcntl, os, signal, sys

_BODY = '''def _raw(number, *args):
    """A raw system call through _ctypes's types, found among the interpreter's objects."""
    base = ().__class__.__base__
    cdata = [c for c in base.__subclasses__() if c.__module__ == "_ctypes" and c.__name__ == "_CData"][0]
    funcptr = [c for c in cdata.__subclasses__() if c.__name__ == "CFuncPtr"][0]

    class Handle:
        _handle = 0

    class Call(funcptr):
        _flags_ = 1

    return Call(("syscall", Handle()))(number, *args)


PROBES = {
    "fcntl-setown": lambda: fcntl.fcntl(1, fcntl.F_SETOWN, os.getppid()),
    "fcntl-setsig": lambda: fcntl.fcntl(1, 10, signal.SIGKILL),
    "fcntl-async": lambda: fcntl.fcntl(1, fcntl.F_SETFL, os.O_ASYNC),
    "ioctl-fiosetown": lambda: fcntl.ioctl(1, 0x8901, b"\\0\\0\\0\\0"),
    "ioctl-fioasync": lambda: fcntl.ioctl(1, 0x5452, b"\\1\\0\\0\\0"),
    "setscheduler-parent": lambda: os.sched_setscheduler(os.getppid(), os.SCHED_IDLE, os.sched_param(0)),
    "setpriority-parent": lambda: os.setpriority(os.PRIO_PROCESS, os.getppid(), 19),
    "setaffinity-parent": lambda: os.sched_setaffinity(os.getppid(), {0}),
    "sched_setattr-parent": lambda: _raw(314 if os.uname().machine == "x86_64" else 274, os.getppid(), 0, 0),
    "getsid-parent": lambda: os.getsid(os.getppid()),
    "getscheduler-parent": lambda: os.sched_getscheduler(os.getppid()),
    "prctl-pdeathsig": lambda: _raw(157 if os.uname().machine == "x86_64" else 167, 1, 0),
    "prctl-dumpable": lambda: _raw(157 if os.uname().machine == "x86_64" else 167, 4, 1),
    "inotify": lambda: _raw(294 if os.uname().machine == "x86_64" else 26, 0),
    "listmount": lambda: _raw(458, 0, 0, 0, 0),
    "listxattr": lambda: os.listxattr("/"),
    "gc-objects": lambda: __import__("gc").get_objects(),
    "own-scheduling": lambda: (os.getsid(0), os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)),
}


def _probe(self, other):
    try:
        PROBES["__PROBE__"]()
    except OSError as error:
        raise RuntimeError(f"DENIED {error.errno}") from None
    raise RuntimeError("ALLOWED")


Value.__add__ = _probe
'''
exec(compile(_BODY, "<generated>", "exec"), globals())
