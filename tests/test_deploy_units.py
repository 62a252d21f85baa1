"""The systemd units in deploy/systemd start commands the judge accepts.

A unit names options on its ``ExecStart`` line; an option renamed or dropped in the
CLI would leave a deployment that fails at boot.  Each unit's command is parsed here by
the CLI itself (click's own parser, nothing run), with the unit's environment file, and
``systemd-analyze verify`` checks the units' syntax where it is installed.
"""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from judge.cli import cli

UNITS = Path(__file__).resolve().parents[1] / "deploy" / "systemd"
BINARY = "/opt/judge/venv/bin/judge"


def service(unit: Path) -> configparser.SectionProxy:
    """The [Service] section of ``unit``."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(unit.read_text(encoding="utf-8"))
    return parser["Service"]


def environment_file() -> dict[str, str]:
    """The variables queue.env.example sets."""
    text = (UNITS / "queue.env.example").read_text(encoding="utf-8")
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


@pytest.mark.parametrize("unit", sorted(UNITS.glob("*.service")), ids=lambda path: path.name)
def test_a_units_command_is_one_the_cli_accepts(
    unit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = service(unit)
    words = shlex.split(section["ExecStart"].replace("%H", "host").replace("%i", "1"))
    assert words[0] == BINARY, words
    assert section["EnvironmentFile"] == "/etc/judge/queue.env"
    name, *arguments = words[1:]
    command = cli.commands[name]  # type: ignore[attr-defined]
    # The queue comes from the environment file, not argv (it holds the password).
    assert not any(word.startswith("--queue") for word in arguments)
    for key, value in environment_file().items():  # as systemd passes the file on
        monkeypatch.setenv(key, value)
    # Raises on an unknown option, a bad value, or a required one missing.
    with command.make_context(name, arguments) as context:
        assert context.params[queue_option(command).name] == environment_file()["JUDGE_QUEUE"]


def queue_option(command: click.Command) -> click.Option:
    """The command's ``--queue`` option."""
    return next(
        param
        for param in command.params
        if isinstance(param, click.Option) and "--queue" in param.opts
    )


def test_the_queue_variable_is_the_one_the_commands_read() -> None:
    for name in ("worker", "serve"):
        command: click.Command = cli.commands[name]  # type: ignore[attr-defined]
        assert queue_option(command).envvar == "JUDGE_QUEUE"
    assert set(environment_file()) == {"JUDGE_QUEUE"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    # verify wants ExecStart's binary to exist: the units are checked with it pointed
    # at this interpreter's judge, nothing else changed.
    judge = Path(sys.executable).with_name("judge")
    if not judge.is_file():
        pytest.skip("no judge command beside this interpreter")
    for unit in UNITS.glob("*.service"):
        text = unit.read_text(encoding="utf-8").replace(BINARY, str(judge))
        text = text.replace("EnvironmentFile=/etc/judge/queue.env", "")
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text, encoding="utf-8")
    units = sorted(str(path) for path in tmp_path.iterdir())
    done = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr and "Invalid" not in done.stderr, done.stderr
