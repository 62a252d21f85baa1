"""``judge serve``: the problem site and the submissions API, on one machine.

The pipeline's top layer, beside ``judge.cli``: it grades through ``judge.grading`` as
``judge run`` does, keeps submissions in SQLite (``store``), queues them for worker
threads (``queue``), and serves JSON (``api``) and pages (``pages``) with Starlette
(``app``).  Its dependencies are the ``serve`` extra; nothing below this package
imports it.
"""
