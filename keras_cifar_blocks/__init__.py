"""keras-cifar-blocks: Keras 3 building blocks for small-image classifiers.

Importing the package registers its layers for serialization and makes
`activation="Mish"` work in every Keras layer.

The parts load with Keras, so that `kcb --help` answers without loading
Keras and its backend: at once when Keras is already imported (as after
`import keras`), else as soon as Keras is imported or one of the
package's names is first used.
"""

import importlib
import importlib.abc
import sys

from keras_cifar_blocks.version import __version__

_SUBMODULES = (
    "architectures",
    "augmentation",
    "backbones",
    "datasets",
    "initializers",
    "layers",
    "optimizers",
    "training",
)
# Names this module gives from its submodules.
_NAMES = {
    "transfer_classifier": "architectures",
    "unfreeze_top_layers": "architectures",
    "wide_resnet": "architectures",
    "ConvBNPoolDropout": "layers",
    "Mish": "layers",
    "PatchWhitening": "layers",
    "TransferAdapter": "layers",
    "WideResidualBlock": "layers",
}

__all__ = [
    "ConvBNPoolDropout",
    "Mish",
    "PatchWhitening",
    "TransferAdapter",
    "WideResidualBlock",
    "__version__",
    "architectures",
    "augmentation",
    "backbones",
    "datasets",
    "initializers",
    "layers",
    "optimizers",
    "training",
    "transfer_classifier",
    "unfreeze_top_layers",
    "wide_resnet",
]


def _load() -> None:
    """Imports every part (which registers the layers), binds the names."""
    for name in _SUBMODULES:
        globals()[name] = importlib.import_module(f"{__name__}.{name}")
    for name, submodule in _NAMES.items():
        globals()[name] = getattr(globals()[submodule], name)


def _importing() -> bool:
    """Whether a module of this package is being imported right now.

    Then `_load` must wait: it would import the other parts while that
    one is half done, and they import from it.
    """
    return any(
        # Unknown (no spec): assume the worst.
        getattr(getattr(module, "__spec__", None), "_initializing", True)
        for name, module in list(sys.modules.items())
        if name == __name__ or name.startswith(f"{__name__}.")
    )


def __getattr__(name: str):
    submodule = name if name in _SUBMODULES else _NAMES.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Only the part asked for while a part imports (`from
    # keras_cifar_blocks import backbones`), everything otherwise.
    module = importlib.import_module(f"{__name__}.{submodule}")
    if not _importing():
        _load()
    return module if name == submodule else getattr(module, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _LoadAfterKeras(importlib.abc.MetaPathFinder):
    """Runs `_load` once Keras has been imported, when that is safe.

    Finds `keras` as the other finders do and wraps its loader's
    `exec_module`; removes itself once Keras is imported.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        exec_module = loader.exec_module

        def exec_module_then_load(module):
            exec_module(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            # Keras imported by one of our modules: that import goes on,
            # and the other parts load on first use of a package name.
            if not _importing():
                _load()

        loader.exec_module = exec_module_then_load
        return spec


if "keras" in sys.modules:
    _load()
else:
    sys.meta_path.insert(0, _LoadAfterKeras())
