"""Graded results on disk, so that a batch never grades the same thing twice.

A result is keyed by everything that decides it: the submission's bytes, the problem
spec's digest, the judge's code (``judge.fingerprint``: every module, so a fix without
a version bump never serves an old grade), the grading options, the plan's extras (a
seed, for example) and what the submission may import here (numpy installed since, or
not). Each result is one small JSON file written atomically, as soon as it is known, so a batch
killed at any moment resumes from what it had finished.

A report read back is served as the grade, so the folder must be the user's alone
(``judge.cachedir.cache_dir`` refuses one that is not) and an entry is read only if it
is a regular file of the user's that nobody else can write (``read_private``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from judge.cachedir import read_private
from judge.files import write_atomic
from judge.fingerprint import code_fingerprint
from judge.grading.grade import Options
from judge.grading.plan import Plan
from judge.results import Report
from judge.sandbox import allowlist


def result_key(content: bytes, plan: Plan, options: Options) -> str:
    """The cache key of grading ``content`` with ``plan`` and ``options`` (hex sha256).

    Every field of ``Options`` is part of the key, so an option added later (a seed, a
    sandbox level) can never make a stale result look current.
    """
    identity = {
        "code": code_fingerprint(),
        "problem": plan.problem.digest,
        "options": dataclasses.asdict(options),
        "plan": plan.extra,
        "imports": _imports(plan),
        "submission": hashlib.sha256(content).hexdigest(),
    }
    encoded = json.dumps(identity, sort_keys=True, default=repr).encode()
    return hashlib.sha256(encoded).hexdigest()


def _imports(plan: Plan) -> dict[str, list[str]]:
    """What a submission may import here, and the packages' folders (present or not),
    in an order that is the same in every process (a frozenset's is not)."""
    allowed = allowlist.resolve(plan.problem.imports, plan.problem.forbid_imports)
    return {"names": sorted(allowed.names), "read": list(allowed.read)}


class ResultCache:
    """Reports in ``folder``, one ``<key[:2]>/<key>.json`` file each.

    A file that cannot be read back as a report, or that someone else could have
    written, is treated as missing, never trusted.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Report | None:
        """The report stored under ``key``, or None."""
        content = read_private(self._path(key))
        if content is None:
            return None
        try:
            data: Any = json.loads(content.decode("utf-8"))
            return Report.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str, report: Report) -> None:
        """Store ``report`` under ``key`` atomically (NaN kept: this JSON is ours alone)."""
        write_atomic(self._path(key), json.dumps(report.to_dict()), private=True)
