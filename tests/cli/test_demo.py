"""`kcb demo` (keras_cifar_blocks/cli/demo.py), through the command line."""

import json
from pathlib import Path

import pytest

from keras_cifar_blocks.cli.main import main
from keras_cifar_blocks.training import run_dir


def test_demo_learns_on_real_cifar10(tmp_path, cifar10_dir, capsys):
    """li2018_model1, one epoch on 3,000 real images: well above 10%."""
    code = main(
        [
            "demo",
            "--data-dir",
            str(cifar10_dir),
            "--train-size",
            "3000",
            "--test-size",
            "1000",
            "--batch-size",
            "32",
            "--epochs",
            "1",
            "--out",
            str(tmp_path / "demo"),
            "--json",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    result = json.loads(out[out.index("{") :])
    assert result["architecture"] == "li2018_model1"
    assert result["train_size"] + result["validation_size"] == 3000
    assert result["test_size"] == 1000
    assert result["epochs"] == 1
    assert result["test_accuracy"] > 0.25, result
    assert result["documented_accuracy"] == 0.6834
    assert (Path(result["run_dir"]) / run_dir.REPORT).is_file()


def test_demo_without_data_explains_where_to_put_it(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["demo", "--data-dir", str(tmp_path), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "cifar-10-python.tar.gz" in err
    assert str(tmp_path) in err
    assert not out.exists()


def _write_demo_config(folder, **settings):
    config = {
        "architecture": "li2018_model1",
        "status": "complete",
        "recipe": {"batch_size": 128},
        "settings": {
            "epochs": 3,
            "batch_size": 128,
            "subset": 5000,
            "test_subset": None,
            "seed": 0,
            **settings,
        },
    }
    run_dir.write_json(folder / run_dir.CONFIG, config)
    return config


def test_demo_refuses_to_replace_a_run_of_another_length(tmp_path, capsys):
    config = _write_demo_config(tmp_path, epochs=100, subset=None)
    assert main(["demo", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "kcb demo: error: Refusing to replace the finished run of "
        f"'li2018_model1' in '{tmp_path}': it was made with other settings "
        "(epochs: 100 -> 3, subset: None -> 5000). Choose another `out` "
        "folder (--out), or pass overwrite=True (--overwrite) to replace it."
    )
    assert run_dir.read_json(tmp_path / run_dir.CONFIG) == config


class _TrainCalled(Exception):
    pass


@pytest.mark.parametrize(
    "settings, flags",
    [({}, []), ({"epochs": 100, "seed": 7}, ["--overwrite"])],
    ids=["previous_demo", "overwrite"],
)
def test_demo_replaces_a_previous_demo_or_with_overwrite(
    tmp_path, monkeypatch, settings, flags
):
    from keras_cifar_blocks.cli import demo

    calls = []

    def fake_train(name, **kwargs):
        calls.append(kwargs)
        raise _TrainCalled

    monkeypatch.setattr(demo, "train", fake_train)
    _write_demo_config(tmp_path, **settings)
    with pytest.raises(_TrainCalled):
        main(["demo", "--out", str(tmp_path), *flags])
    assert calls[0]["overwrite"] is True
    assert calls[0]["out"] == str(tmp_path)
