"""CIFAR-10 and CIFAR-100 loaders that never execute code from a data file.

The official "python version" archives of CIFAR store each batch as a
pickle. `pickle.load` on such a file runs whatever the file asks for, so
these loaders use a restricted unpickler that only rebuilds NumPy arrays
and refuses every other global. Archives are streamed with `tarfile`
without extracting anything to disk, and members with absolute paths,
`..` components or links are rejected.

Where the data is read from (an argument, an environment variable, the
Keras cache, else a download) is written once, in `locate`.
"""

import contextlib
import dataclasses
import gzip
import io
import lzma
import os
import pickle
import posixpath
import re
import tarfile
import zlib
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keras
import numpy as np

from keras_cifar_blocks.utils import validation

try:
    from numpy._core import multiarray as _np_multiarray
    from numpy._core import numeric as _np_numeric
except ImportError:  # NumPy < 2.
    from numpy.core import multiarray as _np_multiarray
    from numpy.core import numeric as _np_numeric

DATA_DIR_ENV_VAR = "KCB_DATA_DIR"
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"

CIFAR10_CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

CIFAR100_FINE_CLASS_NAMES = (
    "apple",
    "aquarium_fish",
    "baby",
    "bear",
    "beaver",
    "bed",
    "bee",
    "beetle",
    "bicycle",
    "bottle",
    "bowl",
    "boy",
    "bridge",
    "bus",
    "butterfly",
    "camel",
    "can",
    "castle",
    "caterpillar",
    "cattle",
    "chair",
    "chimpanzee",
    "clock",
    "cloud",
    "cockroach",
    "couch",
    "crab",
    "crocodile",
    "cup",
    "dinosaur",
    "dolphin",
    "elephant",
    "flatfish",
    "forest",
    "fox",
    "girl",
    "hamster",
    "house",
    "kangaroo",
    "keyboard",
    "lamp",
    "lawn_mower",
    "leopard",
    "lion",
    "lizard",
    "lobster",
    "man",
    "maple_tree",
    "motorcycle",
    "mountain",
    "mouse",
    "mushroom",
    "oak_tree",
    "orange",
    "orchid",
    "otter",
    "palm_tree",
    "pear",
    "pickup_truck",
    "pine_tree",
    "plain",
    "plate",
    "poppy",
    "porcupine",
    "possum",
    "rabbit",
    "raccoon",
    "ray",
    "road",
    "rocket",
    "rose",
    "sea",
    "seal",
    "shark",
    "shrew",
    "skunk",
    "skyscraper",
    "snail",
    "snake",
    "spider",
    "squirrel",
    "streetcar",
    "sunflower",
    "sweet_pepper",
    "table",
    "tank",
    "telephone",
    "television",
    "tiger",
    "tractor",
    "train",
    "trout",
    "tulip",
    "turtle",
    "wardrobe",
    "whale",
    "willow_tree",
    "wolf",
    "woman",
    "worm",
)

CIFAR100_COARSE_CLASS_NAMES = (
    "aquatic_mammals",
    "fish",
    "flowers",
    "food_containers",
    "fruit_and_vegetables",
    "household_electrical_devices",
    "household_furniture",
    "insects",
    "large_carnivores",
    "large_man-made_outdoor_things",
    "large_natural_outdoor_scenes",
    "large_omnivores_and_herbivores",
    "medium_mammals",
    "non-insect_invertebrates",
    "people",
    "reptiles",
    "small_mammals",
    "trees",
    "vehicles_1",
    "vehicles_2",
)

_IMAGE_SIZE = 32
_CHANNELS = 3
_ROW_LENGTH = _CHANNELS * _IMAGE_SIZE * _IMAGE_SIZE  # 3072
# The largest official file (CIFAR-100 `train`) is about 155 MB.
_MAX_FILE_BYTES = 512 * 1024 * 1024
_LABEL_MODES = ("fine", "coarse")

PathLike = str | os.PathLike
Split = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------
# Restricted unpickling.
# --------------------------------------------------------------------------


