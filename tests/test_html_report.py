"""The HTML report (``--format html``), its graph drawings and the statement renderer.

Every page is parsed with lxml's HTML parser: it is one self-contained file (no script,
no URL fetched: no ``src``, no ``http(s)`` link, no ``url()`` in CSS) whatever the
report holds; text a submission controls stays text; the drawing of a failing visible
case and of a counterexample marks exactly the nodes that came back wrong, with the
reference's values on the rest.  Statements: raw HTML off, math as MathML, latex2mathml's
pass-through of ``\\text{<script>}`` and ``\\href`` closed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from judge.cli import cli
from judge.program.compile import compile_program
from judge.report.formats import render_gradebook, render_report
from judge.report.gradebook import Entry, Gradebook
from judge.report.graph_svg import drawing_of, graph_svg
from judge.report.html import render_result_fragment
from judge.report.statement import render_statement
from judge.results import Counterexample, Report, Verdict, summarize
from tests.samples import result as Result

ROOT = Path(__file__).resolve().parent.parent
WRONG_RELU = ROOT / "submissions" / "wrong_relu_mask.py"
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def parse(text: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(text)


def assert_self_contained(page: lxml_html.HtmlElement) -> None:
    """Nothing that runs, and nothing that fetches: no script, no element with a
    ``src``, no link out, no event handler, no ``url()`` or ``@import`` in a style."""
    assert page.xpath("//script | //img | //iframe | //object | //embed | //link") == []
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert name.lower() not in ("src", "srcset", "background", "action"), element.tag
            if name.lower() in ("href", "xlink:href"):
                assert value.startswith("#"), value
    styles = " ".join(page.xpath("//style/text()") + page.xpath("//@style"))
    assert "url(" not in styles and "@import" not in styles
    assert page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [
        "default-src 'none'; style-src 'unsafe-inline'"
    ]


def section_of(page: lxml_html.HtmlElement, name: str) -> lxml_html.HtmlElement:
    """The ``<details>`` of the test called ``name``."""
    [found] = [d for d in page.xpath("//details") if name in d.xpath("string(summary)")]
    return found


def wrong_nodes(element: lxml_html.HtmlElement) -> set[str]:
    return {
        g.get("data-node")
        for g in element.xpath(".//*[@data-node][contains(concat(' ', @class, ' '), ' wrong ')]")
    }


def drawn_nodes(element: lxml_html.HtmlElement) -> set[str]:
    return {g.get("data-node") for g in element.xpath(".//*[@data-node]")}


# -- a real run ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def relu_page(tmp_path_factory: pytest.TempPathFactory) -> lxml_html.HtmlElement:
    """``judge run`` of the relu without its mask, written to ``report.html`` (the
    format comes from the suffix)."""
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = CliRunner().invoke(cli, ["run", str(WRONG_RELU), "-o", str(out)])
    assert result.exit_code == 1, result.output
    return parse(out.read_text(encoding="utf-8"))


def test_a_run_is_one_self_contained_page(relu_page: lxml_html.HtmlElement) -> None:
    assert_self_contained(relu_page)
    headline = relu_page.xpath("string(//h1)")
    assert "FAILED" in headline and "wrong_relu_mask.py" in headline
    assert "Most likely cause:" in relu_page.xpath("string(//p[@class='cause'])")


def test_a_failing_visible_case_marks_exactly_its_wrong_nodes(
    relu_page: lxml_html.HtmlElement,
) -> None:
    case = section_of(relu_page, "relu of an affine combination")
    message = case.xpath("string(.//pre[@class='message'])")
    # The nodes the message names as wrong (a.grad: expected 0.0, got 1)...
    named = set(re.findall(r"^(\w+)\.(?:data|grad): expected", message, re.MULTILINE))
    assert named == {"a", "b", "c", "d"}
    # ...are exactly the ones drawn as wrong; the temporary and the output are not.
    assert wrong_nodes(case) == named
    assert drawn_nodes(case) == {"a", "b", "c", "_1", "d", "e"}
    # Each wrong node shows what came back and what was expected; others the reference.
    svg_text = " ".join(case.xpath(".//svg//text()"))
    assert "grad 10 (expected 0)" in svg_text  # b.grad: 10 instead of 0
    assert "data -28" in svg_text  # d = 2 + (-3 * 10), shown, not marked
    rows = [
        " ".join(r.xpath("td/text()"))
        for r in case.xpath(".//table[@class='wrong-values']//tr[td]")
    ]
    assert "b.grad 0.0 10" in rows


def test_a_counterexample_marks_exactly_its_wrong_nodes(relu_page: lxml_html.HtmlElement) -> None:
    graphs = section_of(relu_page, "random graphs")
    assert wrong_nodes(graphs) == {"a"}  # a = Value(-1.0); b = a.relu(): a.grad wrong
    assert drawn_nodes(graphs) == {"a", "b"}
    assert "a = Value(-1.0)" in graphs.xpath("string(.//pre[@class='code'])")


def test_a_students_hidden_case_has_no_drawing(relu_page: lxml_html.HtmlElement) -> None:
    hidden = section_of(relu_page, "relu exactly at zero (hidden)")
    assert hidden.xpath(".//svg") == []
    assert hidden.xpath("string(.//pre)") == (
        "hidden case failed (a wrong value): relu of an input that is exactly 0 "
        "(its slope there is 0)"
    )


def test_a_stress_check_too_big_to_draw_shows_its_code_only(
    relu_page: lxml_html.HtmlElement,
) -> None:
    deep = section_of(relu_page, "stress: deep chain")
    assert deep.xpath(".//svg") == []
    assert "for _ in range(1998)" in deep.xpath("string(.//pre[@class='code'])")


# -- the drawing alone ------------------------------------------------------------------
PROGRAM = compile_program("a = Value(2)\nb = Value(-3)\nc = a * b\nd = c + a\nd.backward()")


@pytest.mark.parametrize(
    "wrong",
    [{}, {"a.grad": (-2.0, 1.0)}, {"c.data": (-6.0, 6.0), "d.data": (-4.0, 8.0)}],
    ids=["none", "a leaf", "two nodes"],
)
def test_graph_svg_marks_the_nodes_it_is_given(wrong: dict[str, tuple[float, float]]) -> None:
    svg = parse(f"<div>{graph_svg(PROGRAM, wrong)}</div>")
    assert wrong_nodes(svg) == {key.split(".")[0] for key in wrong}
    assert drawn_nodes(svg) == {"a", "b", "c", "d"}
    # One edge per input of an op and one to its output: c has 2 + 1, d has 2 + 1.
    assert len(svg.xpath("//path[@class='edge']")) == 6
    assert [e.xpath("string(text)") for e in svg.xpath("//g[@class='op']")] == ["*", "+"]


def test_graph_svg_shows_the_reference_values() -> None:
    svg = parse(f"<div>{graph_svg(PROGRAM, {})}</div>")
    [a] = svg.xpath("//g[@data-node='a']")
    # d = a * b + a: d/da = b + 1 = -2.
    assert [t.text for t in a.xpath("text")] == ["a", "data 2", "grad -2"]


def test_a_hostile_got_value_stays_text_in_the_drawing() -> None:
    test = Result(
        "x",
        "property",
        Verdict.FAILED,
        0.0,
        1.0,
        False,
        "wrong",
        counterexample=Counterexample(
            "a = Value(1.0)\nb = a.relu()\nb.backward()\n", 2, {"a.grad": 1.0}, {"a.grad": HOSTILE}
        ),
    )
    page = parse(f"<div>{drawing_of(test)}</div>")
    assert page.xpath("//script | //img") == []
    assert HOSTILE in page.xpath("string(//g[@data-node='a'])")


# -- hostile text in every field ----------------------------------------------------------
def hostile_report() -> Report:
    tests = [
        Result(
            HOSTILE,
            "case",
            Verdict.FAILED,
            0.0,
            1.0,
            False,
            f"a.grad: expected 0.0, got {HOSTILE}\n</pre>{HOSTILE}",
            f"printed </pre></details>{HOSTILE}\n",
            counterexample=Counterexample(
                "a = Value(2.0)\nb = a + a\nb.backward()", 2, {"a.grad": 2.0}, {"a.grad": HOSTILE}
            ),
        ),
        Result("fine", "case", Verdict.PASSED, 1.0, 1.0, False),
    ]
    return summarize(f"class/{HOSTILE}/value.py", HOSTILE, tests, 2.0, 0.1)


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_text_a_submission_controls_stays_text(audience: str) -> None:
    page = parse(render_report("html", hostile_report(), audience))
    assert_self_contained(page)
    assert HOSTILE in page.xpath("string(//h1)")
    details = page.xpath("//details")
    assert len(details) == 2  # nothing closed the first one early
    assert f"</pre></details>{HOSTILE}" in details[0].xpath("string(.//pre[@class='output'])")
    assert wrong_nodes(details[0]) == {"a"}


def test_a_gradebook_links_each_student_to_their_section() -> None:
    book = Gradebook(
        "mini",
        2.0,
        (Entry(HOSTILE, hostile_report()), Entry("bob", hostile_report())),
    )
    page = parse(render_gradebook("html", book, "student"))
    assert_self_contained(page)
    links = page.xpath("//table//a/@href")
    assert links == ["#student-1", "#student-2"]
    for link in links:
        [section] = page.xpath(f"//section[@id='{link[1:]}']")
        assert section.xpath(".//details")
    assert [a.text for a in page.xpath("//table//a")] == [HOSTILE, "bob"]
    assert "Pass rate per test" in page.xpath("string(//h2[2])")


def test_the_fragment_cuts_a_hidden_test_for_a_student() -> None:
    secret = Result(
        "secret",
        "case",
        Verdict.FAILED,
        0.0,
        1.0,
        True,
        "a.grad: expected 5.40625, got 1",
        "5.40625",
        topic="a leaf used twice",
        counterexample=Counterexample("a = Value(5.40625)\nb = a * a\nb.backward()", 2),
    )
    report = summarize("s.py", "p", [secret], 1.0, 0.1)
    student = render_result_fragment(report, "student")
    assert "5.40625" not in student and "<svg" not in student
    assert "a leaf used twice" in student
    instructor = render_result_fragment(report, "instructor")
    assert "5.40625" in instructor and "<svg" in instructor


# -- statements -------------------------------------------------------------------------
STATEMENT = r"""# Backward <script>alert(1)</script>

