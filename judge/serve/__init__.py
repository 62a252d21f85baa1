"""``judge serve``: the problem site and the submissions API, on one machine.

A top layer, beside ``judge.api`` and under ``judge.cli``: it grades through
``judge.grading`` as ``judge run`` does, keeps submissions in SQLite (``store``), queues
them for grading threads (``queue``) that each feed a grading process (``grader``), or
with ``--queue`` has ``judge worker``s grade them through a job queue (``remote``), and
serves JSON (``api``) and pages (``pages``) with Starlette (``app``) under uvicorn
(``run``), within the settings of ``config`` and the limits of ``limits``.  Its
dependencies are the ``serve`` extra; nothing below this package imports it.
docs/api.md describes the API.
"""