def _latin1_encode(
    obj: Any, encoding: str = "utf-8", errors: str = "strict"
) -> bytes:
    """Stand-in for `_codecs.encode`, limited to str -> latin-1 bytes.

    Python 3 writes `bytes` in pickle protocol 2 as
    `_codecs.encode("...", "latin1")`; nothing else is allowed.
    """
    if not isinstance(obj, str) or encoding.lower() not in (
        "latin1",
        "latin-1",
    ):
        raise pickle.UnpicklingError(
            "Only `_codecs.encode(<str>, 'latin1')` is allowed; received "
            f"encoding={encoding!r} for a {type(obj).__name__}"
        )
    return obj.encode("latin-1", errors)


# Globals a CIFAR pickle may reference, mapped to the objects they resolve
# to (nothing is imported by name at load time). The official files only
# use `numpy.core.multiarray._reconstruct`, `numpy.ndarray` and
# `numpy.dtype`; `_codecs.encode` (latin-1 only) and `_frombuffer` let
# files re-saved by Python 3 with pickle protocol 2 or 5 load too.
_SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _np_multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _np_multiarray._reconstruct,
    ("numpy.core.multiarray", "scalar"): _np_multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): _np_multiarray.scalar,
    ("numpy.core.numeric", "_frombuffer"): _np_numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _np_numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class _ForbiddenGlobalError(pickle.UnpicklingError):
    """A pickle asked for a global outside `_SAFE_GLOBALS`."""


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the NumPy globals in `_SAFE_GLOBALS`."""

    def __init__(self, file: io.BytesIO, description: str):
        super().__init__(file, encoding="bytes")
        self._description = description

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _SAFE_GLOBALS[(module, name)]
        except KeyError:
            raise _ForbiddenGlobalError(
                f"Refusing to unpickle {self._description}: it references "
                f"the global `{module}.{name}`, which is not allowed. A "
                "CIFAR batch only needs NumPy array globals "
                "(numpy.core.multiarray._reconstruct, numpy.ndarray, "
                "numpy.dtype); this file is not a genuine CIFAR file and "
                "may be malicious."
            ) from None


def _unpickle(data: bytes, description: str) -> Any:
    """Unpickle `data` with `_RestrictedUnpickler`."""
    try:
        return _RestrictedUnpickler(io.BytesIO(data), description).load()
    except _ForbiddenGlobalError:
        raise
    except Exception as e:
        raise ValueError(
            f"Could not unpickle {description}: the file is truncated or "
            f"corrupt ({type(e).__name__}: {e}). Download it again from "
            f"{CIFAR_URL}."
        ) from e


# --------------------------------------------------------------------------
# Where the files are.
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _DatasetSpec:
    name: str
    keras_module: str
    archive: str
    folder: str
    train_files: tuple[str, ...]
    test_file: str

    @property
    def files(self) -> tuple[str, ...]:
        return self.train_files + (self.test_file,)

    def where_to_put(self) -> str:
        return (
            f"Put {self.archive} (the CIFAR 'python version' from "
            f"{CIFAR_URL}) or its extracted folder {self.folder}/ in a "
            "folder and pass data_dir=<that folder>, or set the "
            f"{DATA_DIR_ENV_VAR} environment variable to that folder."
        )


_CIFAR10 = _DatasetSpec(
    name="CIFAR-10",
    keras_module="cifar10",
    archive="cifar-10-python.tar.gz",
    folder="cifar-10-batches-py",
    train_files=tuple(f"data_batch_{i}" for i in range(1, 6)),
    test_file="test_batch",
)
_CIFAR100 = _DatasetSpec(
    name="CIFAR-100",
    keras_module="cifar100",
    archive="cifar-100-python.tar.gz",
    folder="cifar-100-python",
    train_files=("train",),
    test_file="test",
)


@dataclasses.dataclass(frozen=True)
class _Source:
    path: Path
    is_archive: bool


def _find_source(root: Path, spec: _DatasetSpec) -> _Source | None:
    """Return the archive or extracted folder at or inside `root`."""
    if root.is_file():
        return _Source(root, is_archive=True)
    if not root.is_dir():
        return None
    if root.name == spec.folder or all(
        (root / name).is_file() for name in spec.files
    ):
        return _Source(root, is_archive=False)
    if (root / spec.folder).is_dir():
        return _Source(root / spec.folder, is_archive=False)
    if (root / spec.archive).is_file():
        return _Source(root / spec.archive, is_archive=True)
    return None


def _keras_datasets_dir() -> Path:
    """Return the folder where `keras.utils.get_file` caches datasets."""
    keras_home = os.environ.get("KERAS_HOME")
    if keras_home:
        return Path(keras_home).expanduser() / "datasets"
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return Path(base) / ".keras" / "datasets"


def _find_in_keras_cache(cache: Path, spec: _DatasetSpec) -> _Source | None:
    """Return a complete extracted folder or an archive in the Keras cache.

    Keras 3 extracts to `<folder>-target/<folder>` and keeps the download
    as `<folder>-target_archive`; Keras 2 used `<folder>` and
    `<folder>.tar.gz`.
    """
    for folder in (
        cache / spec.folder,
        cache / f"{spec.folder}-target" / spec.folder,
    ):
        if all((folder / name).is_file() for name in spec.files):
            return _Source(folder, is_archive=False)
    for archive in (
        cache / spec.archive,
        cache / f"{spec.folder}.tar.gz",
        cache / f"{spec.folder}-target_archive",
    ):
        if archive.is_file():
            return _Source(archive, is_archive=True)
    return None


# --------------------------------------------------------------------------
# Reading files.
# --------------------------------------------------------------------------

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_member(member: tarfile.TarInfo, archive: Path) -> None:
    """Raise ValueError for unsafe archive members (any, not only wanted)."""
    name = member.name
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(name):
        problem = "has an absolute path"
    elif ".." in parts:
        problem = "has a '..' path component"
    elif member.issym() or member.islnk():
        problem = f"is a link (to {member.linkname!r})"
    elif not (member.isfile() or member.isdir()):
        problem = "is not a regular file or folder"
    else:
        return
    raise ValueError(
        f"Refusing to read the archive '{archive}': its member {name!r} "
        f"{problem}. The official CIFAR archives contain only plain files "
        "in one folder; this archive is damaged or crafted."
    )


def _wanted_file(member_name: str, spec: _DatasetSpec) -> str | None:
    """Map an archive member name to one of `spec.files`, if it is one."""
    parts = posixpath.normpath(member_name).split("/")
    if parts[-1] in spec.files and (
        len(parts) == 1 or parts[-2] == spec.folder
    ):
        return parts[-1]
    return None


def _iter_archive(
    archive: Path, spec: _DatasetSpec
) -> Iterator[tuple[str, bytes, str]]:
    """Stream `(file name, content, description)` of the wanted members."""
    seen: set[str] = set()
    with open(archive, "rb") as f:
        try:
            with tarfile.open(fileobj=f, mode="r|*") as tar:
                for member in tar:
                    _check_member(member, archive)
                    name = _wanted_file(member.name, spec)
                    if name is None or not member.isfile():
                        continue
                    description = f"{member.name!r} in the archive '{archive}'"
                    if name in seen:
                        raise ValueError(
                            f"The archive '{archive}' holds {name} twice."
                        )
                    if member.size > _MAX_FILE_BYTES:
                        raise ValueError(
                            f"{description} is {member.size} bytes, too "
                            f"large for a {spec.name} file."
                        )
                    data = tar.extractfile(member).read()
                    if len(data) != member.size:
                        raise tarfile.ReadError("unexpected end of data")
                    seen.add(name)
                    yield name, data, description
        except (
            tarfile.TarError,
            EOFError,
            zlib.error,
            lzma.LZMAError,
            gzip.BadGzipFile,
            OSError,
        ) as e:
            raise ValueError(
                f"Could not read the archive '{archive}': it is truncated "
                f"or corrupt ({type(e).__name__}: {e}). Download "
                f"{spec.archive} again from {CIFAR_URL}."
            ) from e
    missing = [name for name in spec.files if name not in seen]
    if missing:
        raise ValueError(
            f"The archive '{archive}' does not contain "
            f"{', '.join(f'{spec.folder}/{m}' for m in missing)}: it is "
            f"not the {spec.name} 'python version' archive ({spec.archive}) "
            "or it is incomplete."
        )


def _iter_folder(
    folder: Path, spec: _DatasetSpec
) -> Iterator[tuple[str, bytes, str]]:
    """Yield `(file name, content, description)` for `spec.files`."""
    for name in spec.files:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(
                f"Missing {spec.name} file '{path}'. The folder '{folder}' "
                f"should hold {', '.join(spec.files)} (the extracted "
                f"{spec.archive}). {spec.where_to_put()}"
            )
        description = f"'{path}'"
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise ValueError(
                f"{description} is too large for a {spec.name} file."
            )
        yield name, path.read_bytes(), description


# --------------------------------------------------------------------------
# Decoding and checking arrays.
# --------------------------------------------------------------------------


def _get_entry(batch: dict, key: str, description: str) -> Any:
    """Return `batch[key]`, accepting bytes (official) or str keys."""
    for candidate in (key.encode("ascii"), key):
        if candidate in batch:
            return batch[candidate]
    keys = sorted(repr(k) for k in batch)
    raise ValueError(
        f"{description} has no {key!r} entry (keys: {', '.join(keys)}); it "
        "is not a CIFAR batch file of the expected dataset."
    )


def _check_labels(
    labels: Any, count: int, num_classes: int, description: str
) -> np.ndarray:
    """Return `labels` as a 1-D int64 array after checking count and range."""
    try:
        array = validation.label_ids("labels", labels, num_classes)
    except ValueError as e:
        raise ValueError(f"Invalid labels in {description}: {e}") from None
    if array.shape[0] != count:
        raise ValueError(
            f"{description} has {count} images but {array.shape[0]} labels."
        )
    return array


def _decode_batch(
    batch: Any, label_key: str, num_classes: int, description: str
) -> Split:
    """Decode one CIFAR batch dict to NHWC uint8 images and int64 labels."""
    if not isinstance(batch, dict):
        raise ValueError(
            f"{description} should hold a dict, not a "
            f"{type(batch).__name__}; it is not a CIFAR batch file."
        )
    data = _get_entry(batch, "data", description)
    if not isinstance(data, np.ndarray):
        raise ValueError(
            f"The 'data' entry of {description} should be a NumPy array, "
            f"not a {type(data).__name__}."
        )
    if data.dtype != np.uint8:
        raise ValueError(
            f"The 'data' entry of {description} should have dtype uint8, "
            f"not {data.dtype}."
        )
    if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] != _ROW_LENGTH:
        raise ValueError(
            f"The 'data' entry of {description} should have shape "
            f"(num_images, {_ROW_LENGTH}) with num_images > 0; got "
            f"{data.shape}."
        )
    labels = _check_labels(
        _get_entry(batch, label_key, description),
        data.shape[0],
        num_classes,
        description,
    )
    # Each row is 1024 red, then 1024 green, then 1024 blue values, each
    # plane row-major: (N, 3072) -> (N, 3, 32, 32) -> (N, 32, 32, 3).
    images = data.reshape(-1, _CHANNELS, _IMAGE_SIZE, _IMAGE_SIZE)
    return images.transpose(0, 2, 3, 1), labels


def _load_from_source(
    source: _Source, spec: _DatasetSpec, label_key: str, num_classes: int
) -> tuple[Split, Split]:
    """Read, check and decode every batch of `spec` from `source`."""
    if source.is_archive:
        files = _iter_archive(source.path, spec)
    else:
        files = _iter_folder(source.path, spec)
    decoded: dict[str, Split] = {}
    with contextlib.closing(files):
        for name, data, description in files:
            batch = _unpickle(data, description)
            del data
            decoded[name] = _decode_batch(
                batch, label_key, num_classes, description
            )
    # Copy into C-contiguous NHWC arrays (the decoded ones are views).
    parts = [decoded[n][0] for n in spec.train_files]
    x_train = np.empty(
        (sum(len(p) for p in parts),) + parts[0].shape[1:], dtype=np.uint8
    )
    np.concatenate(parts, out=x_train)
    y_train = np.concatenate([decoded[n][1] for n in spec.train_files])
    x_test = np.ascontiguousarray(decoded[spec.test_file][0])
    y_test = decoded[spec.test_file][1]
    return (x_train, y_train), (x_test, y_test)


def _from_keras_arrays(
    arrays: Any, num_classes: int, description: str
) -> tuple[Split, Split]:
    """Check and convert the output of `keras.datasets.*.load_data()`."""
    (x_train, y_train), (x_test, y_test) = arrays
    splits = []
    for x, y in ((x_train, y_train), (x_test, y_test)):
        x = np.asarray(x)
        if x.ndim == 4 and x.shape[1:] == (3, 32, 32):  # channels_first
            x = x.transpose(0, 2, 3, 1)
        if x.dtype != np.uint8 or x.ndim != 4 or x.shape[1:] != (32, 32, 3):
            raise ValueError(
                f"{description} returned images of shape {x.shape} and "
                f"dtype {x.dtype}; expected (N, 32, 32, 3) uint8."
            )
        y = _check_labels(y, x.shape[0], num_classes, description)
        splits.append((np.ascontiguousarray(x), y))
    return splits[0], splits[1]


def _find(spec: _DatasetSpec, data_dir: PathLike | None):
    """Where `spec` is read from (the search `locate` documents).

    Returns `(source, root)`: the archive or extracted folder, and the
    folder that was asked for (`data_dir`, else `KCB_DATA_DIR`, resolved;
    `None` for the Keras cache). `(None, None)` when there is no local copy
    and the data would be downloaded.
    """
    env_dir = os.environ.get(DATA_DIR_ENV_VAR)
    if data_dir is not None or env_dir:
        if data_dir is not None:
            root = Path(os.fspath(data_dir)).expanduser()
            origin = f"data_dir='{root}'"
        else:
            root = Path(env_dir).expanduser()
            origin = (
                f"'{root}' (from the {DATA_DIR_ENV_VAR} environment variable)"
            )
        source = _find_source(root, spec)
        if source is None:
            state = "" if root.exists() else " (it does not exist)"
            raise FileNotFoundError(
                f"No {spec.name} data found at {origin}{state}: expected "
                f"{spec.archive} or its extracted folder {spec.folder}/ in "
                "that folder, or the path of one of them. "
                f"{spec.where_to_put()}"
            )
        return source, root.resolve()
    return _find_in_keras_cache(_keras_datasets_dir(), spec), None


def _load(
    spec: _DatasetSpec,
    data_dir: PathLike | None,
    label_key: str,
    num_classes: int,
    download: Callable[[], Any],
) -> tuple[Split, Split]:
    """Resolve where the data is (see `locate`) and load it."""
    source, _ = _find(spec, data_dir)
    if source is not None:
        return _load_from_source(source, spec, label_key, num_classes)

    description = f"keras.datasets.{spec.keras_module}.load_data()"
    try:
        arrays = download()
    except Exception as e:
        raise FileNotFoundError(
            f"{spec.name} was not found locally (no data_dir argument, "
            f"{DATA_DIR_ENV_VAR} not set, neither {spec.archive} nor "
            f"{spec.folder}/ in the Keras cache '{_keras_datasets_dir()}') "
            f"and {description} could not download it "
            f"({type(e).__name__}: {e}). {spec.where_to_put()}"
        ) from e
    return _from_keras_arrays(arrays, num_classes, description)


# --------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------


def load_cifar10(data_dir: PathLike | None = None) -> tuple[Split, Split]:
    """Loads CIFAR-10 as NHWC uint8 images and 1-D int64 labels.

    Like `keras.datasets.cifar10.load_data()`, but the data can come from
    a local copy of the official archive, labels are flattened to shape
    `(N,)`, images are always channels-last, and the pickled batches are
    read with a restricted unpickler that cannot run code.

    The data is read from the local copy `locate("cifar10", data_dir)`
    finds (`cifar-10-python.tar.gz` or its extracted folder
    `cifar-10-batches-py/`); without one,
    `keras.datasets.cifar10.load_data()` downloads it.

    Args:
        data_dir: Optional path (str or `os.PathLike`): a folder that
            holds the archive or its extracted folder, or the path of
            either. When given, it is the only place searched (see
            `locate`).

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`:
        `x_*` are `uint8` arrays of shape `(N, 32, 32, 3)` with pixel
        values in [0, 255]; `y_*` are `int64` arrays of shape `(N,)`
        (not `(N, 1)` as in Keras) with labels in [0, 9], whose names
        are `CIFAR10_CLASS_NAMES`. N is 50000 for train and 10000 for
        test with the official data.

    Raises:
        FileNotFoundError: If `data_dir` (or `KCB_DATA_DIR`) holds neither
            the archive nor the extracted folder, if a batch file is
            missing from the extracted folder, or if the data is not
            found locally and cannot be downloaded.
        pickle.UnpicklingError: If a batch file references anything but
            NumPy array globals (a crafted, possibly malicious file).
        ValueError: If the archive has unsafe members (absolute paths,
            `..`, links), or a file is truncated or corrupt, or has
            unexpected shapes, dtypes or labels. The message names the
            file.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = load_cifar10(
        data_dir="~/data"  # holds cifar-10-python.tar.gz
    )
    assert x_train.shape == (50000, 32, 32, 3)
    assert y_train.shape == (50000,)
    print(CIFAR10_CLASS_NAMES[y_train[0]])  # "frog"
    ```
    """
    return _load(
        _CIFAR10,
        data_dir,
        label_key="labels",
        num_classes=len(CIFAR10_CLASS_NAMES),
        download=lambda: keras.datasets.cifar10.load_data(),
    )


def load_cifar100(
    data_dir: PathLike | None = None, label_mode: str = "fine"
) -> tuple[Split, Split]:
    """Loads CIFAR-100 as NHWC uint8 images and 1-D int64 labels.

    Like `keras.datasets.cifar100.load_data()`, but the data can come
    from a local copy of the official archive, labels are flattened to
    shape `(N,)`, images are always channels-last, and the pickled files
    are read with a restricted unpickler that cannot run code.

    The data is read from the local copy `locate("cifar100", data_dir)`
    finds (`cifar-100-python.tar.gz` or its extracted folder
    `cifar-100-python/`); without one,
    `keras.datasets.cifar100.load_data(label_mode=...)` downloads it.

    Args:
        data_dir: Optional path (str or `os.PathLike`): a folder that
            holds the archive or its extracted folder, or the path of
            either. When given, it is the only place searched (see
            `locate`).
        label_mode: `"fine"` for the 100 classes
            (`CIFAR100_FINE_CLASS_NAMES`) or `"coarse"` for the 20
            superclasses (`CIFAR100_COARSE_CLASS_NAMES`).

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`:
        `x_*` are `uint8` arrays of shape `(N, 32, 32, 3)`; `y_*` are
        `int64` arrays of shape `(N,)` (not `(N, 1)` as in Keras) with
        labels in [0, 99] (fine) or [0, 19] (coarse). N is 50000 for
        train and 10000 for test with the official data.

    Raises:
        ValueError: If `label_mode` is not `"fine"` or `"coarse"`; if the
            archive has unsafe members (absolute paths, `..`, links); or
            if a file is truncated or corrupt, or has unexpected shapes,
            dtypes or labels. The message names the file.
        FileNotFoundError: If `data_dir` (or `KCB_DATA_DIR`) holds neither
            the archive nor the extracted folder, if a file is missing
            from the extracted folder, or if the data is not found
            locally and cannot be downloaded.
        pickle.UnpicklingError: If a file references anything but NumPy
            array globals (a crafted, possibly malicious file).

    Example:

    ```python
    (x_train, y_train), _ = load_cifar100(
        data_dir="~/data", label_mode="coarse"
    )
    assert x_train.shape == (50000, 32, 32, 3)
    print(CIFAR100_COARSE_CLASS_NAMES[y_train[0]])
    ```
    """
    if label_mode not in _LABEL_MODES:
        raise ValueError(
            "Invalid value for argument `label_mode`. Expected one of "
            f"{list(_LABEL_MODES)}. Received label_mode={label_mode!r}"
        )
    num_classes = len(
        CIFAR100_FINE_CLASS_NAMES
        if label_mode == "fine"
        else CIFAR100_COARSE_CLASS_NAMES
    )
    return _load(
        _CIFAR100,
        data_dir,
        label_key=f"{label_mode}_labels",
        num_classes=num_classes,
        download=lambda: keras.datasets.cifar100.load_data(
            label_mode=label_mode
        ),
    )


_DATASETS = {"cifar10": _CIFAR10, "cifar100": _CIFAR100}


def locate(dataset: str = "cifar10", data_dir: PathLike | None = None):
    """Where `load_cifar10` or `load_cifar100` reads the dataset from.

    The loaders look for the data, in order:

    1. in `data_dir`, when it is given (then the only place searched);
    2. in the folder named by the `KCB_DATA_DIR` environment variable;
    3. in the Keras cache (`$KERAS_HOME/datasets`, by default
       `~/.keras/datasets`), if it already holds the extracted folder or
       the archive;
    4. else `keras.datasets.cifar10.load_data()` (or `cifar100`'s)
       downloads the data, when there is a network.

    A `data_dir` (or `KCB_DATA_DIR`) may be a folder holding the archive
    (`cifar-10-python.tar.gz`, `cifar-100-python.tar.gz`: the "python
    version" from https://www.cs.toronto.edu/~kriz/cifar.html) or its
    extracted folder (`cifar-10-batches-py/`, `cifar-100-python/`,
    preferred when both are there, as it loads faster), or the path of
    the archive or of the extracted folder itself.

    `locate` follows that search without reading any data and returns
    the absolute path to record for a run: passed back as `data_dir`, it
    loads the same files.

    Args:
        dataset: `"cifar10"` or `"cifar100"`.
        data_dir: the loaders' `data_dir` argument.

    Returns:
        A string: `data_dir` (or the `KCB_DATA_DIR` folder) when it is
        given, resolved; else the archive or extracted folder in the Keras
        cache. `None` when there is no local copy, i.e. the loader would
        download the data.

    Raises:
        ValueError: if `dataset` is not `"cifar10"` or `"cifar100"`.
        FileNotFoundError: if `data_dir` (or `KCB_DATA_DIR`) holds
            neither the archive nor the extracted folder, as the loaders
            would.

    Example:

    >>> import os, tempfile
    >>> from keras_cifar_blocks.datasets import locate
    >>> folder = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(folder, "cifar-10-batches-py"))
    >>> locate("cifar10", folder) == os.path.realpath(folder)
    True
    """
    if dataset not in _DATASETS:
        raise ValueError(
            "Invalid value for argument `dataset`. Expected one of "
            f"{list(_DATASETS)}. Received dataset={dataset!r}"
        )
    source, root = _find(_DATASETS[dataset], data_dir)
    if root is not None:
        return os.fspath(root)
    if source is not None:
        return os.fspath(source.path.resolve())
    return None


def subset(
    x: np.ndarray, y: np.ndarray, n: int, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Returns a class-balanced subset of `n` samples.

    Every class present in `y` gets `n // num_classes` samples, and the
    `n % num_classes` classes with the smallest labels get one more. With
    `seed=None` the first samples of each class (in dataset order) are
    taken, so the result is deterministic; with an integer `seed` they are
    drawn at random without replacement, reproducibly for a given seed.
    The selected samples keep their original order.

    Args:
        x: Array of samples, indexed along its first axis.
        y: Integer labels of shape `(N,)` or `(N, 1)`.
        n: Number of samples to keep, at least the number of classes and
            at most `len(y)`.
        seed: Optional int >= 0 seeding a random (but reproducible) choice
            within each class; `None` takes the first samples.

    Returns:
        Tuple `(x_subset, y_subset)` of NumPy arrays holding `n` samples;
        `y_subset` has the same number of dimensions as `y`.

    Raises:
        ValueError: If `n` is not a positive int, is smaller than the
            number of classes or larger than the number of samples, if a
            class has too few samples for a balanced subset, or if `x`
            and `y` have different lengths or `y` is not integer labels.

    Example:

    >>> import numpy as np
    >>> x = np.arange(16).reshape(8, 2)
    >>> y = np.array([0, 1, 1, 0, 2, 2, 1, 0])
    >>> x_small, y_small = subset(x, y, n=4)
    >>> y_small
    array([0, 1, 0, 2])
    >>> x_small[:, 0]
    array([0, 2, 6, 8])
    """
    n = validation.positive_int("n", n)
    seed = validation.seed("seed", seed)
    x, y = validation.samples(x, y)
    labels = validation.label_ids("y", y)
    if n > labels.shape[0]:
        raise ValueError(
            f"Cannot take n={n} samples: only {labels.shape[0]} are available."
        )
    classes, counts = np.unique(labels, return_counts=True)
    if n < len(classes):
        raise ValueError(
            f"n={n} is smaller than the number of classes ({len(classes)}); "
            "a balanced subset needs at least one sample per class."
        )
    base, extra = divmod(n, len(classes))
    rng = None if seed is None else np.random.default_rng(seed)
    chosen = []
    for i, (label, count) in enumerate(zip(classes, counts, strict=True)):
        quota = base + (1 if i < extra else 0)
        if count < quota:
            raise ValueError(
                f"Class {label} has only {count} samples, but a balanced "
                f"subset of n={n} over {len(classes)} classes needs {quota}."
            )
        (indices,) = np.nonzero(labels == label)
        if rng is None:
            chosen.append(indices[:quota])
        else:
            chosen.append(rng.choice(indices, size=quota, replace=False))
    order = np.sort(np.concatenate(chosen))
    return x[order], y[order]
