"""The ```python examples in README.md and docs/ run as written.

Each page's blocks run in order in one namespace, as a reader would type
them. Blocks fenced as ```py are illustrations that need a network or
hours of training (pretrained weights, full fits); they are not run.

A model an example compiles but does not train is then trained for one
step on a random batch: wrong `compile` arguments (say, metrics passed
positionally, where Keras 3 expects `loss_weights`) only fail in `fit`.
"""

import re
from pathlib import Path

import keras
import numpy as np
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


def _record_compiled_models(monkeypatch) -> list:
    """Patches `keras.Model.compile` to list the models it compiles."""
    compiled = []
    compile_model = keras.Model.compile

    def compile_and_record(model, *args, **kwargs):
        compile_model(model, *args, **kwargs)
        if all(model is not seen for seen in compiled):
            compiled.append(model)

    monkeypatch.setattr(keras.Model, "compile", compile_and_record)
    return compiled


def _random_batch(model, size: int = 2):
    """Random images and labels that fit `model`'s input and its loss."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (size, *model.inputs[0].shape[1:]))
    classes = model.outputs[0].shape[-1]
    y = rng.integers(0, classes, size)
    loss = model.loss
    name = loss if isinstance(loss, str) else type(loss).__name__
    if "sparse" not in name.lower():
        y = np.eye(classes)[y]
    return x.astype("float32"), y


def _train_one_step_if_untrained(model) -> None:
    if int(model.optimizer.iterations) > 0:
        return  # The example trained it already.
    x, y = _random_batch(model)
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 1


@pytest.mark.parametrize(
    "page", [p for p in PAGES if _page_code(p)], ids=lambda p: p.name
)
def test_examples_run(page, tmp_path, monkeypatch):
    code = _page_code(page)
    if "load_cifar10()" in code and not DATA_DIR.exists():
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")
    monkeypatch.setenv("KCB_DATA_DIR", str(DATA_DIR))
    monkeypatch.chdir(tmp_path)
    compiled = _record_compiled_models(monkeypatch)
    exec(compile(code, str(page), "exec"), {"__name__": "__example__"})
    monkeypatch.undo()  # keras.Model.compile as it was, for the steps.
    for model in compiled:
        _train_one_step_if_untrained(model)


def test_compiled_but_untrained_examples_are_trained_one_step(monkeypatch):
    compiled = _record_compiled_models(monkeypatch)
    model = keras.Sequential(
        [keras.Input((4, 4, 3)), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    # Keras 3's third positional argument is `loss_weights`: this compiles
    # but cannot train, and the example test must say so.
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    monkeypatch.undo()
    assert compiled == [model]
    with pytest.raises(Exception):  # noqa: B017 - any error: it is caught.
        _train_one_step_if_untrained(model)


def test_readme_starts_with_what_users_run_and_keeps_the_developer_commands():
    # The README is also the PyPI page: its head is for users, who install
    # the package; a clone's commands come in "Developing".
    readme = (ROOT / "README.md").read_text()
    head = readme.split("## ")[0]
    assert 'pip install "keras-cifar-blocks[tensorflow]"' in head
    assert "kcb demo" in head
    assert "make " not in head and "../shared" not in head
    developing = readme.split("## Developing\n")[1].split("\n## ")[0]
    for command in ("make install", "make test", "make demo", ".ci/run"):
        assert command in developing
