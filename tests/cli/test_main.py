import json
from pathlib import Path

import pytest

from keras_cifar_blocks.cli.main import main

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_cifar10 = pytest.mark.skipif(
    not (DATA_DIR / "cifar-10-python.tar.gz").exists(),
    reason=f"CIFAR-10 archive not found in {DATA_DIR}",
)


@needs_cifar10
def test_demo_learns_on_real_cifar10(capsys):
    """Blocks-only model, one epoch on 3,000 real images: well above 10%."""
    code = main(
        [
            "demo",
            "--data-dir",
            str(DATA_DIR),
            "--train-size",
            "3000",
            "--test-size",
            "1000",
            "--batch-size",
            "32",
            "--json",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    result = json.loads(out[out.index("{") :])
    assert result["train_size"] == 3000
    assert result["test_size"] == 1000
    assert result["epochs"] == 1
    assert result["test_accuracy"] > 0.25, result


def test_demo_without_data_explains_where_to_put_it(tmp_path, capsys):
    code = main(["demo", "--data-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "cifar-10-python.tar.gz" in err
    assert str(tmp_path) in err


def test_info(capsys):
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["backend"] in ("tensorflow", "jax", "torch")
    assert "ConvBNPoolDropout" in info["layers"]


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["demo", "--epochs", "0"])
    assert excinfo.value.code == 2
    assert "expected an integer >= 1" in capsys.readouterr().err
