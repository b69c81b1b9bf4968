"""Named training runs: which model, which data, and how long to train, in three budgets.

Every chapter that trains a network runs a :class:`Recipe` through :func:`run_recipe`. A
recipe fixes what the chapter is about (the model, the dataset, how the images are
prepared, the callbacks) and carries a :class:`RunPlan` for each budget of
:data:`convbook.settings.BUDGETS`:

``smoke``
    A few thousand images and one or two epochs, so a chapter runs in seconds. The test
    suite builds the book with it to check that everything runs; its accuracies are low
    and say little.
``full`` (the default)
    The real run: the whole training set, and the whole test set to score it. Its
    ``target_accuracy`` is the test accuracy the book promises; the build's run log
    records whether it was met (see :func:`run_recipe`). The plans were chosen so that
    the whole book builds in about 20 minutes on two fast CPU cores (a slower 2-core
    machine has taken 45; the Performance page has the measurements).
``long``
    The full plan, except for the few recipes whose goal needs more epochs than the
    default build can afford (their :attr:`Recipe.long` plan).

The budget comes from ``$CONVBOOK_BUDGET`` unless given (see :func:`convbook.settings.budget`).

Examples
--------
>>> from convbook import recipes
>>> recipes.RECIPES["deep_cnn_mnist"].full.target_accuracy
0.992
>>> recipes.RECIPES["lenet5_mnist"].plan("smoke").epochs
2
>>> recipes.RECIPES["deep_cnn_fashion"].plan("long").target_accuracy
0.92
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from convbook import _checks, settings

if TYPE_CHECKING:
    from convbook.training import TrainingResult

#: Callbacks a recipe can ask for, by name.
CALLBACK_NAMES: tuple[str, ...] = ("roc_auc", "early_stopping", "checkpoint")
#: Learning-rate schedules a recipe can ask for, by name.
SCHEDULES: tuple[str | None, ...] = (None, "one_cycle", "warm_restart")
#: Epochs of the first cycle of the ``"warm_restart"`` schedule; the rest of the run is
#: the second cycle (a run of at most this many epochs has a single cycle).
FIRST_CYCLE_EPOCHS = 1

# Arguments of run_recipe that are passed on to train() or prepare() rather than the plan.
_RUN_ARGUMENTS: tuple[str, ...] = (
    "seed",
    "verbose",
    "checkpoint_dir",
    "device",
    "deterministic",
    "data_dir",
    "precision",
    "callbacks",
)


@dataclass(frozen=True)
class RunPlan:
    """How long and how hard one budget trains.

    Attributes
    ----------
    epochs, batch_size
        Passes over the training images and images per update.
    train_samples, test_samples
        Subset sizes (``None``: the whole split).
    learning_rate
        The optimizer's learning rate (``None``: the optimizer's default); with the
        ``"one_cycle"`` or ``"warm_restart"`` schedule, its peak.
    validation_split
        Fraction of the training images held out for validation.
    patience
        Epochs without a lower validation loss before early stopping (recipes that
        use ``"early_stopping"``).
    target_accuracy
        The test accuracy this plan is expected to reach (an expectation the book states;
        ``None`` for plans that make no promise).
    """

    epochs: int
    batch_size: int = 128
    train_samples: int | None = None
    test_samples: int | None = None
    learning_rate: float | None = None
    validation_split: float = 0.1
    patience: int = 3
    target_accuracy: float | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "patience"):
            _checks.positive_int(name, getattr(self, name))
        for name in ("train_samples", "test_samples"):
            _checks.optional_positive_int(name, getattr(self, name))
        if self.learning_rate is not None:
            _checks.positive("learning_rate", self.learning_rate)
        _checks.fraction("validation_split", self.validation_split)
        if self.target_accuracy is not None:
            _checks.real("target_accuracy", self.target_accuracy, minimum=0, maximum=1)


@dataclass(frozen=True)
class Recipe:
    """One named training run of the book, with a plan for each budget.

    Attributes
    ----------
    name
        The key in :data:`RECIPES`.
    model
        A name from :data:`convbook.models.MODEL_NAMES`.
    dataset
        ``"mnist"``, ``"fashion_mnist"`` or ``"kmnist"``.
    model_kwargs
        Extra keyword arguments for :func:`convbook.models.build`.
    smoke, full
        The plans of the ``smoke`` and ``full`` budgets (see the module notes).
    description
        One sentence saying what the run shows.
    input_shape
        Image shape to prepare; ``None``: the model's default input shape.
    normalization, labels
        As for :func:`convbook.training.prepare`.
    label_smoothing
        Smooth the training targets by this much (see :func:`convbook.training.loss_for`);
        a positive value needs ``labels="one_hot"``.
    optimizer
        A Keras optimizer name.
    schedule
        ``None`` (constant learning rate), ``"one_cycle"``
        (:func:`convbook.training.one_cycle_schedule`) or ``"warm_restart"``
        (:func:`convbook.training.warm_restart_schedule`: a first cycle of
        :data:`FIRST_CYCLE_EPOCHS` epochs, then one cycle over the remaining epochs).
    callbacks
        Names from :data:`CALLBACK_NAMES`: ``"roc_auc"`` logs the validation ROC AUC,
        ``"early_stopping"`` stops when the validation loss stops improving and restores
        the best weights, ``"checkpoint"`` keeps the best model on disk and makes the run
        resumable.
    long
        The plan of the ``long`` budget; ``None`` (most recipes): the ``full`` plan.
    """

    name: str
    model: str
    dataset: str
    model_kwargs: Mapping[str, Any]
    smoke: RunPlan
    full: RunPlan
    description: str = ""
    input_shape: tuple[int, int, int] | None = None
    normalization: str = "unit"
    labels: str = "sparse"
    label_smoothing: float = 0.0
    optimizer: str = "adam"
    schedule: str | None = None
    callbacks: tuple[str, ...] = field(default=())
    long: RunPlan | None = None

    def __post_init__(self) -> None:
        _checks.choice("schedule", self.schedule, SCHEDULES)
        smoothing = _checks.real(
            "label_smoothing", self.label_smoothing, minimum=0, maximum=1, include_maximum=False
        )
        if smoothing and self.labels != "one_hot":
            _checks.fail(
                "labels",
                self.labels,
                "'one_hot' when label_smoothing is positive (Keras smooths one-hot labels only)",
            )
        for number, name in enumerate(self.callbacks):
            _checks.choice(f"callbacks[{number}]", name, CALLBACK_NAMES)

    def plan(self, budget: str | None = None) -> RunPlan:
        """Return the plan of ``budget``, one of :data:`convbook.settings.BUDGETS`.

        Without ``budget``, the setting (:func:`convbook.settings.budget`).

        Examples
        --------
        >>> RECIPES["dense_mnist"].plan("full").train_samples is None
        True
        >>> RECIPES["dense_mnist"].plan("long") is RECIPES["dense_mnist"].full
        True
        """
        budget = settings.budget() if budget is None else budget
        _checks.choice("budget", budget, settings.BUDGETS)
        if budget == "smoke":
            return self.smoke
        if budget == "long" and self.long is not None:
            return self.long
        return self.full


def _smoke(
    epochs: int = 1, train_samples: int = 6000, test_samples: int = 2000, **kwargs: Any
) -> RunPlan:
    return RunPlan(epochs=epochs, train_samples=train_samples, test_samples=test_samples, **kwargs)


RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "dense_mnist",
            "dense_net",
            "mnist",
            {},
            smoke=_smoke(epochs=2, train_samples=12000),
            full=RunPlan(epochs=10, target_accuracy=0.975),
            description="A fully connected network on MNIST: the baseline CNNs must beat.",
        ),
        Recipe(
            "simple_cnn_mnist",
            "simple_cnn",
            "mnist",
            {},
            smoke=_smoke(epochs=2, train_samples=12000),  # as dense_mnist: a fair race
            full=RunPlan(epochs=4, learning_rate=3e-3, target_accuracy=0.99),
            description=(
                "Two convolutions, one pooling layer, dropout and a dense layer on MNIST, "
                "with one learning-rate cycle."
            ),
            schedule="one_cycle",
        ),
        Recipe(
            "compact_cnn_mnist",
            "compact_cnn",
            "mnist",
            {},
            smoke=_smoke(epochs=2, train_samples=12000),  # as dense_mnist: a fair race
            full=RunPlan(epochs=4, learning_rate=3e-3, target_accuracy=0.99),
            description=(
                "A small CNN that outputs logits (no softmax layer) on MNIST, with one "
                "learning-rate cycle."
            ),
            schedule="one_cycle",
        ),
        Recipe(
            "deep_cnn_mnist",
            "deep_cnn",
            "mnist",
            {},
            smoke=_smoke(
                epochs=1, train_samples=3000, test_samples=1000, batch_size=32, learning_rate=1e-3
            ),
            full=RunPlan(epochs=2, learning_rate=1e-3, target_accuracy=0.992),
            description=(
                "The deep CNN on MNIST: past 99.2 % test accuracy in two epochs, with a "
                "learning rate that warms up, then anneals (one cycle)."
            ),
            schedule="one_cycle",
        ),
        Recipe(
            "lenet5_mnist",
            "lenet5",
            "mnist",
            {},
            smoke=_smoke(epochs=2, train_samples=8000),
            full=RunPlan(epochs=10, learning_rate=3e-3, target_accuracy=0.988),
            description=(
                "LeNet-5 on MNIST padded to 32x32, as LeCun et al. fed it, with one "
                "learning-rate cycle (with a constant rate its tanh units overfit)."
            ),
            schedule="one_cycle",
        ),
        Recipe(
            "alexnet_small_mnist",
            "alexnet_small",
            "mnist",
            {},
            smoke=_smoke(epochs=1, train_samples=6000, batch_size=32),
            full=RunPlan(epochs=3, learning_rate=3e-3, target_accuracy=0.99),
            description=(
                "AlexNet's design (stacked convolutions, dropout) scaled to 28x28, with one "
                "learning-rate cycle."
            ),
            schedule="one_cycle",
        ),
        Recipe(
            "simple_cnn_fashion",
            "simple_cnn",
            "fashion_mnist",
            {},
            smoke=_smoke(epochs=2, train_samples=12000),  # the same plan as simple_cnn_mnist
            full=RunPlan(epochs=5, learning_rate=3e-3, target_accuracy=0.91),
            description=(
                "The simple CNN on Fashion-MNIST, trained as on MNIST: clothes are harder "
                "than digits."
            ),
            schedule="one_cycle",
        ),
        Recipe(
            "deep_cnn_fashion",
            "deep_cnn",
            "fashion_mnist",
            {},
            smoke=_smoke(
                epochs=1, train_samples=3000, test_samples=1000, batch_size=32, learning_rate=5e-4
            ),
            # Too long for the default build (20 to 35 minutes on two CPU cores): the
            # Fashion-MNIST chapter trains it only with the long budget.
            full=RunPlan(epochs=4, learning_rate=1e-3, target_accuracy=0.92),
            description=(
                "The deep CNN on Fashion-MNIST: past 92 % test accuracy in four epochs of "
                "one learning-rate cycle."
            ),
            schedule="one_cycle",
        ),
        Recipe(
            "kmnist_callbacks",
            "deep_cnn",
            "kmnist",
            {},
            smoke=_smoke(
                epochs=2,
                train_samples=3000,
                test_samples=1000,
                batch_size=32,
                learning_rate=5e-4,
                patience=2,
            ),
            # The callbacks chapter needs two epochs to show a resumed run; the accuracy
            # goal needs the long plan.
            full=RunPlan(epochs=2, train_samples=12000, learning_rate=1e-3, patience=2),
            long=RunPlan(epochs=4, learning_rate=1e-3, patience=2, target_accuracy=0.95),
            description=(
                "The deep CNN on Kuzushiji-MNIST, watched by callbacks: ROC AUC per epoch, "
                "the best model kept on disk, early stopping on the validation loss."
            ),
            schedule="one_cycle",
            callbacks=("roc_auc", "early_stopping", "checkpoint"),
        ),
        Recipe(
            "fashion_callbacks",
            "simple_cnn",
            "fashion_mnist",
            {},
            smoke=_smoke(epochs=2, train_samples=12000, patience=2),
            full=RunPlan(epochs=3, train_samples=12000, patience=2),
            description=(
                "The callbacks of kmnist_callbacks on the simple CNN and Fashion-MNIST: the "
                "stand-in the callbacks chapter trains when Kuzushiji-MNIST is not available. "
                "It shows how the callbacks work, so even its full plan is short and promises no "
                "accuracy."
            ),
            callbacks=("roc_auc", "early_stopping", "checkpoint"),
        ),
        Recipe(
            "fast_mnist",
            "fast_cnn",
            "mnist",
            {"translation": 0.08},
            smoke=_smoke(epochs=1, train_samples=12000, learning_rate=6e-3),
            # Cycles of 1 and 3 epochs: past 99 % after the first cycle (epoch 1), past
            # 99.4 % at the end of the second (epoch 4).
            full=RunPlan(epochs=4, learning_rate=6e-3, target_accuracy=0.994),
            description=(
                "A CNN built for speed, trained with warm restarts of a one-cycle learning "
                "rate, small random shifts and label smoothing: 99 % on MNIST in one epoch, "
                "99.4 % in four."
            ),
            labels="one_hot",
            label_smoothing=0.1,
            schedule="warm_restart",
        ),
    )
}

#: The recipe names, in the book's order.
RECIPE_NAMES: tuple[str, ...] = tuple(RECIPES)


def get(name: str) -> Recipe:
    """Return the recipe called ``name``.

    Raises
    ------
    TypeError, ValueError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> get("fast_mnist").schedule
    'warm_restart'
    """
    return RECIPES[_checks.choice("name", name, tuple(RECIPES))]


def target_verdict(name: str, accuracy: float, budget: str | None = None) -> str:
    """Say whether ``accuracy`` met the target of recipe ``name``'s plan, in one line.

    Parameters
    ----------
    name
        A key of :data:`RECIPES`.
    accuracy
        A test accuracy in [0, 1], usually ``run_recipe(name).test_accuracy``.
    budget
        The plan's budget; default ``$CONVBOOK_BUDGET``. A plan without a target (the
        smoke plans) says so and names the full plan's target instead.

    Examples
    --------
    >>> target_verdict("compact_cnn_mnist", 0.9914, "full")
    'target 0.990, this build 0.9914: met'
    >>> target_verdict("compact_cnn_mnist", 0.41, "smoke")
    "0.4100; the smoke plan sets no target (the full plan's is 0.990)"
    """
    recipe = get(name)
    accuracy = _checks.real("accuracy", accuracy, minimum=0, maximum=1)
    budget = settings.budget() if budget is None else budget
    target = recipe.plan(budget).target_accuracy
    if target is None:
        full = recipe.full.target_accuracy
        promise = "" if full is None else f" (the full plan's is {full:.3f})"
        return f"{accuracy:.4f}; the {budget} plan sets no target{promise}"
    met = "met" if accuracy >= target else "not met"
    return f"target {target:.3f}, this build {accuracy:.4f}: {met}"


def warm_restart_cycles(epochs: int) -> tuple[int, ...]:
    """Return the cycle lengths, in epochs, of a ``"warm_restart"`` run of ``epochs`` epochs.

    Examples
    --------
    >>> warm_restart_cycles(4), warm_restart_cycles(1)
    ((1, 3), (1,))
    """
    epochs = _checks.positive_int("epochs", epochs)
    if epochs <= FIRST_CYCLE_EPOCHS:
        return (epochs,)
    return (FIRST_CYCLE_EPOCHS, epochs - FIRST_CYCLE_EPOCHS)


def _split_overrides(overrides: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plan_fields = {f.name for f in dataclasses.fields(RunPlan)}
    for name in sorted(set(overrides) - plan_fields - set(_RUN_ARGUMENTS)):
        _checks.fail(
            "overrides",
            name,
            "names of RunPlan fields or run arguments: "
            + ", ".join(sorted(plan_fields | set(_RUN_ARGUMENTS))),
        )
    plan = {k: v for k, v in overrides.items() if k in plan_fields}
    run = {k: v for k, v in overrides.items() if k in _RUN_ARGUMENTS}
    return plan, run


def _callbacks(recipe: Recipe, plan: RunPlan) -> list:
    import keras

    from convbook import training

    chosen: list = []
    if "roc_auc" in recipe.callbacks:
        chosen.append(training.RocAucCallback())
    if "early_stopping" in recipe.callbacks:
        monitor = "val_loss" if plan.validation_split > 0 else "loss"
        chosen.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=plan.patience, restore_best_weights=True
            )
        )
    return chosen


def _schedule(recipe: Recipe, plan: RunPlan) -> Callable[[int], Any] | None:
    """Return the recipe's learning-rate schedule as a function of the steps per epoch."""
    from convbook import training

    peak = plan.learning_rate or 3e-3
    if recipe.schedule == "one_cycle":
        return lambda steps: training.one_cycle_schedule(plan.epochs * steps, peak)
    if recipe.schedule == "warm_restart":
        cycles = warm_restart_cycles(plan.epochs)
        return lambda steps: training.warm_restart_schedule(steps, peak, cycles)
    return None


