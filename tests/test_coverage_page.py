"""docs/coverage.md is generated; this fails when it no longer matches the catalogue and handlers."""

from pathlib import Path

from mock_iovox.coverage import render_coverage, render_guesses

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_coverage_page_is_current() -> None:
    assert (DOCS / "coverage.md").read_text() == render_coverage(), "stale: run `mock-iovox coverage`"


def test_guesses_page_is_current() -> None:
    assert (DOCS / "guesses.md").read_text() == render_guesses(), "stale: run `mock-iovox coverage`"


def test_guesses_page_names_every_guessing_method() -> None:
    from mock_iovox.catalog import all_methods

    text = render_guesses()
    for method in all_methods():
        if method.guesses:
            assert f"- **{method.name}**" in text


def test_coverage_page_lists_every_method() -> None:
    from mock_iovox.catalog import all_methods

    text = render_coverage()
    for method in all_methods():
        assert f"| {method.name} | {method.verb.value} |" in text