The gradient $\frac{\partial L}{\partial x}$, and $\text{<script>alert(3)</script>}$,
$\href{javascript:alert(4)}{x}$.

$$
y = \sum_i w_i x_i
$$

| op | backward |
| --- | --- |
| `a * b` | <b>b</b> |

```python
c = a * b  # a < b
```

<img src=x onerror=alert(5)> [link](javascript:alert(6)) ![pic](https://example.com/x.png)
"""


def test_a_statement_renders_code_tables_and_math_and_nothing_that_runs() -> None:
    fragment = render_statement(STATEMENT)
    page = parse(f"<div>{fragment}</div>")
    assert page.xpath("//script | //img | //*[@onerror] | //*[@href[starts-with(., 'java')]]") == []
    assert "alert" not in " ".join(page.xpath("//@*"))
    assert page.xpath("string(//h1)") == "Backward <script>alert(1)</script>"
    assert page.xpath("//pre/code[@class='language-python']/text()") == ["c = a * b  # a < b\n"]
    assert page.xpath("//table//th/text()") == ["op", "backward"]
    assert page.xpath("string(//table//tbody//td[2])") == "<b>b</b>"
    maths = page.xpath("//math")
    assert len(maths) == 4 and {m.get("display") for m in maths} == {"inline", "block"}
    assert page.xpath("//math//mfrac") and page.xpath("//math//munder")
    # An image would be fetched by the page: it is shown as a link, never loaded.
    assert page.xpath("//a/@href") == ["https://example.com/x.png"]
