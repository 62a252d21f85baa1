# ruff: noqa
"""Reads the judge's own files from a Value built by exec(compile(...)), so that no
frame of the submission is on the stack when the harness calls it: only the kernel
layers stand between it and __PATH__."""

exec(
    compile(
        """
def _read(self, other):
    try:
        text = open("__PATH__").read()
    except OSError as error:
        raise RuntimeError("BLOCKED " + type(error).__name__) from None
    raise RuntimeError("LEAKED " + text[-2000:])
Value.__add__ = _read
""",
        "<generated>",
        "exec",
    ),
    globals(),
)
