"""`veyedesk COMMAND` builds only its command's parser: the table saying which modules that
takes must match what the modules register, and the parser built must be the same."""

from __future__ import annotations

import argparse
import importlib

import pytest

from veyedesk import cli


def _registered() -> dict[str, list[str]]:
    """Command -> the modules whose register() created or extended its parser, in order."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    owners: dict[str, list[str]] = {}
    before: dict[str, str] = {}
    for name in cli.COMMAND_MODULES:
        importlib.import_module(f"veyedesk.cli.{name}").register(sub)
        for command, command_parser in sub.choices.items():
            shape = command_parser.format_help()
            if before.get(command) != shape:
                owners.setdefault(command, []).append(name)
                before[command] = shape
    return owners


def test_the_table_names_every_command_and_the_modules_that_build_it() -> None:
    registered = _registered()
    for command, modules in registered.items():
        # The owner, then any module extending it (queue adds `state`'s job commands);
        # before them what they need registered first (the next test checks it is enough).
        assert cli.COMMANDS[command][-len(modules) :] == tuple(modules), command
    assert set(cli.COMMANDS) == set(registered)


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_a_commands_own_parser_is_the_whole_trees(command: str) -> None:
    whole = cli.build_parser()
    own = cli.build_parser(cli.COMMANDS[command])

    def sub_help(parser: argparse.ArgumentParser) -> str:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return str(action.choices[command].format_help())

    assert sub_help(own) == sub_help(whole)


def test_the_editor_and_a_listing_parse_without_the_whole_tree() -> None:
    assert cli.parse(["--db", "sqlite:///x.db"]).command is None
    ns = cli.parse(["--db", "sqlite:///x.db", "episodes", "--client", "c", "--show", "s"])
    assert (ns.command, ns.client, ns.db) == ("episodes", "c", "sqlite:///x.db")
    ns = cli.parse(["queue", "list", "--json"])
    assert (ns.command, ns.queue_command, ns.json) == ("queue", "list", True)
