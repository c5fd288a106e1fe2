"""`reproduce`: the report's protocol, the exported rows, resume, refusals.

The runs are small (a class-balanced subset of real CIFAR-10 and 2-3
epochs) and in float32, so that the accuracy the protocol reports can be
compared with the history on every backend.
"""

import pytest

from keras_cifar_blocks.architectures import Protocol
from keras_cifar_blocks.architectures import names
from keras_cifar_blocks.architectures import recipe
from keras_cifar_blocks.training import reproduce
from keras_cifar_blocks.training import reproduction
from keras_cifar_blocks.training import run_dir

SMALL = {"subset": 500, "test_subset": 256, "precision": "float32"}


def _reproduce(name, tmp_path, cifar10_dir, **kwargs):
    return reproduce(
        name,
        runs_dir=tmp_path / "runs",
        results_dir=tmp_path / "results",
        data_dir=cifar10_dir,
        verbose=0,
        **{**SMALL, **kwargs},
    )


@pytest.fixture(scope="module")
def final_row(tmp_path_factory, cifar10_dir):
    """li2018_model1 under its report's protocol, 2 epochs."""
    tmp_path = tmp_path_factory.mktemp("reproduce_final")
    summary = _reproduce(
        "li2018_model1",
        tmp_path,
        cifar10_dir,
        epochs=2,
        command="kcb reproduce li2018_model1 --epochs 2",
    )
    return tmp_path, summary


