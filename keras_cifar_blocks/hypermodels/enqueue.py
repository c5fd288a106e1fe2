"""Enqueue given points in a KerasTuner search: evaluate them first, then
explore."""

import keras_tuner

from keras_cifar_blocks.hypermodels import base_hypermodel

# Random draws a sampler may reject (values the hypermodel cannot build)
# before it reports the space as exhausted.
MAX_REJECTIONS = 200


def enqueue_points(tuner, points):
    """Makes a tuner evaluate `points` first, then search as it would.

    The points become the tuner's first trials, in order; the tuner's own
    algorithm takes over once each has run, and counts them as its
    observations (Bayesian optimization fits its Gaussian process on
    them; they use up `max_trials` like any trial). With `Hyperband`,
    each point trains for the full `max_epochs` before the first bracket,
    so it is measured at the budget the bracket winners get. The search's
    best trial is therefore never worse than the best point under the
    same budget.

    Nothing is stored beyond the trials themselves: a point is pending
    while no trial has its values, so a search resumed from its folder
    (`overwrite=False`) does not run a point twice, and a trial cut off
    mid-way is retried by KerasTuner as usual. In distributed tuning,
    call it in every process: only the chief, which owns the oracle,
    schedules the points; on the workers it does nothing.

    When the tuner's hypermodel has a `validate(hp)` method that rejects
    values its space allows (this package's spaces hold no such values:
    every draw builds), random draws that it rejects are drawn again
    instead of becoming failed trials.

    Args:
        tuner: a `keras_tuner` tuner (e.g. `RandomSearch`, `Hyperband`,
            `BayesianOptimization`), before `search` is called.
        points: dict `{name: {hyperparameter name: value}}`, e.g.
            `hypermodel.documented_points()`, or a list of such value
            dicts. Values left out take their defaults.

    Returns:
        The list of `(name, values)` enqueued, values completed with the
        defaults, in order.

    Raises:
        ValueError: if a point names a hyperparameter the space does not
            have, gives a value it does not allow, or cannot build a model
            (the message names the point).
        TypeError: if `points` is neither a dict nor a list of dicts.

    Example:

    >>> import tempfile
    >>> import keras_tuner
    >>> from keras_cifar_blocks.hypermodels import ConvStackHyperModel
    >>> from keras_cifar_blocks.hypermodels import enqueue_points
    >>> hypermodel = ConvStackHyperModel(num_classes=10, max_stages=2)
    >>> tuner = keras_tuner.RandomSearch(
    ...     hypermodel, objective="val_accuracy", max_trials=10,
    ...     directory=tempfile.mkdtemp())
    >>> queue = enqueue_points(tuner, hypermodel.documented_points())
    >>> [name for name, _ in queue]
    ['li2018_model1']
    >>> name, values = queue[0]
    >>> values["padding"], values["stages"], values["optimizer"]
    ('valid', 2, 'adam')
    >>> enqueue_points(tuner, {"mine": {"stages": 9}})
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for hyperparameter `stages` in mine. ...
    """
    items = _named_points(points)
    oracle = tuner.oracle
    if not isinstance(oracle, keras_tuner.Oracle):
        # A worker's proxy (KerasTuner's OracleClient): the chief's oracle
        # creates the trials.
        return []
    space = oracle.get_space()
    validate = getattr(tuner.hypermodel, "validate", None)
    queue = []
    for name, values in items:
        filled = base_hypermodel.check_values(space, values, name)
        if validate is not None:
            hp = space.copy()
            hp.values = dict(filled)
            try:
                validate(hp)
            except base_hypermodel.InvalidHyperparametersError as error:
                raise ValueError(f"Point {name!r}: {error}") from error
        queue.append((name, filled))
    _Scheduler.install(oracle, queue, validate)
    return list(queue)


def _named_points(points):
    if isinstance(points, dict):
        items = list(points.items())
    elif isinstance(points, (list, tuple)):
        items = [(f"point_{i}", values) for i, values in enumerate(points)]
    else:
        raise TypeError(
            "Invalid type for argument `points`. Expected a dict {name: "
            "values} or a list of value dicts. Received "
            f"points={points!r} of type {type(points).__name__}"
        )
    for name, values in items:
        if not isinstance(values, dict):
            raise TypeError(
                f"Invalid type for point {name!r}. Expected a dict of "
                f"hyperparameter values. Received {values!r} of type "
                f"{type(values).__name__}"
            )
    return items


def point_values(trial) -> dict:
    """A trial's hyperparameter values without Hyperband's bookkeeping."""
    return {
        key: value
        for key, value in trial.hyperparameters.values.items()
        if not str(key).startswith(base_hypermodel.TUNER_KEYS_PREFIX)
    }


class _Scheduler:
    """Wraps one oracle's `populate_space` and random sampler.

    The wrappers are set on the oracle instance, so they apply to
    whichever oracle class the tuner made; KerasTuner calls both from
    `Oracle.create_trial`, under the oracle's lock.
    """

    def __init__(self, oracle, queue, validate):
        self.oracle = oracle
        self.queue = queue
        self.validate = validate
        self.populate_space = type(oracle).populate_space.__get__(oracle)
        self.random_values = type(oracle)._random_values.__get__(oracle)

    @classmethod
    def install(cls, oracle, queue, validate):
        scheduler = cls(oracle, queue, validate)
        oracle.populate_space = scheduler.next_values
        oracle._random_values = scheduler.next_random_values

    def _pending(self):
        tried = [point_values(trial) for trial in self.oracle.trials.values()]
        for _, values in self.queue:
            if values not in tried:
                return dict(values)
        return None

    def _valid(self, values) -> bool:
        if self.validate is None:
            return True
        hp = self.oracle.get_space()
        hp.values = {
            key: value
            for key, value in values.items()
            if not str(key).startswith(base_hypermodel.TUNER_KEYS_PREFIX)
        }
        try:
            self.validate(hp)
        except base_hypermodel.InvalidHyperparametersError:
            return False
        return True

    def next_random_values(self):
        for _ in range(MAX_REJECTIONS):
            values = self.random_values()
            if values is None or self._valid(values):
                return values
        return None

    def next_values(self, trial_id):
        values = self._pending()
        if values is not None:
            if isinstance(self.oracle, keras_tuner.oracles.HyperbandOracle):
                values["tuner/epochs"] = self.oracle.max_epochs
                values["tuner/initial_epoch"] = 0
            return {"status": "RUNNING", "values": values}
        response = self.populate_space(trial_id)
        values = response.get("values")
        if (
            response.get("status") == "RUNNING"
            and values
            and not self._valid(values)
            and not isinstance(self.oracle, keras_tuner.oracles.HyperbandOracle)
        ):
            # A model-based proposal (Bayesian optimization) the hypermodel
            # rejects: draw a valid random point instead.
            values = self.next_random_values()
            if values is None:
                return {"status": "STOPPED", "values": None}
            response = {"status": "RUNNING", "values": values}
        return response
