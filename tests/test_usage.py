"""How the command explains itself: every command's --help has a one-line summary and an
example, shell completion works through Typer, and a usage mistake is one line on
stderr with exit status 2, like every other error."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from test_cli import assert_error_exit, invoke
from test_terminal import SEARCHKIT

from searchkit.cli import app

COMMANDS = ["index", "push", "remove", "query", "similar", "show", "segment", "stats", "serve"]


def test_every_command_is_listed_with_its_summary() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert any(line.split()[:1] == [command] for line in result.stdout.splitlines()), command


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_has_a_summary_and_a_runnable_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    paragraphs = [p.strip() for p in result.stdout.split("\n\n")]
    summary = paragraphs[1]
    assert summary and summary.endswith(".")
    examples = [p for p in paragraphs if p.startswith("Example: ")]
    assert len(examples) == 1
    assert f"searchkit {command}" in examples[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["query", "-x"], "No such option: -x"),
        (["query", "công an", "--limit", "0"], "--limit"),
        (["query", "công an", "--color", "pink"], "'pink'"),
        (["frob"], "No such command 'frob'"),
        (["show"], "Missing argument 'PATH'"),
    ],
)
def test_a_usage_mistake_is_one_line_with_status_2(args: list[str], says: str) -> None:
    result = invoke(*args)
    assert_error_exit(result)
    assert result.stderr.startswith("searchkit: error: ")
    assert says.lower() in result.stderr.lower()
    assert "--help" in result.stderr


def test_a_query_that_starts_with_a_dash_goes_after_double_dash(demo_index: Path) -> None:
    assert "after '--'" in invoke("query", "-công an", "--index", str(demo_index)).stderr
    assert invoke("query", "--index", str(demo_index), "--", "-công an").exit_code == 0


def complete(words: str, position: int) -> list[str]:
    env = {**os.environ, "_SEARCHKIT_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(position)}
    done = subprocess.run(
        [*SEARCHKIT], capture_output=True, text=True, encoding="utf-8", env=env, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_shell_completion_completes_commands_options_and_choices() -> None:
    assert complete("searchkit si", 1) == ["similar"]
    assert set(complete("searchkit query --co", 2)) == {"--count", "--color"}
    assert set(complete("searchkit query x --color ", 4)) == {"auto", "always", "never"}


def test_completion_can_be_shown_for_a_shell() -> None:
    result = invoke("--show-completion", "bash")
    assert result.exit_code == 0
    assert "_SEARCHKIT_COMPLETE=complete_bash" in result.stdout


def test_the_app_is_one_typer_group() -> None:
    # The commands tested above are the ones the console script runs.
    from typer.main import get_command

    assert sorted(get_command(app).commands) == sorted(COMMANDS)  # type: ignore[attr-defined]
