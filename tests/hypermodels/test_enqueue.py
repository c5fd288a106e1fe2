"""enqueue_points: points first, with each tuner, across resumes.

These tests drive the oracle directly (create a trial, report a score,
end it), as a tuner does, so that scheduling is checked without
training.
"""

import keras_tuner
import pytest

from keras_cifar_blocks.hypermodels import ConvStackHyperModel
from keras_cifar_blocks.hypermodels import InvalidHyperparametersError
from keras_cifar_blocks.hypermodels import enqueue
from keras_cifar_blocks.hypermodels import enqueue_points
from tests.hypermodels.common import tiny_hyperparameters

POINTS = {
    "first": {"learning_rate": 0.01, "dropout": 0.1},
    "second": {"learning_rate": 0.002, "activation": "relu"},
    "third": {"optimizer": "sgd", "learning_rate": 0.05},
}


def _tuner(kind, directory, hyperparameters=None, **kwargs):
    hypermodel = ConvStackHyperModel(num_classes=10)
    common = {
        "objective": "val_accuracy",
        "hyperparameters": hyperparameters or tiny_hyperparameters(),
        "directory": str(directory),
        "project_name": "search",
        "seed": 3,
        **kwargs,
    }
    if kind == "random":
        common.setdefault("max_trials", 6)
        return keras_tuner.RandomSearch(hypermodel, **common)
    if kind == "bayesian":
        # A Gaussian process over four dimensions proposes quickly.
        if hyperparameters is None:
            common["hyperparameters"] = tiny_hyperparameters(
                padding="same",
                convs=1,
                last_stage_pool=True,
                kernel_initializer="he_uniform",
                l2=0.0,
            )
        common.setdefault("max_trials", 8)
        return keras_tuner.BayesianOptimization(
            hypermodel, num_initial_points=2, **common
        )
    return keras_tuner.Hyperband(hypermodel, max_epochs=9, factor=3, **common)


def _run(tuner, count, score=lambda i: 0.1 * (i % 7)):
    """Creates, scores and ends `count` trials; returns them."""
    trials = []
    for i in range(count):
        trial = tuner.oracle.create_trial("tuner0")
        if trial.status != "RUNNING":
            break
        tuner.oracle.update_trial(
            trial.trial_id, {"val_accuracy": score(i)}, step=0
        )
        trial.status = "COMPLETED"
        tuner.oracle.end_trial(trial)
        tuner.save()
        trials.append(trial)
    return trials


@pytest.mark.parametrize("kind", ["random", "hyperband", "bayesian"])
def test_points_come_first_in_order_then_the_tuner_explores(kind, tmp_path):
    tuner = _tuner(kind, tmp_path)
    queue = enqueue_points(tuner, POINTS)
    assert [name for name, _ in queue] == list(POINTS)
    trials = _run(tuner, 5)
    for (_, values), trial in zip(queue, trials, strict=False):
        assert enqueue.point_values(trial) == values
    explored = [enqueue.point_values(t) for t in trials[len(POINTS) :]]
    assert explored and all(
        values not in [v for _, v in queue] for values in explored
    )
    if kind == "hyperband":
        # Each point is trained for the full budget, outside the brackets.
        for trial in trials[: len(POINTS)]:
            values = trial.hyperparameters.values
            assert values["tuner/epochs"] == 9
            assert values["tuner/initial_epoch"] == 0
        assert trials[len(POINTS)].hyperparameters.values["tuner/epochs"] < 9


def test_points_complete_their_values_with_the_defaults(tmp_path):
    tuner = _tuner("random", tmp_path)
    (name, values), *_ = enqueue_points(tuner, [{"learning_rate": 0.01}])
    assert name == "point_0"
    space = tuner.oracle.get_space()
    for key in ("dropout", "activation", "optimizer"):
        assert values[key] == space.get(key)
    assert values["stages"] == 1  # fixed by the tuner's hyperparameters


def test_points_use_up_max_trials(tmp_path):
    tuner = _tuner("random", tmp_path, max_trials=2)
    enqueue_points(tuner, POINTS)
    trials = _run(tuner, 5)
    assert [enqueue.point_values(t)["learning_rate"] for t in trials] == [
        0.01,
        0.002,
    ]


