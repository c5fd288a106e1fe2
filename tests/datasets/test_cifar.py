"""Tests for `keras_cifar_blocks.datasets` (CIFAR loaders and `subset`).

The real CIFAR-10 archive is read from `$KCB_DATA_DIR` if set, else from
`../shared/data` next to the repository; those tests are skipped when it
is absent. Everything else uses small files written in the official
format into `tmp_path`.
"""

import builtins
import io
import os
import pickle
import re
import shlex
import tarfile
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_cifar_blocks import datasets
from keras_cifar_blocks.datasets import CIFAR10_CLASS_NAMES
from keras_cifar_blocks.datasets import CIFAR100_COARSE_CLASS_NAMES
from keras_cifar_blocks.datasets import CIFAR100_FINE_CLASS_NAMES
from keras_cifar_blocks.datasets import cifar as cifar_module
from keras_cifar_blocks.datasets import load_cifar10
from keras_cifar_blocks.datasets import load_cifar100
from keras_cifar_blocks.datasets import subset

ENV = "KCB_DATA_DIR"
ARCHIVE10 = "cifar-10-python.tar.gz"
FOLDER10 = "cifar-10-batches-py"
ARCHIVE100 = "cifar-100-python.tar.gz"
FOLDER100 = "cifar-100-python"
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
BATCHES10 = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]

_DEFAULT_REAL_DIR = Path(__file__).parents[2].parent / "shared" / "data"
REAL_DATA_DIR = Path(os.environ.get(ENV) or _DEFAULT_REAL_DIR)
REAL_ARCHIVE = REAL_DATA_DIR / ARCHIVE10


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """No test sees the user's KCB_DATA_DIR or Keras cache, or downloads."""
    monkeypatch.delenv(ENV, raising=False)
    keras_home = tmp_path_factory.mktemp("keras_home")
    monkeypatch.setenv("KERAS_HOME", str(keras_home))

    def no_download(*args, **kwargs):
        raise AssertionError("a test tried to download CIFAR")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", no_download)
    monkeypatch.setattr(keras.datasets.cifar100, "load_data", no_download)


# --------------------------------------------------------------------------
# Helpers writing files in the official "python version" format.
# --------------------------------------------------------------------------


def _raw_to_nhwc(data):
    """Independent per-pixel decoding of (N, 3072) rows to NHWC."""
    n = data.shape[0]
    out = np.zeros((n, 32, 32, 3), dtype=np.uint8)
    for channel in range(3):
        for row in range(32):
            start = channel * 1024 + row * 32
            out[:, row, :, channel] = data[:, start : start + 32]
    return out