# Results of finished runs in this Python process, by everything that decides them.
_FINISHED_RUNS: dict[tuple[Any, ...], TrainingResult] = {}


def _reuse_key(recipe: Recipe, plan: RunPlan, run: dict[str, Any]) -> tuple[Any, ...] | None:
    """Return the key under which a run is remembered, or ``None`` if it must not be.

    Runs with extra callbacks (they may watch or change training) or a checkpoint
    directory (they write files the caller expects) always train.
    """
    if run.get("callbacks") or "checkpoint" in recipe.callbacks or run.get("checkpoint_dir"):
        return None
    return (
        repr(recipe),
        plan,
        run.get("seed", 0),
        str(settings.data_dir(run.get("data_dir"))),
        run.get("device") or settings.device_choice(),
        run.get("precision") or settings.precision(),
        bool(run.get("deterministic", False)),
    )


def forget_finished_runs() -> int:
    """Forget the runs :func:`run_recipe` remembers; return how many there were.

    Examples
    --------
    >>> forget_finished_runs() >= 0
    True
    """
    count = len(_FINISHED_RUNS)
    _FINISHED_RUNS.clear()
    return count


def run_recipe(
    name: str, budget: str | None = None, *, reuse: bool = True, **overrides: Any
) -> TrainingResult:
    """Prepare the data, build the model and train it as the recipe ``name`` says.

    A run is seeded, so running the same recipe with the same plan, seed and device again
    gives the same network. Within one Python process the second call therefore returns
    the first call's result (the same trained model object) and says so, instead of
    training again: the book trains ``compact_cnn_mnist`` once and uses it in three
    chapters. Between processes (one book build and the next) the run cache does the same
    (see :mod:`convbook.run_cache`): the network is rebuilt, its trained weights loaded, and
    one line says when it was trained. ``CONVBOOK_RUN_CACHE=0`` turns the cache off; pass
    ``reuse=False`` to train anew (the new run replaces the cached one).

    Parameters
    ----------
    name
        A key of :data:`RECIPES`.
    budget
        One of :data:`convbook.settings.BUDGETS`; default ``$CONVBOOK_BUDGET`` (``"full"``).
    reuse
        Return the result of an identical earlier run in this process or in the run
        cache, if there is one. Runs with extra ``callbacks``, a ``checkpoint_dir`` or the
        ``"checkpoint"`` callback always train and are never cached (see
        :func:`forget_finished_runs`).
    **overrides
        Any :class:`RunPlan` field (``epochs=1``, ``train_samples=2000``, ...) replaces the
        plan's value; ``seed`` (default 0), ``verbose``, ``checkpoint_dir``, ``device``,
        ``deterministic`` and ``callbacks`` (extra callbacks) go to
        :func:`convbook.training.train`, ``data_dir`` to :func:`convbook.training.prepare`,
        ``precision`` (the dtype policy, default ``$CONVBOOK_PRECISION``; see
        :func:`convbook.devices.precision_policy`) to
        :func:`convbook.training.build_and_train`.
        A recipe with the ``"checkpoint"`` callback and no ``checkpoint_dir`` uses a new
        temporary directory (see ``result.best_checkpoint``).

    Returns
    -------
    convbook.training.TrainingResult

    Raises
    ------
    ValueError
        For an unknown recipe, budget or override.
    convbook.datasets.DatasetUnavailable
        When the recipe's dataset cannot be loaded (Kuzushiji-MNIST offline).

    Examples
    --------
    >>> result = run_recipe("compact_cnn_mnist", epochs=1, train_samples=2000)  # doctest: +SKIP
    epoch 1/1  loss 1.3215  accuracy 0.5978  val_loss 0.6017  val_accuracy 0.8300  (1.2 s)
    test loss 0.5721  test accuracy 0.8325
    """
    from convbook import training

    recipe = get(name)
    plan_overrides, run = _split_overrides(overrides)
    budget = settings.budget() if budget is None else budget
    plan = dataclasses.replace(recipe.plan(budget), **plan_overrides)
    seed = run.get("seed", 0)
    use_cache = settings.run_cache()
    key = _reuse_key(recipe, plan, run) if reuse else None
    if key is not None and key in _FINISHED_RUNS:
        earlier = _FINISHED_RUNS[key]
        print(
            f"{recipe.name}: reusing this session's earlier run of the same plan and seed "
            f"({earlier.epochs_run} epochs, {earlier.wall_time_s:.1f} s, "
            f"test accuracy {earlier.test_accuracy:.4f})"
        )
        return earlier
    cached = None
    if use_cache and _reuse_key(recipe, plan, run) is not None:
        cached = _CachedRun(recipe, plan, run)
        result = cached.load() if reuse else None
        if result is not None:
            if key is not None:
                _FINISHED_RUNS[key] = result
            _append_to_run_log(recipe, plan, budget, result)
            return result
    checkpoint_dir = run.get("checkpoint_dir")
    made_here = None
    if checkpoint_dir is None and "checkpoint" in recipe.callbacks:
        checkpoint_dir = made_here = tempfile.mkdtemp(prefix=f"convbook-{recipe.name}-")
    try:
        result = training.build_and_train(
            recipe.model,
            recipe.dataset,
            epochs=plan.epochs,
            input_shape=recipe.input_shape,
            model_kwargs=recipe.model_kwargs,
            normalization=recipe.normalization,
            labels=recipe.labels,
            train_samples=plan.train_samples,
            test_samples=plan.test_samples,
            batch_size=plan.batch_size,
            validation_split=plan.validation_split,
            learning_rate=None if recipe.schedule else plan.learning_rate,
            schedule=_schedule(recipe, plan),
            seed=seed,
            device=run.get("device"),
            data_dir=run.get("data_dir"),
            optimizer=recipe.optimizer,
            label_smoothing=recipe.label_smoothing,
            callbacks=[*_callbacks(recipe, plan), *run.get("callbacks", ())],
            checkpoint_dir=None if checkpoint_dir is None else os.fspath(checkpoint_dir),
            verbose=run.get("verbose"),
            deterministic=run.get("deterministic", False),
            # The cache's key already holds the resolved policy: train in exactly that one.
            precision=run.get("precision") if cached is None else cached.policy,
        )
    except BaseException:
        if made_here is not None:
            # Its name is random, so no later run could resume from it.
            shutil.rmtree(made_here, ignore_errors=True)
        raise
    if cached is not None:
        cached.store(result)
    if key is not None:
        _FINISHED_RUNS[key] = result
    _append_to_run_log(recipe, plan, budget, result)
    return result


