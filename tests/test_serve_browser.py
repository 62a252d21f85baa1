"""The problem site in a real headless Chromium, against a real ``judge serve``.

One server (a subprocess on a free loopback port, its own database in a temp dir) and
one browser serve every test here.  The browser is Debian's ``chromium`` driven by
Playwright, never a downloaded build; ``.ci/run`` installs it.  Each test waits for
what the page shows (Playwright's waits, with deadlines), never for a fixed time.
The screenshots are docs/screenshots/*.png, shown in the README; set
``JUDGE_SCREENSHOTS=1`` to write them again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.serve_server import GRADE_DEADLINE, running_server

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PROBLEM = "basic-autograd"
CORRECT = (CORPUS / "correct" / "basic_classic.py").read_text()
WRONG = (CORPUS / "wrong" / "mul_grads_swapped.py").read_text()  # fails a visible case

# Chromium without anything that reaches out or needs a display or a GPU; --no-sandbox
# because the tests run as root in CI, where Chromium's own sandbox refuses to start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GRADE_DEADLINE_MS = int(GRADE_DEADLINE * 1000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a ``judge serve`` running for this module's tests."""
    with running_server(tmp_path_factory.mktemp("serve")) as running:
        yield running.base


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """A Chromium context with a fresh profile (no draft from an earlier run)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_sync.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


def _type_solution(page: Page, source: str) -> None:
    """Replace the editor's text by typing ``source`` into it, as a student pasting."""
    editor = page.locator("#editor .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # insert_text sends the text as one input event, as a paste does, so the editor's
    # auto-indent does not re-indent each typed line.
    page.keyboard.insert_text(source)


def _editor_text(page: Page) -> str:
    return str(page.evaluate("JudgeEditor.text(window.judgeEditor)"))


def _grade(page: Page, button: str) -> str:
    """Click Run or Submit and wait for the result; the status the page shows."""
    page.click(f"#{button}")
    result = page.locator("#result[data-status]")
    result.wait_for(timeout=GRADE_DEADLINE_MS)
    print(result.inner_text())  # shown by pytest when an assertion below fails
    return str(result.get_attribute("data-status"))


def _screenshot(target: Page | Locator, name: str) -> None:
    """Save ``target`` (a page's viewport, or one element) as docs/screenshots/``name``."""
    if os.environ.get("JUDGE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(SCREENSHOTS / name))


def test_problem_list_links_to_each_problem(server: str, browser: BrowserContext) -> None:
    page = browser.new_page()
    page.goto(server + "/")
    titles = httpx.get(f"{server}/api/problems").json()
    links = page.locator("table.problems a")
    assert links.count() == len(titles)
    page.click(f"a[href$='/problems/{PROBLEM}']")
    page.wait_for_selector("#editor .cm-editor")
    assert "Basic Autograd" in page.locator(".statement h1").inner_text()
    page.close()


def test_editor_starts_with_the_starter_and_tab_indents(
    server: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/problems/{PROBLEM}")
    page.wait_for_selector("#editor .cm-editor")
    starter = httpx.get(f"{server}/api/problems/{PROBLEM}").json()["starter"]
    assert _editor_text(page) == starter
    # Python is highlighted: the editor's Python mode gives keywords their own spans.
    assert page.locator("#editor .cm-line span").count() > 0
    _type_solution(page, "x = 1\n")
    page.keyboard.press("Tab")
    assert _editor_text(page) == "x = 1\n    "  # an indent, not a jump to the next button
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#reset")
    assert _editor_text(page) == starter
    page.close()


def test_a_refusal_is_shown_with_its_status_and_reason(
    server: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/problems/{PROBLEM}")
    page.wait_for_selector("#editor .cm-editor")
    # 80 kB, over the 64 KiB source limit; set, not typed (typing it takes minutes).
    big = "# padding\n" * 8000
    page.evaluate("text => JudgeEditor.setText(window.judgeEditor, text)", big)

    assert _grade(page, "run") == "refused"
    assert "(413)" in page.locator("#result .refused").inner_text()
    page.close()


def test_run_then_submit_a_correct_solution_passes(server: str, browser: BrowserContext) -> None:
    page = browser.new_page()
    page.goto(f"{server}/problems/{PROBLEM}")
    page.wait_for_selector("#editor .cm-editor")
    _type_solution(page, CORRECT)
    assert _editor_text(page) == CORRECT

    assert _grade(page, "run") == "passed"
    assert "passed" in page.locator("#result").inner_text().lower()

    assert _grade(page, "submit") == "passed"
    assert page.locator("#result").get_attribute("data-mode") == "submit"
    assert "passed" in page.locator("#result").inner_text().lower()
    page.evaluate("document.querySelector('.actions').scrollIntoView()")
    _screenshot(page, "passed.png")

    # The draft is kept in the browser: a reload shows the solution, not the starter.
    page.reload()
    page.wait_for_selector("#editor .cm-editor")
    assert _editor_text(page) == CORRECT
    page.close()


def test_a_wrong_solution_shows_its_graph_with_the_wrong_node_marked(
    server: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/problems/{PROBLEM}")
    page.wait_for_selector("#editor .cm-editor")
    _screenshot(page, "problem.png")
    _type_solution(page, WRONG)

    assert _grade(page, "submit") == "failed"
    graph = page.locator("#result svg.graph").first
    graph.wait_for()
    wrong = graph.locator("g.node.wrong")
    assert wrong.count() >= 1
    assert wrong.first.is_visible()
    # Marked nodes are a subset: a graph with every node marked would mark nothing.
    assert graph.locator("g.node").count() > wrong.count()
    drawn = page.locator("#result details", has=page.locator("svg.graph")).first
    _screenshot(drawn, "failed-graph.png")
    page.close()


# A submission whose every message and output is markup that would run script if a
# page put it in the document unescaped.
HOSTILE_MARKUP = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
HOSTILE = (
    CORRECT
    + f"""

def _backward(self):
    print({HOSTILE_MARKUP!r})
    raise ValueError({HOSTILE_MARKUP!r})

Value.backward = _backward
"""
)


def test_markup_from_a_submission_is_shown_as_text_and_runs_nothing(
    server: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/problems/{PROBLEM}")
    page.wait_for_selector("#editor .cm-editor")
    _type_solution(page, HOSTILE)

    assert _grade(page, "run") != "passed"
    result = page.locator("#result")
    assert "onerror" in result.inner_text()  # shown, as text
    assert result.locator("img, script").count() == 0  # not as elements
    assert page.evaluate("window.pwned") is None
    page.close()


def test_hidden_tests_show_no_program_or_graph_on_the_page(
    server: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/problems/{PROBLEM}")
    page.wait_for_selector("#editor .cm-editor")
    _type_solution(page, WRONG)

    assert _grade(page, "submit") == "failed"
    hidden = page.locator("#result details", has_text="(hidden)")
    assert hidden.count() > 0
    for index in range(hidden.count()):
        shown = hidden.nth(index)
        assert shown.locator("svg").count() == 0
        assert "program:" not in shown.inner_text()
    # The visible cases that failed do show theirs: the check above can see a program.
    assert "program:" in page.locator("#result").inner_text()
    page.close()


def test_pages_forbid_inline_script_and_unknown_problems_suggest(server: str) -> None:
    page = httpx.get(f"{server}/problems/{PROBLEM}")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "<script>" not in page.text  # every script is a file under /static

    missing = httpx.get(f"{server}/problems/basic-autograde")
    assert missing.status_code == 404
    assert "basic-autograd" in missing.text and "Did you mean" in missing.text

    assert httpx.get(f"{server}/results/no-such-submission").status_code == 404
    assert "svg.graph .node.wrong" in httpx.get(f"{server}/report.css").text
