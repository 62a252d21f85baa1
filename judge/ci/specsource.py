"""Problem specs kept out of the student repository: a private spec repository the
pull-request check clones for the job.

In a course repository every file is readable by the students, hidden cases included.
The action's ``specs-repository`` input names another repository (``owner/name``, or
``owner/name@ref``) that only the course staff can read; the check clones it with a
token that may read it (``specs-token``: a fine-grained personal access token or a
GitHub App token with read access to its contents, stored as a secret) into a
temporary folder outside the checkout, and grades with its ``specs-path`` folder.  The
token reaches git through the environment (``GIT_CONFIG_*``), never the command line or
the clone's ``.git/config``, and the folder is gone when the check ends.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_REF = re.compile(r"[A-Za-z0-9_./-]+")


class SpecSourceError(Exception):
    """The private specs cannot be fetched; the message says what to change."""


def parse(source: str) -> tuple[str, str]:
    """``owner/name[@ref]`` as ``(repository, ref)`` (ref empty: the default branch).
    Raises ``SpecSourceError`` for anything else."""
    repository, _, ref = source.strip().partition("@")
    if not _REPOSITORY.fullmatch(repository) or repository.startswith("-"):
        raise SpecSourceError(
            f"specs-repository {source!r}: give owner/name, or owner/name@ref "
            "(a branch or tag), e.g. my-course/specs@main"
        )
    if ref and (not _REF.fullmatch(ref) or ref.startswith("-") or ".." in ref):
        raise SpecSourceError(f"specs-repository {source!r}: {ref!r} is not a branch or tag name")
    return repository, ref


def fetch(source: str, token: str, into: Path, subfolder: str = "", server_url: str = "") -> Path:
    """Clone the spec repository ``source`` (``owner/name[@ref]``) from ``server_url``
    (default ``$GITHUB_SERVER_URL``, else https://github.com) into the new folder
    ``into`` with ``token``, and return its folder ``subfolder`` (default: its root).
    Raises ``SpecSourceError``."""
    repository, ref = parse(source)
    server = (server_url or os.environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    url = f"{server}/{repository}.git"
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_CONFIG")}
    env["GIT_TERMINAL_PROMPT"] = "0"  # a missing token fails, never waits for a password
    if token:
        # As actions/checkout sends it: basic auth of x-access-token and the token.
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env |= {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{server}/.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        }
    command = ["git", "clone", "--quiet", "--depth", "1", "--no-tags"]
    command += [f"--branch={ref}"] if ref else []
    try:
        done = subprocess.run(
            [*command, "--", url, str(into)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise SpecSourceError(f"cloning the specs repository {repository} timed out") from None
    if done.returncode != 0:
        detail = done.stderr.strip().replace(token, "***") if token else done.stderr.strip()
        raise SpecSourceError(
            f"cannot clone the specs repository {repository}{'@' + ref if ref else ''}: "
            f"{detail}\nGive specs-token a token that can read it (stored as a secret)."
        )
    folder = (into / subfolder).resolve() if subfolder else into
    if not folder.is_relative_to(into.resolve()) or not folder.is_dir():
        raise SpecSourceError(
            f"specs-path {subfolder!r}: no such folder in {repository}; give the folder "
            "of its spec files, relative to its root"
        )
    return folder