def _write_pickle(path, obj, protocol=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def _make_batch(rng, n, labels_key, labels, name="batch"):
    return {
        b"batch_label": name.encode(),
        labels_key: labels,
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }


def write_fake_cifar10(root, n_per_batch=6, seed=0):
    """Write `root/cifar-10-batches-py/`; return it and expected arrays."""
    rng = np.random.default_rng(seed)
    folder = Path(root) / FOLDER10
    xs, ys = {}, {}
    for name in BATCHES10:
        labels = [int(v) for v in rng.integers(0, 10, size=n_per_batch)]
        batch = _make_batch(rng, n_per_batch, b"labels", labels, name)
        _write_pickle(folder / name, batch)
        xs[name] = _raw_to_nhwc(batch[b"data"])
        ys[name] = np.array(labels, dtype=np.int64)
    _write_pickle(
        folder / "batches.meta",
        {
            b"label_names": [n.encode() for n in CIFAR10_CLASS_NAMES],
            b"num_cases_per_batch": n_per_batch,
            b"num_vis": 3072,
        },
    )
    train = BATCHES10[:5]
    expected = (
        (
            np.concatenate([xs[n] for n in train]),
            np.concatenate([ys[n] for n in train]),
        ),
        (xs["test_batch"], ys["test_batch"]),
    )
    return folder, expected


def write_fake_cifar100(root, n_train=20, n_test=10, seed=0):
    """Write `root/cifar-100-python/`; return it and the raw dicts."""
    rng = np.random.default_rng(seed)
    folder = Path(root) / FOLDER100
    raw = {}
    for name, n in (("train", n_train), ("test", n_test)):
        batch = _make_batch(rng, n, b"fine_labels", None, name)
        batch[b"fine_labels"] = [int(v) for v in (np.arange(n) * 7 + 3) % 100]
        batch[b"coarse_labels"] = [int(v) for v in (np.arange(n) * 3) % 20]
        batch[b"data"] = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        raw[name] = batch
    # A known pattern in train image 3: one red, one green, one blue pixel.
    raw["train"][b"data"][3] = 0
    raw["train"][b"data"][3, 0 * 1024 + 1 * 32 + 2] = 11  # R at (1, 2)
    raw["train"][b"data"][3, 1 * 1024 + 5 * 32 + 7] = 22  # G at (5, 7)
    raw["train"][b"data"][3, 2 * 1024 + 31 * 32 + 0] = 33  # B at (31, 0)
    for name, batch in raw.items():
        _write_pickle(folder / name, batch)
    _write_pickle(
        folder / "meta",
        {
            b"fine_label_names": [
                n.encode() for n in CIFAR100_FINE_CLASS_NAMES
            ],
            b"coarse_label_names": [
                n.encode() for n in CIFAR100_COARSE_CLASS_NAMES
            ],
        },
    )
    return folder, raw


def make_tar_gz(folder, archive):
    """Pack `folder` as `archive` with the folder name as top level."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return archive


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _assert_equal_splits(got, expected):
    (x_train, y_train), (x_test, y_test) = got
    (ex_train, ey_train), (ex_test, ey_test) = expected
    np.testing.assert_array_equal(x_train, ex_train)
    np.testing.assert_array_equal(y_train, ey_train)
    np.testing.assert_array_equal(x_test, ex_test)
    np.testing.assert_array_equal(y_test, ey_test)


def _check_output_types(splits):
    for x, y in splits:
        assert isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
        assert (
            x.dtype == np.uint8 and x.ndim == 4 and x.shape[1:] == (32, 32, 3)
        )
        assert x.flags["C_CONTIGUOUS"]
        assert y.dtype == np.int64 and y.shape == (x.shape[0],)


# --------------------------------------------------------------------------
# Real CIFAR-10.
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_archive():
    if not REAL_ARCHIVE.is_file():
        pytest.skip(
            f"real CIFAR-10 archive not found at {REAL_ARCHIVE}; put "
            f"{ARCHIVE10} there or set {ENV} to the folder holding it"
        )
    return REAL_ARCHIVE


@pytest.fixture(scope="module")
def real_cifar10(real_archive):
    return load_cifar10(data_dir=real_archive.parent)


@pytest.fixture(scope="module")
def real_extracted(real_archive, tmp_path_factory):
    """The real archive extracted (safely) into a temporary folder."""
    root = tmp_path_factory.mktemp("real_extracted")
    with tarfile.open(real_archive) as tar:
        tar.extractall(root, filter="data")
    return root / FOLDER10


def test_real_shapes_dtypes_and_first_labels(real_cifar10):
    (x_train, y_train), (x_test, y_test) = real_cifar10
    _check_output_types(real_cifar10)
    assert x_train.shape == (50000, 32, 32, 3)
    assert x_test.shape == (10000, 32, 32, 3)
    assert y_train.shape == (50000,) and y_test.shape == (10000,)
    assert y_train[0] == 6 and CIFAR10_CLASS_NAMES[y_train[0]] == "frog"
    assert y_test[0] == 3 and CIFAR10_CLASS_NAMES[y_test[0]] == "cat"


def test_real_label_counts(real_cifar10):
    (_, y_train), (_, y_test) = real_cifar10
    assert np.bincount(y_train, minlength=10).tolist() == [5000] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [1000] * 10


def test_real_pixel_values_are_sane(real_cifar10):
    (x_train, _), (x_test, _) = real_cifar10
    for x in (x_train[:2000], x_test[:2000]):
        assert x.min() == 0 and x.max() == 255
        assert 100 < x.mean() < 150
        # Natural images: neighbouring pixels are strongly correlated.
        a = x[:, :, :-1].astype(np.float64).ravel()
        b = x[:, :, 1:].astype(np.float64).ravel()
        assert np.corrcoef(a, b)[0, 1] > 0.8


def test_real_pixels_match_independently_decoded_batches(
    real_cifar10, real_extracted
):
    (x_train, y_train), (x_test, y_test) = real_cifar10
    for name, x, y, offset in (
        ("data_batch_3", x_train, y_train, 20000),
        ("test_batch", x_test, y_test, 0),
    ):
        path = real_extracted / name
        raw = cifar_module._unpickle(path.read_bytes(), str(path))
        data = raw[b"data"]
        assert data.shape == (10000, 3072) and data.dtype == np.uint8
        np.testing.assert_array_equal(
            y[offset : offset + 10000], np.array(raw[b"labels"])
        )
        for i, row, col, channel in [
            (0, 0, 0, 0),
            (17, 5, 29, 1),
            (9999, 31, 31, 2),
            (4242, 16, 3, 0),
        ]:
            expected = data[i, channel * 1024 + row * 32 + col]
            assert x[offset + i, row, col, channel] == expected
        np.testing.assert_array_equal(
            x[offset : offset + 50], _raw_to_nhwc(data[:50])
        )


def test_real_class_names_match_batches_meta(real_extracted):
    path = real_extracted / "batches.meta"
    meta = cifar_module._unpickle(path.read_bytes(), str(path))
    names = tuple(n.decode() for n in meta[b"label_names"])
    assert names == CIFAR10_CLASS_NAMES


def test_real_extracted_folder_via_env_var_matches_archive(
    real_cifar10, real_extracted, monkeypatch
):
    # One load checks both: KCB_DATA_DIR names the folder that holds the
    # extracted cifar-10-batches-py/, and it decodes exactly like the
    # archive. (Other layouts are covered with small fake files below.)
    monkeypatch.setenv(ENV, str(real_extracted.parent))
    _assert_equal_splits(load_cifar10(), real_cifar10)


# --------------------------------------------------------------------------
# Where the data is found (small fake CIFAR-10).
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout", ["parent_of_folder", "folder", "parent_of_archive", "archive"]
)
def test_data_dir_layouts(tmp_path, layout):
    folder, expected = write_fake_cifar10(tmp_path / "src")
    if layout == "parent_of_folder":
        data_dir = folder.parent
    elif layout == "folder":
        data_dir = folder
    else:
        archive = make_tar_gz(folder, tmp_path / "dl" / ARCHIVE10)
        data_dir = archive.parent if layout == "parent_of_archive" else archive
    got = load_cifar10(data_dir=str(data_dir))
    _check_output_types(got)
    _assert_equal_splits(got, expected)


def test_extracted_folder_preferred_over_archive(tmp_path):
    folder, expected = write_fake_cifar10(tmp_path, seed=1)
    (tmp_path / ARCHIVE10).write_bytes(b"not an archive")
    _assert_equal_splits(load_cifar10(data_dir=tmp_path), expected)


def test_env_var_with_fake_archive(tmp_path, monkeypatch):
    folder, expected = write_fake_cifar10(tmp_path / "src")
    archive = make_tar_gz(folder, tmp_path / "env" / ARCHIVE10)
    monkeypatch.setenv(ENV, str(archive.parent))
    _assert_equal_splits(load_cifar10(), expected)


def test_explicit_data_dir_wins_over_env(tmp_path, monkeypatch):
    _, expected_env = write_fake_cifar10(tmp_path / "env", seed=1)
    _, expected_arg = write_fake_cifar10(tmp_path / "arg", seed=2)
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    _assert_equal_splits(load_cifar10(), expected_env)
    _assert_equal_splits(load_cifar10(data_dir=tmp_path / "arg"), expected_arg)


@pytest.mark.parametrize(
    "relative",
    [
        FOLDER10,
        f"{FOLDER10}-target/{FOLDER10}",
        ARCHIVE10,
        f"{FOLDER10}-target_archive",
    ],
)
def test_keras_cache_is_used_without_download(tmp_path, monkeypatch, relative):
    cache = tmp_path / "keras_home" / "datasets"
    folder, expected = write_fake_cifar10(tmp_path / "src")
    target = cache / relative
    if relative.endswith(FOLDER10):
        target.parent.mkdir(parents=True)
        folder.rename(target)
    else:
        make_tar_gz(folder, target)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    _assert_equal_splits(load_cifar10(), expected)


# --------------------------------------------------------------------------
# locate: where the loaders read from.
# --------------------------------------------------------------------------


def test_locate_names_the_env_var_folder(tmp_path, monkeypatch):
    write_fake_cifar10(tmp_path / "env")
    monkeypatch.setenv(ENV, str(tmp_path / "env" / ".." / "env"))
    assert datasets.locate("cifar10") == str((tmp_path / "env").resolve())
    assert datasets.locate() == datasets.locate("cifar10", None)


def test_locate_prefers_data_dir_as_the_loader_does(tmp_path, monkeypatch):
    write_fake_cifar10(tmp_path / "env")
    folder, _ = write_fake_cifar10(tmp_path / "arg")
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    assert datasets.locate("cifar10", tmp_path / "arg") == str(
        (tmp_path / "arg").resolve()
    )
    assert datasets.locate("cifar10", str(folder)) == str(folder.resolve())


@pytest.mark.parametrize(
    "relative",
    [
        FOLDER10,
        f"{FOLDER10}-target/{FOLDER10}",
        ARCHIVE10,
        f"{FOLDER10}-target_archive",
    ],
)
def test_locate_finds_the_keras_cache_copy_to_load_again(
    tmp_path, monkeypatch, relative
):
    cache = tmp_path / "keras_home" / "datasets"
    folder, expected = write_fake_cifar10(tmp_path / "src")
    target = cache / relative
    if relative.endswith(FOLDER10):
        target.parent.mkdir(parents=True)
        folder.rename(target)
    else:
        make_tar_gz(folder, target)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    located = datasets.locate("cifar10")
    assert located == str(target.resolve())
    # Recorded, then passed back as data_dir: the same files.
    _assert_equal_splits(load_cifar10(data_dir=located), expected)


def test_locate_is_none_when_the_loader_would_download():
    assert datasets.locate("cifar10") is None
    assert datasets.locate("cifar100") is None


def test_locate_cifar100(tmp_path, monkeypatch):
    write_fake_cifar100(tmp_path / "env")
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    assert datasets.locate("cifar100") == str((tmp_path / "env").resolve())
    with pytest.raises(FileNotFoundError, match="No CIFAR-10 data found"):
        datasets.locate("cifar10")


def test_locate_refuses_what_the_loader_refuses(tmp_path):
    missing = tmp_path / "nothing"
    with pytest.raises(FileNotFoundError) as located:
        datasets.locate("cifar10", missing)
    with pytest.raises(FileNotFoundError) as loaded:
        load_cifar10(data_dir=missing)
    assert str(located.value) == str(loaded.value)
    assert "(it does not exist)" in str(located.value)
    with pytest.raises(
        ValueError,
        match=r"Invalid value for argument `dataset`. Expected one of "
        r"\['cifar10', 'cifar100'\]. Received dataset='mnist'",
    ):
        datasets.locate("mnist")


@pytest.mark.parametrize("channels_first", [False, True])
def test_keras_download_fallback_output_is_converted(
    tmp_path, monkeypatch, channels_first
):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    x_test = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    y_train = np.arange(8, dtype=np.uint8).reshape(8, 1)
    y_test = np.arange(4, dtype=np.uint8).reshape(4, 1)

    def fake_load_data():
        if channels_first:
            return (x_train.transpose(0, 3, 1, 2), y_train), (
                x_test.transpose(0, 3, 1, 2),
                y_test,
            )
        return (x_train, y_train), (x_test, y_test)

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", fake_load_data)
    got = load_cifar10()
    _check_output_types(got)
    _assert_equal_splits(
        got, ((x_train, y_train[:, 0]), (x_test, y_test[:, 0]))
    )


# --------------------------------------------------------------------------
# CIFAR-100 (small files in the official format).
# --------------------------------------------------------------------------


@pytest.fixture
def fake_cifar100(tmp_path):
    return write_fake_cifar100(tmp_path / "c100")


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_labels(fake_cifar100, label_mode):
    folder, raw = fake_cifar100
    (x_train, y_train), (x_test, y_test) = load_cifar100(
        data_dir=folder.parent, label_mode=label_mode
    )
    _check_output_types([(x_train, y_train), (x_test, y_test)])
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (10, 32, 32, 3)
    key = f"{label_mode}_labels".encode()
    np.testing.assert_array_equal(y_train, raw["train"][key])
    np.testing.assert_array_equal(y_test, raw["test"][key])
    np.testing.assert_array_equal(x_train, _raw_to_nhwc(raw["train"][b"data"]))
    np.testing.assert_array_equal(x_test, _raw_to_nhwc(raw["test"][b"data"]))
    assert y_train.max() < (100 if label_mode == "fine" else 20)


def test_cifar100_default_label_mode_is_fine(fake_cifar100):
    folder, raw = fake_cifar100
    (_, y_train), _ = load_cifar100(data_dir=folder)
    np.testing.assert_array_equal(y_train, raw["train"][b"fine_labels"])


def test_cifar100_nhwc_pixel_pattern(fake_cifar100):
    folder, _ = fake_cifar100
    (x_train, _), _ = load_cifar100(data_dir=folder)
    image = x_train[3]
    assert image[1, 2, 0] == 11  # red plane, row 1, column 2
    assert image[5, 7, 1] == 22  # green plane, row 5, column 7
    assert image[31, 0, 2] == 33  # blue plane, row 31, column 0
    assert int(image.sum()) == 66


def test_cifar100_archive_matches_folder(fake_cifar100, tmp_path):
    folder, _ = fake_cifar100
    archive = make_tar_gz(folder, tmp_path / "dl" / ARCHIVE100)
    for label_mode in ("fine", "coarse"):
        _assert_equal_splits(
            load_cifar100(data_dir=archive.parent, label_mode=label_mode),
            load_cifar100(data_dir=folder, label_mode=label_mode),
        )
    _assert_equal_splits(
        load_cifar100(data_dir=archive), load_cifar100(data_dir=folder)
    )


def test_cifar100_str_keys_and_newer_pickle_protocol(tmp_path):
    # A copy re-saved by Python 3 (str keys, protocol 5) also loads.
    folder, raw = write_fake_cifar100(tmp_path)
    for name in ("train", "test"):
        batch = {k.decode(): v for k, v in raw[name].items()}
        _write_pickle(folder / name, batch, protocol=5)
    (x_train, y_train), _ = load_cifar100(tmp_path, label_mode="coarse")
    np.testing.assert_array_equal(y_train, raw["train"][b"coarse_labels"])
    np.testing.assert_array_equal(x_train, _raw_to_nhwc(raw["train"][b"data"]))


@pytest.mark.parametrize("label_mode", ["medium", "FINE", None, 1])
def test_cifar100_invalid_label_mode(fake_cifar100, label_mode):
    folder, _ = fake_cifar100
    with pytest.raises(ValueError, match=r"argument `label_mode`"):
        load_cifar100(data_dir=folder, label_mode=label_mode)


def test_cifar100_label_out_of_range(tmp_path):
    folder, raw = write_fake_cifar100(tmp_path)
    raw["test"][b"coarse_labels"][0] = 20
    _write_pickle(folder / "test", raw["test"])
    with pytest.raises(
        ValueError, match=r"test'.*Expected class ids in \[0, 20\)"
    ):
        load_cifar100(folder, label_mode="coarse")
    # The fine labels of the same file are still fine.
    load_cifar100(folder, label_mode="fine")


def test_cifar100_keras_fallback_gets_label_mode(monkeypatch):
    calls = []

    def fake_load_data(label_mode="fine"):
        calls.append(label_mode)
        x = np.zeros((2, 32, 32, 3), np.uint8)
        y = np.array([[19], [0]], np.int64)
        return (x, y), (x, y)

    monkeypatch.setattr(keras.datasets.cifar100, "load_data", fake_load_data)
    (_, y_train), _ = load_cifar100(label_mode="coarse")
    assert calls == ["coarse"]
    assert y_train.tolist() == [19, 0]


# --------------------------------------------------------------------------
# Security: crafted pickles and archives.
# --------------------------------------------------------------------------


class _Evil:
    """Unpickling this calls `func(arg)`: what a malicious file does."""

    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return (self.func, (self.arg,))


def _evil_payloads(marker):
    shell = f"echo pwned > {shlex.quote(str(marker))}"
    python = f"open({str(marker)!r}, 'w').write('pwned')"
    return {
        "os.system": _Evil(os.system, shell),
        "builtins.exec": _Evil(builtins.exec, python),
        "builtins.eval": _Evil(builtins.eval, python),
    }


@pytest.mark.parametrize("payload", ["os.system", "builtins.exec"])
@pytest.mark.parametrize("nested", [False, True])
def test_malicious_pickle_is_refused(tmp_path, payload, nested):
    folder, _ = write_fake_cifar10(tmp_path / "data")
    marker = tmp_path / "pwned"
    evil = _evil_payloads(marker)[payload]
    if nested:  # Hidden in an otherwise valid batch.
        rng = np.random.default_rng(0)
        obj = _make_batch(rng, 6, b"labels", [0] * 6)
        obj[b"labels"] = evil
    else:
        obj = evil
    _write_pickle(folder / "data_batch_1", obj)
    with pytest.raises(pickle.UnpicklingError) as info:
        load_cifar10(data_dir=folder.parent)
    message = str(info.value)
    assert "data_batch_1" in message and str(folder) in message
    assert "not allowed" in message
    # Pickle protocol 2 records `builtins` under its Python 2 name.
    assert re.search(r"`(posix|nt|os)\.system`|`__builtin__\.exec`", message)
    assert not marker.exists()


def test_malicious_pickle_in_archive_is_refused(tmp_path):
    folder, _ = write_fake_cifar10(tmp_path / "data")
    marker = tmp_path / "pwned"
    _write_pickle(
        folder / "test_batch", _evil_payloads(marker)["builtins.eval"]
    )
    archive = make_tar_gz(folder, tmp_path / "dl" / ARCHIVE10)
    with pytest.raises(
        pickle.UnpicklingError,
        match=rf"{FOLDER10}/test_batch'.*{re.escape(str(archive))}.*"
        r"__builtin__\.eval",
    ):
        load_cifar10(data_dir=archive.parent)
    assert not marker.exists()


@pytest.mark.parametrize(
    "bad_name, problem",
    [
        ("../evil", "'..'"),
        (f"{FOLDER10}/../../evil", "'..'"),
        ("ABSOLUTE", "absolute path"),
    ],
)
def test_archive_with_unsafe_path_is_refused(tmp_path, bad_name, problem):
    folder, _ = write_fake_cifar10(tmp_path / "src")
    work = tmp_path / "a" / "b"
    archive = work / ARCHIVE10
    outside = tmp_path / "a" / "evil"
    if bad_name == "ABSOLUTE":
        bad_name = str(tmp_path / "absolute_evil")
        outside = tmp_path / "absolute_evil"
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder / "data_batch_1", arcname=f"{FOLDER10}/data_batch_1")
        _add_bytes(tar, bad_name, b"evil")
        tar.add(folder, arcname=FOLDER10)
    with tarfile.open(archive) as tar:  # The crafted name was kept.
        assert bad_name in tar.getnames()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(
        ValueError,
        match=rf"Refusing to read the archive '{re.escape(str(archive))}'.*"
        + re.escape(problem),
    ):
        load_cifar10(data_dir=work)
    assert not outside.exists()
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("link_type", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_archive_with_link_is_refused(tmp_path, link_type):
    archive = tmp_path / ARCHIVE10
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(f"{FOLDER10}/data_batch_1")
        info.type = link_type
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(ValueError, match=r"data_batch_1'.*is a link"):
        load_cifar10(data_dir=tmp_path)


# --------------------------------------------------------------------------
# Corrupt and malformed files.
# --------------------------------------------------------------------------


def test_truncated_archive(tmp_path):
    folder, _ = write_fake_cifar10(tmp_path / "src")
    archive = make_tar_gz(folder, tmp_path / "dl" / ARCHIVE10)
    content = archive.read_bytes()
    archive.write_bytes(content[: len(content) // 2])
    with pytest.raises(
        ValueError, match=rf"{re.escape(str(archive))}.*truncated or corrupt"
    ):
        load_cifar10(data_dir=archive.parent)


def test_not_an_archive(tmp_path):
    path = tmp_path / "cifar.tgz"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_cifar10(data_dir=path)


def test_archive_without_cifar_members(tmp_path):
    folder, _ = write_fake_cifar10(tmp_path / "src")
    archive = tmp_path / "dl" / ARCHIVE10
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder / "data_batch_1", arcname=f"{FOLDER10}/data_batch_1")
    with pytest.raises(ValueError, match=r"does not contain.*data_batch_2"):
        load_cifar10(data_dir=archive.parent)


def test_truncated_pickle_in_folder(tmp_path):
    folder, _ = write_fake_cifar10(tmp_path)
    path = folder / "data_batch_2"
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(
        ValueError, match=rf"{re.escape(str(path))}.*truncated or corrupt"
    ):
        load_cifar10(data_dir=tmp_path)


def test_truncated_pickle_in_archive(tmp_path):
    folder, _ = write_fake_cifar10(tmp_path / "src")
    path = folder / "test_batch"
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 3])
    archive = make_tar_gz(folder, tmp_path / "dl" / ARCHIVE10)
    with pytest.raises(
        ValueError, match=rf"test_batch' in the archive .*{ARCHIVE10}"
    ):
        load_cifar10(data_dir=archive)


def _corrupt_batch(rng, kind):
    batch = _make_batch(rng, 6, b"labels", [1] * 6)
    if kind == "columns":
        batch[b"data"] = batch[b"data"][:, :3000]
    elif kind == "dtype":
        batch[b"data"] = batch[b"data"].astype(np.float32)
    elif kind == "label_count":
        batch[b"labels"] = [1] * 5
    elif kind == "label_range":
        batch[b"labels"] = [0, 1, 2, 3, 4, 10]
    elif kind == "negative_label":
        batch[b"labels"] = [0, 1, 2, 3, 4, -1]
    elif kind == "missing_key":
        del batch[b"labels"]
    elif kind == "not_a_dict":
        batch = [batch[b"data"]]
    return batch


@pytest.mark.parametrize(
    "kind, pattern",
    [
        ("columns", r"shape \(num_images, 3072\)"),
        ("dtype", r"dtype uint8"),
        ("label_count", r"6 images but 5 labels"),
        ("label_range", r"Expected class ids in \[0, 10\)"),
        ("negative_label", r"Expected class ids in \[0, 10\)"),
        ("missing_key", r"no 'labels' entry"),
        ("not_a_dict", r"should hold a dict"),
    ],
)
def test_malformed_batch(tmp_path, kind, pattern):
    folder, _ = write_fake_cifar10(tmp_path)
    path = folder / "data_batch_4"
    _write_pickle(path, _corrupt_batch(np.random.default_rng(0), kind))
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*{pattern}"):
        load_cifar10(data_dir=folder)


def test_missing_batch_in_folder(tmp_path):
    folder, _ = write_fake_cifar10(tmp_path)
    (folder / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match=r"data_batch_4"):
        load_cifar10(data_dir=folder)


# --------------------------------------------------------------------------
# Missing data.
# --------------------------------------------------------------------------


def test_empty_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(data_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    assert ARCHIVE10 in message and f"{FOLDER10}/" in message
    assert ENV in message and CIFAR_URL in message


def test_missing_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*" + ENV):
        load_cifar10(data_dir=tmp_path / "nope")


def test_empty_env_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path))
    with pytest.raises(
        FileNotFoundError, match=rf"environment variable.*{ARCHIVE100}"
    ):
        load_cifar100()


@pytest.mark.parametrize(
    "loader, module, archive, folder",
    [
        (load_cifar10, keras.datasets.cifar10, ARCHIVE10, FOLDER10),
        (load_cifar100, keras.datasets.cifar100, ARCHIVE100, FOLDER100),
    ],
)
def test_offline_fallback_error(
    tmp_path, monkeypatch, loader, module, archive, folder
):
    keras_home = tmp_path / "empty_keras_home"
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    error = Exception("URL fetch failure on https://...: None -- no network")

    def offline_load_data(*args, **kwargs):
        raise error

    monkeypatch.setattr(module, "load_data", offline_load_data)
    with pytest.raises(FileNotFoundError) as info:
        loader()
    message = str(info.value)
    assert "no network" in message
    assert archive in message and f"{folder}/" in message
    assert ENV in message and "data_dir=" in message and CIFAR_URL in message
    assert str(keras_home / "datasets") in message
    assert info.value.__cause__ is error


# --------------------------------------------------------------------------
# subset.
# --------------------------------------------------------------------------


@pytest.fixture
def labelled():
    rng = np.random.default_rng(0)
    y = rng.permutation(np.repeat(np.arange(10), 50))
    x = np.arange(len(y))  # x[i] == i, to check x and y stay paired
    return x, y


def test_subset_is_balanced(labelled):
    x, y = labelled
    x_sub, y_sub = subset(x, y, 100)
    assert np.bincount(y_sub, minlength=10).tolist() == [10] * 10
    np.testing.assert_array_equal(y_sub, y[x_sub])
    x_sub, y_sub = subset(x, y, 25, seed=3)
    assert np.bincount(y_sub).tolist() == [3] * 5 + [2] * 5
    assert len(set(x_sub.tolist())) == 25


def test_subset_without_seed_takes_first_per_class(labelled):
    x, y = labelled
    x_sub, y_sub = subset(x, y, 20)
    expected = np.sort(
        np.concatenate([np.nonzero(y == c)[0][:2] for c in range(10)])
    )
    np.testing.assert_array_equal(x_sub, expected)
    np.testing.assert_array_equal(y_sub, y[expected])


def test_subset_seeded_is_reproducible(labelled):
    x, y = labelled
    a = subset(x, y, 50, seed=7)
    b = subset(x, y, 50, seed=7)
    c = subset(x, y, 50, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert np.all(np.diff(a[0]) > 0)  # original order is kept
    np.testing.assert_array_equal(a[1], y[a[0]])


def test_subset_keeps_label_shape_and_sample_shape():
    x = np.arange(6 * 4).reshape(6, 2, 2)
    y = np.array([[0], [1], [0], [1], [0], [1]])
    x_sub, y_sub = subset(x, y, 4)
    assert x_sub.shape == (4, 2, 2) and y_sub.shape == (4, 1)
    np.testing.assert_array_equal(y_sub[:, 0], [0, 1, 0, 1])


def test_subset_of_real_data(real_cifar10):
    (x_train, y_train), _ = real_cifar10
    x_sub, y_sub = subset(x_train, y_train, 1000, seed=0)
    assert x_sub.shape == (1000, 32, 32, 3) and x_sub.dtype == np.uint8
    assert np.bincount(y_sub).tolist() == [100] * 10


@pytest.mark.parametrize(
    "n, pattern",
    [
        (501, r"Cannot take n=501 samples: only 500 are available"),
        (9, r"n=9 is smaller than the number of classes \(10\)"),
        (0, r"argument `n`.*strictly positive"),
        (-3, r"argument `n`.*strictly positive"),
        (2.5, r"argument `n`.*strictly positive"),
        (True, r"argument `n`.*strictly positive"),
    ],
)
def test_subset_bad_n(labelled, n, pattern):
    x, y = labelled
    with pytest.raises(ValueError, match=pattern):
        subset(x, y, n)


def test_subset_class_with_too_few_samples():
    y = np.array([0] * 10 + [1] * 10 + [2] * 2)
    with pytest.raises(
        ValueError, match=r"Class 2 has only 2 samples.*n=12.*needs 4"
    ):
        subset(np.zeros((22, 3)), y, 12)


def test_subset_bad_inputs(labelled):
    x, y = labelled
    with pytest.raises(ValueError, match=r"same number of samples"):
        subset(x[:-1], y, 20)
    with pytest.raises(ValueError, match=r"argument `y`. Expected integer"):
        subset(x, y.astype(np.float32), 20)
    with pytest.raises(ValueError, match=r"argument `seed`"):
        subset(x, y, 20, seed="0")


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_subset_refuses_a_seed_numpy_would_refuse(labelled, seed):
    # seed=-1 used to pass the check, then fail inside NumPy.
    x, y = labelled
    with pytest.raises(
        ValueError,
        match=(
            r"Invalid value for argument `seed`\. Expected None or a "
            rf"non-negative integer\. Received seed={seed!r}"
        ),
    ):
        subset(x, y, 20, seed=seed)


def test_public_api():
    assert sorted(datasets.__all__) == sorted(
        [
            "ArrayDataset",
            "CIFAR10_CLASS_NAMES",
            "CIFAR100_COARSE_CLASS_NAMES",
            "CIFAR100_FINE_CLASS_NAMES",
            "load_cifar10",
            "load_cifar100",
            "locate",
            "make_dataset",
            "subset",
            "train_validation_split",
        ]
    )
    assert len(CIFAR10_CLASS_NAMES) == 10
    assert len(CIFAR100_FINE_CLASS_NAMES) == 100
    assert len(CIFAR100_COARSE_CLASS_NAMES) == 20
    # The official names are in alphabetical order.
    assert list(CIFAR10_CLASS_NAMES) == sorted(CIFAR10_CLASS_NAMES)
    assert list(CIFAR100_FINE_CLASS_NAMES) == sorted(CIFAR100_FINE_CLASS_NAMES)
    assert list(CIFAR100_COARSE_CLASS_NAMES) == sorted(
        CIFAR100_COARSE_CLASS_NAMES
    )
