"""docs/coverage.md is generated; this fails when it no longer matches the catalogue and handlers."""

from pathlib import Path

from mock_iovox.coverage import render_coverage

PAGE = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"


def test_coverage_page_is_current() -> None:
    assert PAGE.read_text() == render_coverage(), "docs/coverage.md is stale: run `mock-iovox coverage`"


def test_coverage_page_lists_every_method() -> None:
    from mock_iovox.catalog import all_methods

    text = render_coverage()
    for method in all_methods():
        assert f"| {method.name} | {method.verb.value} |" in text
