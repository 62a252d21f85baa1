"""Hostile submissions through ``judge serve``: graded in the same sandbox as ``judge
run`` (the verdicts of tests/test_sandbox_hostile.py's table), and the server lives on.

A few tails of tests/hostile/ after a correct ``Value``, in ``run`` mode (the visible
cases: bounded time), sent as one batch; among them the one that kills its judge (here
the grading process's parent would be the server if the sandbox let it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serve_server import Server, graded, running_server
from tests.test_sandbox_hostile import EXPECTED, HOSTILE

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "submissions" / "correct.py").read_text()
TAILS = ["kill_parent", "os_system", "fork", "endless_loop", "forge_results"]
TOKEN = "instructor-token-for-the-tests-0123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("serve-hostile"), token=TOKEN) as running:
        yield running


def test_hostile_tails_get_their_sandbox_verdicts_and_the_server_lives(
    server: Server, tmp_path: Path
) -> None:
    targets = tmp_path / "targets"
    targets.mkdir()
    sources = [
        CORRECT + "\n" + (HOSTILE / f"{name}.py").read_text().replace("__TARGETS__", str(targets))
        for name in TAILS
    ]
    batch = [{"problem": "basic-autograd", "source": s, "mode": "run"} for s in sources]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = httpx.post(
        f"{server.base}/api/submissions/batch", json=batch, headers=headers, timeout=60
    )
    assert response.status_code == 202, response.text
    for name, submission_id in zip(TAILS, response.json()["ids"], strict=True):
        report = graded(server.base, submission_id, headers)["report"]
        _, verdict, words = EXPECTED[name]
        assert report["status"] != "passed", name
        messages = " ".join(t["message"] for t in report["tests"]) + report.get("message", "")
        verdicts = {t["status"] for t in report["tests"]}
        assert verdict in verdicts and words in messages, (name, report)
    assert not list(targets.iterdir())  # nothing written outside
    assert server.process.poll() is None  # the server was not killed
    after = httpx.post(
        f"{server.base}/api/submissions",
        params={"wait": "true"},
        json={"problem": "basic-autograd", "source": CORRECT, "mode": "run"},
        timeout=200,
    )
    assert after.json()["report"]["status"] == "passed"