class _CachedRun:
    """One run's place in the run cache (see :mod:`convbook.run_cache`)."""

    def __init__(self, recipe: Recipe, plan: RunPlan, run: dict[str, Any]) -> None:
        from convbook import devices, run_cache

        self.recipe, self.plan, self.run = recipe, plan, run
        self.root = run_cache.cache_root(run.get("data_dir"))
        info = devices.configure(run.get("device"))  # before any model exists
        self.policy = devices.precision_policy(run.get("precision"), info, recipe.model)
        fields = {
            f.name: getattr(recipe, f.name)
            for f in dataclasses.fields(Recipe)
            if f.name not in ("name", "smoke", "full", "long", "description")
        }
        self.key = run_cache.run_key(
            {"recipe": recipe.name, **fields, "precision": self.policy},
            dataclasses.asdict(plan),
            seed=run.get("seed", 0),
            device_kind=info.kind,
            deterministic=bool(run.get("deterministic", False)),
            sources=_sources(recipe),
        )

    def load(self) -> TrainingResult | None:
        """Return the cached result, or ``None`` (after a one-line note if it was damaged)."""
        from convbook import run_cache

        try:
            entry = run_cache.lookup(self.root, self.key)
            if entry is None:
                return None
            result = self._rebuilt(entry)
        except Exception as error:  # a damaged entry must never stop the build
            reason = str(error) if isinstance(error, run_cache.DamagedEntry) else repr(error)
            print(f"{self.recipe.name}: run cache: {reason}; training again")
            return None
        print(
            f"{self.recipe.name}: reused the run trained on {result.trained_at or '?'} "
            f"({result.epochs_run} epoch{'s' if result.epochs_run != 1 else ''}, "
            f"test accuracy {result.test_accuracy:.4f}; "
            f"cache {entry.path})"
        )
        return result

    def _rebuilt(self, entry: Any) -> TrainingResult:
        """Rebuild the network from its builder, load the weights, compile it as trained."""
        from convbook import datasets, devices, models, training

        scores = {
            k: v
            for k, v in entry.scores.items()
            if k in training.TrainingResult.__dataclass_fields__
        }
        scores["reused_from"] = str(entry.path)
        # The key holds the policy. Entries written before results had a ``precision``
        # named it at the end of the device instead.
        scores["precision"] = self.policy
        scores["device"] = str(scores.get("device", "")).removesuffix(f", {self.policy}")
        recipe, plan = self.recipe, self.plan
        training.seed_everything(self.run.get("seed", 0))
        with devices.dtype_policy(self.policy):
            model = models.build(
                recipe.model,
                input_shape=recipe.input_shape or models.default_input_shape(recipe.model),
                num_classes=len(datasets.CLASS_NAMES[recipe.dataset]),
                **dict(recipe.model_kwargs),
            )
        schedule = _schedule(recipe, plan)
        steps = training.steps_per_epoch(int(scores["train_samples"]), plan.batch_size)
        training.compile_model(
            model,
            optimizer=recipe.optimizer,
            learning_rate=schedule(steps) if schedule is not None else plan.learning_rate,
            one_hot=recipe.labels == "one_hot",
            label_smoothing=recipe.label_smoothing,
        )
        model.optimizer.build(model.trainable_variables)  # its saved state loads too
        model.load_weights(entry.weights)
        return training.TrainingResult(model=model, history=entry.history, **scores)

    def store(self, result: TrainingResult) -> None:
        """Keep ``result`` in the cache; a failure is a one-line note, never an error."""
        from convbook import run_cache

        try:
            run_cache.store_result(self.root, self.key, result)
        except Exception as error:  # the run itself succeeded: report and carry on
            print(f"{self.recipe.name}: run cache: could not keep this run ({error!r})")


