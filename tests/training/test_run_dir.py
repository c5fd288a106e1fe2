import json
import os
import stat
import zipfile

import keras
import pytest

from keras_cifar_blocks.architectures import recipe
from keras_cifar_blocks.training import run_dir


def test_write_json_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "data.json"
    run_dir.write_json(path, {"a": 1})
    run_dir.write_json(path, {"a": 2, "b": [1.5, None]})
    assert run_dir.read_json(path) == {"a": 2, "b": [1.5, None]}
    assert os.listdir(tmp_path) == ["data.json"]


def test_write_json_keeps_the_old_file_when_serialization_fails(tmp_path):
    path = run_dir.write_json(tmp_path / "data.json", {"a": 1})
    with pytest.raises(TypeError):
        run_dir.write_json(path, {"a": object()})
    assert run_dir.read_json(path) == {"a": 1}
    assert os.listdir(tmp_path) == ["data.json"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_write_json_files_get_the_permissions_the_umask_leaves(
    tmp_path, umask, mode
):
    previous = os.umask(umask)
    try:
        path = run_dir.write_json(tmp_path / "config.json", {"a": 1})
        run_dir.write_json(path, {"a": 2})  # Replaced: the same mode.
        report = tmp_path / "report.md"
        report.write_text("# Report\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert stat.S_IMODE(report.stat().st_mode) == mode


def test_write_json_default_serializes_other_values(tmp_path):
    path = run_dir.write_json(
        tmp_path / "data.json", {"path": tmp_path}, default=str
    )
    assert run_dir.read_json(path) == {"path": str(tmp_path)}


def test_read_json_names_a_corrupt_file(tmp_path):
    path = tmp_path / "history.json"
    path.write_text('{"epoch": [1, 2')
    with pytest.raises(ValueError, match="history.json' is not valid JSON"):
        run_dir.read_json(path)


def test_merge_epoch_appends_and_replaces_later_epochs():
    history = run_dir.empty_history()
    history = run_dir.merge_epoch(history, 1, {"loss": 2.0})
    history = run_dir.merge_epoch(history, 2, {"loss": 1.5, "val_loss": 1.7})
    history = run_dir.merge_epoch(history, 3, {"loss": 1.2, "val_loss": 1.4})
    assert history == {
        "epoch": [1, 2, 3],
        "loss": [2.0, 1.5, 1.2],
        "val_loss": [None, 1.7, 1.4],
    }
    # A resume from the backup of epoch 1 trains epoch 2 again: its new
    # logs replace epochs 2 and 3 of the interrupted process.
    resumed = run_dir.merge_epoch(history, 2, {"loss": 1.6, "val_loss": 1.8})
    assert resumed == {
        "epoch": [1, 2],
        "loss": [2.0, 1.6],
        "val_loss": [None, 1.8],
    }


def test_history_records_round_trip():
    history = {"epoch": [1, 2], "loss": [2.0, 1.0], "val_loss": [None, 1.1]}
    records = run_dir.history_records(history)
    assert records == [
        {"epoch": 1, "loss": 2.0},
        {"epoch": 2, "loss": 1.0, "val_loss": 1.1},
    ]
    assert run_dir.history_from_records(records) == history


def _fake_run(folder, architecture="li2018_model1", status="running"):
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "architecture": architecture,
        "status": status,
        "settings": {"epochs": 3, "seed": 0},
    }
    run_dir.write_json(folder / run_dir.CONFIG, config)
    return config


def test_existing_run_none_for_missing_or_empty_folder(tmp_path):
    assert run_dir.existing_run(tmp_path / "new", "li2018_model1") is None
    assert run_dir.existing_run(tmp_path, "li2018_model1") is None


def test_existing_run_returns_the_config_of_the_same_architecture(tmp_path):
    config = _fake_run(tmp_path)
    assert run_dir.existing_run(tmp_path, "li2018_model1") == config


def test_existing_run_refuses_another_architectures_run(tmp_path):
    _fake_run(tmp_path, architecture="wrn_28_10")
    with pytest.raises(
        FileExistsError,
        match="Refusing to overwrite .*: it holds a run of 'wrn_28_10', not "
        "'li2018_model1'",
    ):
        run_dir.existing_run(tmp_path, "li2018_model1")


def test_existing_run_refuses_a_folder_that_is_not_a_run(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(FileExistsError, match="holds no run"):
        run_dir.existing_run(tmp_path, "li2018_model1")
    with pytest.raises(FileExistsError, match="which is a file"):
        run_dir.existing_run(tmp_path / "thesis.tex", "li2018_model1")


def test_load_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        run_dir.load_config(tmp_path)
    (tmp_path / run_dir.CONFIG).write_text(json.dumps({"a": 1}))
    with pytest.raises(ValueError, match="names no architecture"):
        run_dir.load_config(tmp_path)


def _saved_model(path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(path)
    return model


def test_load_model_loads_the_runs_model(tmp_path):
    model = _saved_model(tmp_path / run_dir.MODEL)
    loaded = run_dir.load_model(tmp_path)
    assert [w.shape for w in loaded.get_weights()] == [
        w.shape for w in model.get_weights()
    ]


def test_load_model_needs_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no model.keras"):
        run_dir.load_model(tmp_path)


def _cut_off(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _weights_cut_off(path):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name.endswith(".h5"):
                data = data[:100]
            archive.writestr(name, data)


def _config_cut_off(path):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name == "config.json":
                data = data[:10]
            archive.writestr(name, data)


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda p: p.write_bytes(_cut_off(p.read_bytes())), "zip directory"),
        (lambda p: p.write_bytes(b"not a zip file"), "zip directory"),
        (lambda p: p.write_bytes(b""), "zip directory"),
        (_weights_cut_off, "OSError"),
        (_config_cut_off, "JSONDecodeError"),
    ],
    ids=["truncated", "junk", "empty", "weights_truncated", "config_cut"],
)
def test_load_model_says_a_damaged_model_is_corrupt(tmp_path, damage, problem):
    path = tmp_path / run_dir.MODEL
    _saved_model(path)
    damage(path)
    with pytest.raises(ValueError) as info:
        run_dir.load_model(tmp_path)
    message = str(info.value)
    assert message.startswith(f"'{path}' is corrupt: it is not a complete ")
    assert problem in message
    assert "File not found" not in message


def test_set_status(tmp_path):
    _fake_run(tmp_path)
    assert run_dir.set_status(tmp_path, "trained")["status"] == "trained"
    assert run_dir.load_config(tmp_path)["status"] == "trained"


def test_changed_settings_ignores_epochs_and_tuple_list_differences():
    old = {"epochs": 3, "seed": 0, "overrides": {"dropout": [0.2, 0.3]}}
    new = {"epochs": 9, "seed": 0, "overrides": {"dropout": (0.2, 0.3)}}
    assert run_dir.changed_settings(old, new) == {}
    assert run_dir.changed_settings(old, {**new, "seed": 1}) == {"seed": (0, 1)}


def test_remove_run_deletes_only_what_a_run_writes(tmp_path):
    _fake_run(tmp_path)
    for name in (run_dir.HISTORY, run_dir.MODEL, run_dir.REPORT, "notes.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / run_dir.BACKUP).mkdir()
    (tmp_path / run_dir.BACKUP / "latest.weights.h5").write_text("x")
    run_dir.remove_run(tmp_path)
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_recipe_as_dict_is_json_ready():
    data = run_dir.recipe_as_dict(recipe("wrn_28_10"))
    assert json.loads(json.dumps(data)) == data
    assert data["schedule"]["type"] == "PiecewiseConstantByEpoch"
    assert data["optimizer_options"]["momentum"] == 0.9
    assert data["accuracy"]["value"] == recipe("wrn_28_10").accuracy.value


def test_environment_names_the_backend_and_versions():
    import keras

    environment = run_dir.environment()
    assert environment["backend"] == keras.backend.backend()
    assert environment["versions"]["keras"] == keras.__version__
    assert "keras_cifar_blocks" in environment["versions"]