def test_every_recipe_states_a_protocol():
    for name in names():
        protocol = recipe(name).protocol
        assert isinstance(protocol, Protocol)
        assert protocol.note, name
    assert recipe("li2018_model3_2").protocol.validation == "test"
    assert recipe("li2018_model3_2").protocol.reported == "final"
    assert recipe("schnack2022").protocol.reported == "best"
    assert recipe("donzella_cnn").protocol.reported == "final"
    assert recipe("fast_cifar").protocol.validation == "none"
    assert recipe("ntua_simple_cnn").protocol.validation == "split"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"validation": "train"}, "argument `validation`. Expected one of"),
        ({"validation": "test", "reported": "last"}, "argument `reported`"),
        ({"validation": "none", "reported": "best"}, "no best epoch"),
        ({"validation": "split", "validation_split": 0.0}, "open range"),
    ],
)
def test_invalid_protocols(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Protocol(**kwargs)


def test_row_names():
    assert reproduction.row_name("a", "mixed_bfloat16", "tensorflow") == "a"
    assert reproduction.row_name("a", "float32", "tensorflow") == "a-float32"
    assert reproduction.row_name("a", "float32", "jax") == "a-jax"
    assert (
        reproduction.row_name("a", "mixed_bfloat16", "torch")
        == "a-mixed_bfloat16-torch"
    )


def test_final_protocol_trains_on_all_images_and_watches_the_test_set(
    final_row,
):
    tmp_path, summary = final_row
    row = tmp_path / "results" / summary_row(summary)
    config = run_dir.read_json(row / run_dir.CONFIG)
    assert config["settings"]["val_split"] == 0.0
    assert config["settings"]["validate_on_test"] is True
    assert config["settings"]["keep"] == "last"
    assert config["settings"]["precision"] == "float32"
    # Every training image of the subset is trained on; the test images
    # are the validation data.
    assert config["data"]["sizes"] == {
        "train": 500,
        "validation": 256,
        "test": 256,
    }
    history = run_dir.read_json(row / run_dir.HISTORY)
    assert history["epoch"] == [1, 2]
    # The reported number is the last epoch's test accuracy.
    assert summary["reported_epoch"] == 2
    assert summary["ours"] == pytest.approx(
        history["val_accuracy"][-1], abs=1.5 / 256
    )
    metrics = run_dir.read_json(row / run_dir.METRICS)
    assert summary["ours"] == metrics["test_accuracy"]
    assert summary["difference_points"] == pytest.approx(
        100 * (summary["ours"] - 0.6834), abs=0.01
    )


def summary_row(summary) -> str:
    return reproduction.row_name(
        summary["architecture"], summary["precision"], summary["backend"]
    )


def test_row_holds_the_light_files_and_the_table(final_row):
    tmp_path, summary = final_row
    row = tmp_path / "results" / summary_row(summary)
    for name in reproduction.EXPORTED:
        assert (row / name).is_file(), name
    assert not (row / run_dir.MODEL).exists()
    assert (tmp_path / "runs" / row.name / run_dir.MODEL).is_file()
    assert run_dir.read_json(row / reproduction.SUMMARY) == summary
    assert summary["status"] == "complete"
    assert summary["full_protocol"] is False
    assert summary["epochs_run"] == 2
    assert summary["wall_seconds"] > 0
    assert summary["hardware"]["cpu_count"] >= 1
    assert summary["command"] == "kcb reproduce li2018_model1 --epochs 2"
    readme = (tmp_path / "results" / reproduction.TABLE).read_text()
    assert f"| `{row.name}` | 68.34% (CIFAR-10) |" in readme
    assert "68.34% (CIFAR-10)" in readme
    assert "not the full protocol" in readme


def test_best_protocol_reports_the_best_test_epoch(tmp_path, cifar10_dir):
    summary = _reproduce("schnack2022", tmp_path, cifar10_dir, epochs=3)
    row = tmp_path / "results" / summary_row(summary)
    config = run_dir.read_json(row / run_dir.CONFIG)
    assert config["settings"]["keep"] == "best"
    assert config["settings"]["validate_on_test"] is True
    history = run_dir.read_json(row / run_dir.HISTORY)
    best = max(history["val_accuracy"])
    assert (
        summary["reported_epoch"]
        == (history["epoch"][history["val_accuracy"].index(best)])
    )
    assert summary["ours"] == pytest.approx(best, abs=1.5 / 256)


def test_a_stopped_reproduction_is_partial_then_resumes(
    tmp_path, cifar10_dir, monkeypatch
):
    export = reproduction._Exporter.on_epoch_end

    def stop_after_two(self, epoch, logs=None):
        export(self, epoch, logs)
        if epoch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(reproduction._Exporter, "on_epoch_end", stop_after_two)
    with pytest.raises(KeyboardInterrupt):
        _reproduce("li2018_model1", tmp_path, cifar10_dir, epochs=3)
    row = (
        tmp_path
        / "results"
        / reproduction.row_name("li2018_model1", "float32", _backend())
    )
    partial = run_dir.read_json(row / reproduction.SUMMARY)
    assert partial["status"] == "partial"
    assert partial["epochs_run"] == 2
    assert partial["ours"] is None
    history = run_dir.read_json(row / run_dir.HISTORY)
    assert partial["ours_so_far"] == history["val_accuracy"][-1]
    assert (
        "partial; estimate" in (tmp_path / "results" / "README.md").read_text()
    )

    monkeypatch.setattr(reproduction._Exporter, "on_epoch_end", export)
    summary = _reproduce("li2018_model1", tmp_path, cifar10_dir, epochs=3)
    assert summary["status"] == "complete"
    assert summary["epochs_run"] == 3
    assert len(summary["resumed"]) == 1
    history = run_dir.read_json(row / run_dir.HISTORY)
    assert history["epoch"] == [1, 2, 3]


def test_unknown_name(tmp_path):
    with pytest.raises(ValueError, match="argument `name`"):
        reproduce("li2018_model9", results_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_refuses_a_results_folder_of_another_architecture(tmp_path):
    row = (
        tmp_path
        / "results"
        / reproduction.row_name(
            "li2018_model1",
            reproduction.reproduction_precision(),
            _backend(),
        )
    )
    row.mkdir(parents=True)
    theirs = {"architecture": "schnack2022", "status": "complete"}
    run_dir.write_json(row / reproduction.SUMMARY, theirs)
    with pytest.raises(FileExistsError, match="reproduction of 'schnack2022'"):
        reproduce("li2018_model1", results_dir=tmp_path / "results")
    assert run_dir.read_json(row / reproduction.SUMMARY) == theirs


def test_refuses_a_run_folder_of_another_architecture(tmp_path):
    run = (
        tmp_path
        / "runs"
        / reproduction.row_name("li2018_model1", "float32", _backend())
    )
    run.mkdir(parents=True)
    theirs = {"architecture": "schnack2022", "status": "complete"}
    run_dir.write_json(run / run_dir.CONFIG, theirs)
    with pytest.raises(FileExistsError, match="run of 'schnack2022'"):
        reproduce(
            "li2018_model1",
            runs_dir=tmp_path / "runs",
            results_dir=tmp_path / "results",
            precision="float32",
        )
    assert run_dir.read_json(run / run_dir.CONFIG) == theirs
    assert not (tmp_path / "results").exists()


def test_missing_data_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz"):
        reproduce(
            "li2018_model1",
            runs_dir=tmp_path / "runs",
            results_dir=tmp_path / "results",
            data_dir=tmp_path,
        )
    assert not (tmp_path / "results").exists()


def test_write_table_keeps_the_notes_outside_its_markers(final_row):
    tmp_path, _ = final_row
    results = tmp_path / "results"
    readme = results / reproduction.TABLE
    readme.write_text(
        "# Notes before\n\n"
        f"{reproduction.TABLE_BEGIN}\nold table\n{reproduction.TABLE_END}\n"
        "\n## Notes after\n"
    )
    reproduction.write_table(results)
    text = readme.read_text()
    assert text.startswith("# Notes before\n")
    assert text.endswith("## Notes after\n")
    assert "old table" not in text
    assert "| Row | Documented | Ours |" in text


def test_reproduced_accuracies_skip_partial_and_smoke_rows(final_row):
    tmp_path, _ = final_row
    # The only row was trained with --epochs: not the full protocol.
    assert reproduction.reproduced_accuracies(tmp_path / "results") == {}


def _backend():
    import keras

    return keras.backend.backend()


def test_cost_estimates_scale_with_flops_and_use_measured_rows(tmp_path):
    results = tmp_path / "results"
    row = results / "li2018_model1"
    row.mkdir(parents=True)
    # A measured row: 6 s per epoch of li2018_model1 on this machine.
    run_dir.write_json(
        row / reproduction.SUMMARY,
        {
            "architecture": "li2018_model1",
            "full_protocol": True,
            "seconds_per_epoch": 6.0,
        },
    )
    names = ["li2018_model1", "li2018_model3_1", "fast_cifar"]
    estimates = reproduction.cost_estimates(results, names)
    rows = estimates["architectures"]
    assert list(rows) == names
    model1 = rows["li2018_model1"]
    # 50,000 training images and 10,000 test images each epoch.
    assert model1["flops_per_epoch"] == (
        50_000 * model1["training_flops_per_image"]
        + 10_000 * model1["forward_flops_per_image"]
    )
    assert model1["cpu_basis"] == "measured"
    assert model1["cpu_hours"] == pytest.approx(6.0 * 100 / 3600)
    # The others at the measured row's FLOP rate.
    rate = model1["flops_per_epoch"] / 6.0
    model3 = rows["li2018_model3_1"]
    assert model3["cpu_basis"] == "rate"
    assert model3["cpu_hours"] == pytest.approx(
        model3["recipe_flops"] / rate / 3600
    )
    # airbench94's own figure: 9.9 epochs of its network in 3.83 s.
    fast = rows["fast_cifar"]
    assert fast["gpu_hours"] * 3600 == pytest.approx(
        3.83
        * fast["recipe_flops"]
        / (9.9 * 50_000 * fast["training_flops_per_image"])
    )


def test_write_estimates_adds_its_block_to_the_readme(final_row, monkeypatch):
    tmp_path, _ = final_row
    results = tmp_path / "results"
    original = reproduction.cost_estimates
    monkeypatch.setattr(
        reproduction,
        "cost_estimates",
        lambda results_dir: original(results_dir, ["li2018_model1"]),
    )
    readme = reproduction.write_estimates(results)
    text = readme.read_text()
    assert reproduction.TABLE_BEGIN in text  # The results table stays.
    assert "| `li2018_model1` | 42,442 |" in text
    estimates = run_dir.read_json(results / reproduction.ESTIMATES)
    assert list(estimates["architectures"]) == ["li2018_model1"]


def test_a_finished_row_is_exported_again_not_retrained(
    final_row, cifar10_dir, monkeypatch
):
    tmp_path, summary = final_row

    def no_training(*args, **kwargs):
        raise AssertionError("a finished reproduction was trained again")

    monkeypatch.setattr(reproduction, "train", no_training)
    again = _reproduce("li2018_model1", tmp_path, cifar10_dir, epochs=2)
    assert again["ours"] == summary["ours"]
    assert again["status"] == "complete"


def test_a_variant_of_the_recipe_is_its_own_row(final_row, cifar10_dir):
    tmp_path, reference = final_row
    changes = {
        "input_normalization": "standardize_per_channel",
        "optimizer_options.epsilon": 1e-14,
    }
    summary = _reproduce(
        "li2018_model1",
        tmp_path,
        cifar10_dir,
        epochs=1,
        recipe_overrides=changes,
    )
    row = reproduction.row_name(
        "li2018_model1", summary["precision"], summary["backend"], changes
    )
    assert row.startswith(
        "li2018_model1-input_normalization=standardize_per_channel"
        "+optimizer_options.epsilon=1e-14"
    )
    folder = tmp_path / "results" / row
    config = run_dir.read_json(folder / run_dir.CONFIG)
    # The run trained with the changed recipe, and says so.
    assert config["settings"]["recipe_overrides"] == changes
    assert config["recipe"]["input_normalization"] == "standardize_per_channel"
    assert dict(config["recipe"]["optimizer_options"])["epsilon"] == 1e-14
    assert config["data"]["normalization"]["mode"] == "standardize_per_channel"
    assert summary["recipe_overrides"] == changes
    readme = (tmp_path / "results" / reproduction.TABLE).read_text()
    assert "variant of the recipe: input_normalization=" in readme
    # The row of the report's recipe is its own, with the report's recipe.
    reference_row = tmp_path / "results" / summary_row(reference)
    assert reference_row != folder
    assert reference["recipe_overrides"] == {}
    reference_config = run_dir.read_json(reference_row / run_dir.CONFIG)
    assert reference_config["settings"]["recipe_overrides"] == {}
    assert reference_config["recipe"]["input_normalization"] == (
        recipe("li2018_model1").input_normalization
    )


def test_a_variant_never_counts_as_the_reproduction(tmp_path):
    for row, overrides in (("a", {}), ("a-lr", {"learning_rate": 0.1})):
        (tmp_path / row).mkdir()
        run_dir.write_json(
            tmp_path / row / reproduction.SUMMARY,
            {
                "architecture": "li2018_model1",
                "status": "complete",
                "full_protocol": True,
                "recipe_overrides": overrides,
                "ours": 0.5 if overrides else 0.6,
            },
        )
    found = reproduction.reproduced_accuracies(tmp_path)
    assert found["li2018_model1"]["ours"] == 0.6


def test_bad_recipe_overrides_write_nothing(tmp_path):
    with pytest.raises(ValueError, match="`recipe_overrides`"):
        reproduce(
            "li2018_model1",
            runs_dir=tmp_path / "runs",
            results_dir=tmp_path / "results",
            recipe_overrides={"accuracy": 0.9},
        )
    assert not any(tmp_path.iterdir())