def _sources(recipe: Recipe) -> dict[str, str]:
    """Return the source code that defines a recipe's run, besides its fields."""
    from convbook import run_cache, training
    from convbook.models.registry import spec

    sources = {"builder": run_cache.source_of(spec(recipe.model).builder)}
    if recipe.schedule == "one_cycle":
        sources["schedule"] = run_cache.source_of(training.one_cycle_schedule)
        sources["schedule_class"] = run_cache.source_of(training.OneCycleSchedule)
    elif recipe.schedule == "warm_restart":
        sources["schedule"] = run_cache.source_of(training.warm_restart_schedule)
        sources["schedule_class"] = run_cache.source_of(training.WarmRestartSchedule)
    if "roc_auc" in recipe.callbacks:
        sources["roc_auc"] = run_cache.source_of(training.RocAucCallback)
    return sources


def _append_to_run_log(recipe: Recipe, plan: RunPlan, budget: str, result: TrainingResult) -> None:
    """Append the run to ``$CONVBOOK_RUN_LOG`` (see :func:`convbook.settings.run_log`)."""
    path = settings.run_log()
    if path is None:
        return
    import json

    target = plan.target_accuracy
    record = {
        "recipe": recipe.name,
        "budget": budget,
        "plan": dataclasses.asdict(plan),
        "epochs_run": result.epochs_run,
        "initial_epoch": result.initial_epoch,
        "train_samples": result.train_samples,
        "test_accuracy": result.test_accuracy,
        "target_accuracy": target,
        "target_met": None if target is None else result.test_accuracy >= target,
        "wall_time_s": result.wall_time_s,
        "device": result.device,
        "precision": result.precision,
        "trained_at": result.trained_at,
        "reused": result.reused,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")
