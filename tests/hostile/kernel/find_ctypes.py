# ruff: noqa
"""Searches the interpreter's objects for a way to make raw system calls after the
lockdown (the Python layers are off, so nothing stops the search itself)."""

import gc, sys

found = []
for thing in gc.get_objects():
    kind = type(thing)
    if kind is type(sys):
        name = getattr(thing, "__name__", "")  # an emptied module has none
        if name in ("_ctypes", "ctypes") or name.endswith(("syscalls", "landlock", "seccomp")):
            found.append(f"module {name}")
        elif hasattr(thing, "syscall") or hasattr(thing, "prctl"):
            found.append(f"module {name} with a syscall()")
    elif kind is dict and thing.get("__name__") == "_ctypes" and len(thing) > 1:
        found.append("the namespace of _ctypes")
    elif kind.__name__ == "builtin_function_or_method" and getattr(getattr(thing, "__self__", None), "__name__", "") == "_ctypes":
        found.append(f"function _ctypes.{thing.__name__}")
    elif any(base.__module__ == "_ctypes" for base in getattr(kind, "__mro__", ())[1:]) and kind.__module__ != "_ctypes":
        found.append(f"a {kind.__name__} built on _ctypes")
    elif isinstance(thing, type) and thing.__module__ != "_ctypes" and any(base.__module__ == "_ctypes" for base in thing.__mro__[1:]):
        found.append(f"class {thing.__name__} built on _ctypes")
for name in ("_ctypes", "ctypes"):
    try:
        module = __import__(name)
        if hasattr(module, "dlsym") or hasattr(module, "CDLL"):
            found.append(f"import {name}")
    except Exception:
        pass
raise RuntimeError("FOUND " + repr(sorted(set(found))))
