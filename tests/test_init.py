"""The package loads its parts with Keras (keras_cifar_blocks/__init__.py).

Each test runs a fresh interpreter: what matters is what an import does
to `sys.modules` and Keras' registry.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_package_and_its_cli_import_without_keras():
    loaded = _run(
        """
        import sys
        import keras_cifar_blocks
        import keras_cifar_blocks.cli.main
        heavy = ("keras", "tensorflow", "jax", "torch")
        print(sorted(name for name in heavy if name in sys.modules))
        """
    )
    assert loaded == "[]"


def test_help_and_argument_errors_do_not_load_keras():
    loaded = _run(
        """
        import contextlib, io, sys
        from keras_cifar_blocks.cli.main import main
        for argv in (["--help"], ["train", "li2018_model1", "--epochs", "0"]):
            with contextlib.redirect_stdout(io.StringIO()), \\
                    contextlib.redirect_stderr(io.StringIO()):
                try:
                    main(argv)
                except SystemExit:
                    pass
        print("keras" in sys.modules)
        """
    )
    assert loaded == "False"


def test_importing_keras_afterwards_registers_every_part(tmp_path):
    # The package first, Keras second: a model with our layers, saved by
    # another process, loads in safe mode, and "Mish" is an activation.
    path = tmp_path / "model.keras"
    _run(
        f"""
        import keras
        import keras_cifar_blocks as kcb
        from keras_cifar_blocks.augmentation import RandomPadCrop
        model = keras.Sequential([
            keras.Input((8, 8, 3)),
            RandomPadCrop(2, seed=0),
            kcb.ConvBNPoolDropout(4, activation="Mish"),
        ])
        model.save({str(path)!r})
        print("saved")
        """
    )
    parts = _run(
        f"""
        import sys
        import keras_cifar_blocks
        import keras
        keras.saving.load_model({str(path)!r}, safe_mode=True)
        keras.layers.Dense(2, activation="Mish")
        print(sorted(
            name.split(".")[1] for name in sys.modules
            if name.count(".") == 1 and name.startswith("keras_cifar_blocks.")
        ))
        """
    )
    assert all(
        part in parts
        for part in (
            "architectures",
            "augmentation",
            "backbones",
            "datasets",
            "layers",
            "training",
        )
    ), parts


def test_names_load_on_first_use():
    names = _run(
        """
        import keras_cifar_blocks as kcb
        assert set(kcb.__all__) <= set(dir(kcb))
        print(kcb.Mish.__module__, kcb.wide_resnet.__module__)
        """
    )
    assert names == (
        "keras_cifar_blocks.layers.mish "
        "keras_cifar_blocks.architectures.wide_resnet"
    )
