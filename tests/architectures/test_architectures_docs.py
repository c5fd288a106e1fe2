"""docs/architectures.md shows what the registry holds, never a stale copy."""

import importlib.util
from pathlib import Path

import pytest

from keras_cifar_blocks.architectures import names

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location(
        "gen_architectures_table", DOCS / "gen_architectures_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_page_equals_the_generated_one(generator):
    page = (DOCS / "architectures.md").read_text()
    assert generator.update(page) == page, (
        "docs/architectures.md is stale: run "
        "python docs/gen_architectures_table.py"
    )
    assert generator.main(["--check"]) == 0


def test_table_lists_every_architecture(generator):
    rows = generator.render_table().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == names()
    assert "| `li2018_model1` | CIFAR-10 | 42,442 | 42,442 |" in rows[0]


def test_missing_markers_are_reported(generator):
    with pytest.raises(ValueError, match="lacks the markers of the 'table'"):
        generator.update("# A page without markers\n")
