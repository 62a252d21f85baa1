"""The similarity report as text, Markdown and JSON: one pure function each.

Names are a student's file or folder names: each reaches the output through the
escaping function of its medium (``judge.report.escape``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from judge.report.escape import markdown_inline, terminal_line
from judge.similarity.compare import Fragment, Pair, Similarity


def _percent(score: float) -> str:
    return f"{round(score * 100)} %"


def _headline(result: Similarity) -> str:
    found = result.found
    pairs = "no near-copies" if not found else f"{found} pair{'s' * (found != 1)}"
    starter = "; the starter's lines ignored" if result.starter else ""
    shown = f" (the {len(result.pairs)} most similar shown)" if len(result.pairs) < found else ""
    return (
        f"Similarity: {pairs} at {_percent(result.threshold)} or more among "
        f"{result.documents} submissions{starter}{shown}"
    )


def _matches(pair: Pair, fragment: Fragment, escape: Callable[[str], str]) -> str:
    return f"{escape(pair.a)} {fragment.a.where} ~ {escape(pair.b)} {fragment.b.where}"


def _skipped(result: Similarity, escape: Callable[[str], str], bullet: str = "") -> list[str]:
    """The lines saying which submissions were not compared and why, after a blank
    line; none when every one was."""
    if not result.skipped:
        return []
    return [
        "",
        *(
            f"{bullet}not compared: {escape(name)}: {escape(reason)}"
            for name, reason in result.skipped
        ),
    ]


def render_text(result: Similarity) -> str:
    """The report for a terminal or a text file: a headline, then each pair (most
    similar first) with the line ranges that match, then what was skipped and why."""
    lines = [_headline(result)]
    for pair in result.pairs:
        lines.append("")
        lines.append(
            f"{_percent(pair.similarity):>5}  {terminal_line(pair.a)} ~ "
            f"{terminal_line(pair.b)}  ({pair.shared} fingerprints shared)"
        )
        lines.extend(f"       {_matches(pair, f, terminal_line)}" for f in pair.fragments)
    lines += _skipped(result, terminal_line)
    return "\n".join(lines) + "\n"


def render_markdown(result: Similarity) -> str:
    """The report as a Markdown section (``## Similarity``): the headline and a table
    of pairs, the matching lines in their last column."""
    lines = ["## Similarity", "", markdown_inline(_headline(result))]
    if result.pairs:
        lines += ["", "| Similarity | Submission | Submission | Shared | Matching lines |"]
        lines.append("| ---: | --- | --- | ---: | --- |")
        for pair in result.pairs:
            where = "; ".join(_matches(pair, f, markdown_inline) for f in pair.fragments)
            lines.append(
                f"| {_percent(pair.similarity)} | {markdown_inline(pair.a)} | "
                f"{markdown_inline(pair.b)} | {pair.shared} | {where} |"
            )
    lines += _skipped(result, markdown_inline, bullet="- ")
    return "\n".join(lines) + "\n"


def render_json(result: Similarity) -> str:
    """The report as JSON: ``found`` (how many pairs; ``pairs`` holds the ``MAX_PAIRS``
    most similar), ``pairs`` with each ``fragments``' line ranges (``first``, ``last``,
    ``where``) in both submissions, ``skipped`` with reasons."""
    document = {
        "threshold": result.threshold,
        "documents": result.documents,
        "starter_ignored": result.starter,
        "found": result.found,
        "pairs": [
            {
                "a": pair.a,
                "b": pair.b,
                "similarity": pair.similarity,
                "shared": pair.shared,
                "fragments": [
                    {
                        "a": {"first": f.a.first, "last": f.a.last, "where": f.a.where},
                        "b": {"first": f.b.first, "last": f.b.last, "where": f.b.where},
                        "kgrams": f.kgrams,
                    }
                    for f in pair.fragments
                ],
            }
            for pair in result.pairs
        ],
        "skipped": [{"name": name, "reason": reason} for name, reason in result.skipped],
    }
    return json.dumps(document, indent=2) + "\n"


RENDERERS: dict[str, Callable[[Similarity], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


# The gradebook formats that take a similarity section (``judge grade --similar``):
# documents a person reads.  A CSV or JUnit file has no place for one.
SECTION_FORMATS = ("text", "markdown", "json", "github")


def with_section(gradebook: str, output_format: str, result: Similarity) -> str:
    """The rendered ``gradebook`` (in ``output_format``) with the similarity section
    added: after it in text and Markdown, as its ``similarity`` key in JSON.  A github
    gradebook is annotations: its section goes in the job summary (Markdown)."""
    if output_format == "json":
        book = json.loads(gradebook)
        book["similarity"] = json.loads(render_json(result))
        return json.dumps(book, indent=2) + "\n"
    if output_format == "text":
        return f"{gradebook}\n{render_text(result)}"
    if output_format == "markdown":
        return f"{gradebook}\n{render_markdown(result)}"
    return gradebook