def test_resumed_search_runs_no_point_twice(tmp_path):
    tuner = _tuner("random", tmp_path)
    enqueue_points(tuner, POINTS)
    done = _run(tuner, 1)
    # The second point starts, then the process dies.
    cut = tuner.oracle.create_trial("tuner0")
    tuner.save()
    del tuner

    resumed = _tuner("random", tmp_path)
    queue = enqueue_points(resumed, POINTS)
    trials = _run(resumed, 3)
    # KerasTuner retries the trial that was cut off, under its id; then
    # the third point; then the tuner explores.
    assert trials[0].trial_id == cut.trial_id
    assert enqueue.point_values(trials[0]) == queue[1][1]
    assert enqueue.point_values(trials[1]) == queue[2][1]
    assert enqueue.point_values(trials[2]) not in [v for _, v in queue]
    first = resumed.oracle.get_trial(done[0].trial_id)
    assert first.status == "COMPLETED" and first.score == 0.0


class NoSingleStage(ConvStackHyperModel):
    """Rejects values its space allows, as a hypermodel whose space does
    not express all of its constraints would."""

    def _check(self, settings):
        if settings["stages"] == 1:
            raise InvalidHyperparametersError("No single stage: stages=1")


def _small_space():
    space = keras_tuner.HyperParameters()
    for key, value in {
        "filters": 16,
        "batch_norm": False,
        "head_units": 0,
    }.items():
        space.Fixed(key, value)
    return space


def test_random_draws_the_hypermodel_rejects_are_redrawn(tmp_path):
    def tuner(directory):
        return keras_tuner.RandomSearch(
            NoSingleStage(num_classes=10),
            objective="val_accuracy",
            hyperparameters=_small_space(),
            directory=str(directory),
            max_trials=40,
            seed=3,
        )

    plain = tuner(tmp_path / "plain")
    drawn = _run(plain, 40)
    stages = {enqueue.point_values(t)["stages"] for t in drawn}
    assert stages == {1, 2, 3, 4, 5}  # KerasTuner alone draws stages=1

    enqueued = tuner(tmp_path / "enqueued")
    enqueue_points(enqueued, {})
    drawn = _run(enqueued, 40)
    assert len(drawn) == 40
    assert {enqueue.point_values(t)["stages"] for t in drawn} == {2, 3, 4, 5}


@pytest.mark.parametrize(
    "points, error, match",
    [
        (
            {"p": {"depth": 16}},
            ValueError,
            r"Unknown hyperparameter\(s\) \['depth'\] in p",
        ),
        (
            {"p": {"stages": 2}},
            ValueError,
            r"Invalid value for hyperparameter `stages` in p. Expected 1 "
            r"\(fixed\). Received stages=2",
        ),
        (
            {"p": {"learning_rate": 3.0}},
            ValueError,
            r"hyperparameter `learning_rate` in p. Expected a float in "
            r"\[0.0001, 0.1\]. Received learning_rate=3.0",
        ),
        ("li2018_model1", TypeError, r"argument `points`. Expected a dict"),
        ({"p": [1]}, TypeError, r"Invalid type for point 'p'"),
    ],
)
def test_bad_points_are_refused_before_the_search(
    points, error, match, tmp_path
):
    tuner = _tuner("random", tmp_path)
    with pytest.raises(error, match=match):
        enqueue_points(tuner, points)


def test_a_point_without_a_model_is_refused(tmp_path):
    tuner = keras_tuner.RandomSearch(
        NoSingleStage(num_classes=10),
        objective="val_accuracy",
        hyperparameters=_small_space(),
        directory=str(tmp_path),
        max_trials=2,
    )
    with pytest.raises(
        ValueError,
        match=r"Point 'one': No single stage: stages=1",
    ):
        enqueue_points(tuner, {"one": {"stages": 1}})


def test_workers_leave_scheduling_to_the_chief(tmp_path):
    tuner = _tuner("random", tmp_path)

    class OracleClient:  # what a worker's tuner holds
        pass

    tuner.oracle = OracleClient()
    assert enqueue_points(tuner, POINTS) == []
