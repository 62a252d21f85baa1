"""The sandbox around the worker that runs a submission.

Layers, each detected at run time; the report lists the ones that held:

* ``process`` (always): a separate process in a new session, ``python -I -S``, an
  empty environment, an empty temporary directory holding a copy of the submission,
  no inherited descriptors, a wall-clock timer that kills the process group, and
  caps on captured output (``judge/runner/process.py``);
* ``rlimits``: CPU seconds, address space, file size 0, open files, one process, no
  core; ``privdrop``: a judge running as root has the worker become nobody;
* ``imports``: the import allow-list; ``audit``: a PEP 578 audit hook, a tripwire
  that names what was attempted and where;
* ``landlock``, ``seccomp`` (Linux): the kernel's walls; ``bwrap``: namespaces.

``lockdown/`` is the worker's side (standard library only); ``levels`` makes the plan
for a level (``auto``, ``strict``, ``basic``); see docs/security.md.
"""

from judge.sandbox.levels import KERNEL_LAYERS, Level, Sandbox, plan

__all__ = ["KERNEL_LAYERS", "Level", "Sandbox", "plan"]
