# ruff: noqa
"""Writes files: next to itself, in a world-writable folder, and over itself."""

for path in ("written.txt", "__TARGETS__/written.txt", __file__):
    try:
        with open(path, "w") as handle:
            handle.write("pwned")
    except BaseException:
        pass
