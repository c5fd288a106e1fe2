"""The ```python examples in README.md and docs/ run as written.

Each page's blocks run in order in one namespace, as a reader would type
them. Blocks fenced as ```py are illustrations that need a network or
hours of training (pretrained weights, full fits); they are not run.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DATA_DIR = ROOT.parent / "shared" / "data"


def _page_code(page: Path) -> str:
    blocks = re.findall(
        r"^( *)```python\n(.*?)^\1```", page.read_text(), re.M | re.S
    )
    return "\n".join(
        "\n".join(line[len(indent) :] for line in code.splitlines())
        for indent, code in blocks
    )


@pytest.mark.parametrize(
    "page", [p for p in PAGES if _page_code(p)], ids=lambda p: p.name
)
def test_examples_run(page, tmp_path, monkeypatch):
    code = _page_code(page)
    if "load_cifar10()" in code and not DATA_DIR.exists():
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")
    monkeypatch.setenv("KCB_DATA_DIR", str(DATA_DIR))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(page), "exec"), {"__name__": "__example__"})


def test_readme_has_the_two_setup_commands_near_the_top():
    head = (ROOT / "README.md").read_text().split("## ")[0]
    assert "make demo" in head and "make test" in head
