"""Every help page: an example that parses, no raw type metavars, no doubled percent signs; --version."""

from __future__ import annotations

import re
import shlex

import pytest
import typer.main
from typer.testing import CliRunner

from runner import __version__
from runner.cli.help_pages import EXAMPLES
from runner.cli.main import app

cli = CliRunner()
GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)


def help_page(*args: str) -> str:
    result = cli.invoke(app, [*args, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    return result.stdout


def test_every_command_has_examples_listed():
    assert set(COMMANDS) <= set(EXAMPLES) and COMMANDS


@pytest.mark.parametrize("name", COMMANDS)
def test_every_help_page_ends_with_examples_of_its_command(name):
    page = help_page(name)
    examples = page.split("Examples:\n", 1)[1].splitlines()
    assert examples and all(line.startswith("    edgebench ") for line in examples if line.strip()), page
    assert any(line.strip().startswith(f"edgebench {name}") for line in examples), page


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_shows_no_raw_type_metavar_or_doubled_percent(name):
    page = help_page(*([name] if name else []))
    assert not re.search(r"<(str|int|float|path|file|list\[[A-Za-z]+\])>", page), page
    assert "%%" not in page


def test_the_app_help_has_examples_and_the_version_option():
    page = help_page()
    assert "Examples:\n    edgebench run" in page and "--version" in page


@pytest.mark.parametrize("name, line", [(n, line) for n, lines in EXAMPLES.items() if n for line in lines])
def test_every_example_parses(name, line):
    """The examples name options that exist, with values of the right type (nothing is run)."""
    tokens = shlex.split(line.split(" #")[0].split(" > ")[0])
    assert tokens[0] == "edgebench"
    if tokens[1].startswith("-"):
        assert tokens[1] == "--version"
        return
    command = GROUP.commands[tokens[1]]
    command.make_context(tokens[1], tokens[2:])


def test_version_option_and_command_print_the_version():
    for args in (["--version"], ["version"]):
        result = cli.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0 and result.stdout.strip() == __version__
