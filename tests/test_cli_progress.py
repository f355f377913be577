"""The progress bars of long steps on stderr."""

from __future__ import annotations

import io

import pytest

from loopnote.cli.progress import share_line


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_share_line_draws_once_per_percent_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    show = share_line("Telling the speakers apart")
    for share in (0.0, 0.001, 0.004, 0.5, 0.505, 1.0, 1.0):
        show(share)
    draws = screen.getvalue().split("\r")[1:]
    assert [d.rstrip("\n").rsplit(" ", 1)[-1] for d in draws] == ["0/100", "50/100", "100/100"]
    assert draws[-1].endswith("\n") and draws[0].startswith("Telling the speakers apart: [")


def test_a_share_line_off_a_terminal_is_a_start_and_an_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show = share_line("Telling the speakers apart")
    for share in (0.0, 0.001, 0.3, 0.999, 1.0, 1.0):
        show(share)
    lines = capsys.readouterr().err.splitlines()
    assert [line.rsplit(" ", 1)[-1] for line in lines] == ["0/100", "100/100"]
