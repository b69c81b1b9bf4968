"""Looking inside data and trained networks: class counts, filters, feature maps, mistakes.

The functions return NumPy arrays; :mod:`convbook.plotting.data`,
:mod:`convbook.plotting.training` and :mod:`convbook.plotting.inspection` draw them.
Keras is imported inside the functions that need a model, so importing this module is cheap.

Examples
--------
>>> import numpy as np
>>> class_counts(np.array([0, 2, 2, 1, 2]), num_classes=4).tolist()
[1, 1, 3, 0]
>>> misclassified([3, 1, 4, 1], [3, 7, 4, 2]).tolist()
[1, 3]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks
from convbook.tables import format_table

if TYPE_CHECKING:
    import keras

__all__ = [
    "class_counts",
    "dataset_summary",
    "feature_map_layers",
    "feature_maps",
    "first_layer_filters",
    "format_class_counts",
    "misclassified",
    "roc_example",
]

# Layers whose outputs are images (height, width, channels) worth looking at.
_FEATURE_MAP_CLASSES = (
    "Conv2D",
    "SeparableConv2D",
    "DepthwiseConv2D",
    "MaxPooling2D",
    "AveragePooling2D",
)


# --------------------------------------------------------------------------- labels


def _as_labels(values: ArrayLike, name: str) -> np.ndarray:
    """Integer labels from labels, one-hot rows or probability rows (argmax)."""
    array = np.asarray(values)
    if array.ndim == 2:
        array = np.argmax(array, axis=-1)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of labels or a 2-D array of one-hot/probability "
            f"rows; got shape {array.shape}."
        )
    if array.size and array.dtype.kind not in "iu":
        if array.dtype.kind != "f" or not np.all(np.equal(np.mod(array, 1), 0)):
            raise TypeError(f"{name} must hold integer class labels; got dtype {array.dtype}.")
    return array.astype(np.int64)


def class_counts(labels: ArrayLike, num_classes: int | None = None) -> np.ndarray:
    """Count how many examples carry each label.

    Parameters
    ----------
    labels
        Integer labels (or one-hot rows).
    num_classes
        Length of the result; default ``labels.max() + 1``. Classes never seen count 0.

    Returns
    -------
    numpy.ndarray
        ``counts[k]`` is the number of examples of class ``k``.

    Raises
    ------
    ValueError
        If a label is negative or not below ``num_classes``.

    Examples
    --------
    >>> class_counts([1, 1, 0]).tolist()
    [1, 2]
    """
    values = _as_labels(labels, "labels")
    if values.size and values.min() < 0:
        raise ValueError(f"labels must be non-negative; got {int(values.min())}.")
    seen = int(values.max()) + 1 if values.size else 0
    num_classes = seen if num_classes is None else _checks.integer("num_classes", num_classes)
    if num_classes < seen:
        raise ValueError(
            f"num_classes={num_classes} but labels go up to {seen - 1}; use num_classes >= {seen}."
        )
    return np.bincount(values, minlength=int(num_classes))


def format_class_counts(counts: Mapping[str, ArrayLike], class_names: Sequence[str]) -> str:
    """Return an aligned table of per-class counts, one column per split, with totals.

    Parameters
    ----------
    counts
        Split name (``"train"``, ``"test"``) to the counts of :func:`class_counts`.
    class_names
        One name per class, in label order.

    Returns
    -------
    str
        The table, with each split's share of that class in percent.

    Examples
    --------
    >>> print(format_class_counts({"train": [3, 1], "test": [1, 1]}, ["cat", "dog"]))
    class        train       test
    -------  ---------  ---------
    cat      3 (75.0%)  1 (50.0%)
    dog      1 (25.0%)  1 (50.0%)
    total            4          2
    """
    if not counts:
        _checks.fail("counts", counts, "a mapping with at least one split")
    columns = {split: np.asarray(values, dtype=np.int64) for split, values in counts.items()}
    for split, values in columns.items():
        if values.shape != (len(class_names),):
            raise ValueError(
                f"counts[{split!r}] has {values.size} entries but there are "
                f"{len(class_names)} class names."
            )
    rows = []
    for k, name in enumerate(class_names):
        row = [str(name)]
        for values in columns.values():
            share = 100.0 * values[k] / max(int(values.sum()), 1)
            row.append(f"{int(values[k]):,} ({share:.1f}%)")
        rows.append(row)
    rows.append(["total", *(f"{int(values.sum()):,}" for values in columns.values())])
    return format_table(rows, ("class", *columns), align=("left",) + ("right",) * len(columns))


def dataset_summary(
    splits: tuple[tuple[ArrayLike, ArrayLike], tuple[ArrayLike, ArrayLike]],
    class_names: Sequence[str],
) -> str:
    """Describe a loaded dataset: each array's shape, type and range, then the class counts.

    Parameters
    ----------
    splits
        ``(x_train, y_train), (x_test, y_test)`` as :func:`convbook.datasets.load` returns.
    class_names
        One name per class.

    Returns
    -------
    str
        A table of the arrays (shape, dtype, smallest..largest value), then the table of
        :func:`format_class_counts`.

    Examples
    --------
    >>> x = np.zeros((4, 2, 2), np.uint8)
    >>> print(dataset_summary(((x, np.array([0, 1, 1, 1])), (x[:2], np.array([0, 1]))),
    ...                       ["no", "yes"]))
    array    shape      dtype    values
    -------  ---------  -------  --------
    x_train  (4, 2, 2)  uint8    0..0
    y_train  (4,)       int64    0..1
    x_test   (2, 2, 2)  uint8    0..0
    y_test   (2,)       int64    0..1
    <BLANKLINE>
    class        train       test
    -------  ---------  ---------
    no       1 (25.0%)  1 (50.0%)
    yes      3 (75.0%)  1 (50.0%)
    total            4          2
    """
    (x_train, y_train), (x_test, y_test) = splits
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    rows = []
    for name, values in arrays.items():
        array = np.asarray(values)
        span = f"{array.min()}..{array.max()}" if array.size else "(empty)"
        rows.append((name, str(array.shape), str(array.dtype), span))
    shapes = format_table(rows, ("array", "shape", "dtype", "values"))
    counts = {
        "train": class_counts(y_train, len(class_names)),
        "test": class_counts(y_test, len(class_names)),
    }
    return "\n".join([shapes, "", format_class_counts(counts, class_names)])


def misclassified(y_true: ArrayLike, y_pred: ArrayLike, limit: int | None = None) -> np.ndarray:
    """Return the indices of the examples whose prediction is wrong, in order.

    Parameters
    ----------
    y_true
        True labels (integers, or one-hot rows).
    y_pred
        Predicted labels (integers, or probability rows: their argmax is taken).
    limit
        Return at most this many indices (the first ones); ``None`` for all.

    Returns
    -------
    numpy.ndarray
        Integer indices ``i`` with ``y_true[i] != y_pred[i]``.

    Raises
    ------
    ValueError
        If the two arrays differ in length or ``limit`` is negative.

    Examples
    --------
    >>> misclassified([0, 1, 2, 3], [0, 2, 1, 3], limit=1).tolist()
    [1]
    """
    truth = _as_labels(y_true, "y_true")
    predicted = _as_labels(y_pred, "y_pred")
    if truth.shape != predicted.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length; got {truth.size} and {predicted.size}."
        )
    if limit is not None:
        limit = _checks.integer("limit", limit, minimum=0)
    wrong = np.flatnonzero(truth != predicted)
    return wrong if limit is None else wrong[: int(limit)]


def roc_example() -> tuple[np.ndarray, np.ndarray]:
    """Return a tiny made-up example for the ROC AUC: six images, three classes, their scores.

    The scores are invented (no network produced them), small enough to check the one-vs-rest
    ROC AUC by hand. Image 3, the second image of class 1, is misclassified (class 0 scores
    higher for it), yet on class 1's score it still beats two of the four other images and
    ties with the other two: class 1's area is 7/8, the other classes' 1.

    Returns
    -------
    labels : numpy.ndarray
        ``[0, 0, 1, 1, 2, 2]``, the true class of each image.
    scores : numpy.ndarray
        ``(6, 3)`` scores, one row per image, one column per class (each row sums to 1).

    Examples
    --------
    >>> labels, scores = roc_example()
    >>> labels.tolist(), scores.shape
    ([0, 0, 1, 1, 2, 2], (6, 3))
    >>> misclassified(labels, scores).tolist()
    [3]
    """
    labels = np.array([0, 0, 1, 1, 2, 2])
    scores = np.array(
        [
            [0.7, 0.2, 0.1],
            [0.6, 0.3, 0.1],
            [0.3, 0.6, 0.1],
            [0.5, 0.3, 0.2],
            [0.1, 0.3, 0.6],
            [0.2, 0.2, 0.6],
        ]
    )
    return labels, scores


# --------------------------------------------------------------------------- models


def _walk(layers: Sequence[keras.Layer]) -> Iterator[keras.Layer]:
    """Every layer, descending into nested models, in order."""
    for layer in layers:
        inner = getattr(layer, "layers", None)
        if inner is not None and layer.__class__.__name__ != "InputLayer":
            yield from _walk(inner)
        else:
            yield layer


def _is_conv2d(layer: object) -> bool:
    import keras

    return isinstance(layer, keras.layers.Conv2D)


def first_layer_filters(model: keras.Model) -> np.ndarray:
    """Return the kernel of the model's first :class:`keras.layers.Conv2D` layer.

    Parameters
    ----------
    model
        A built Keras model (nested models are searched too).

    Returns
    -------
    numpy.ndarray
        The weights, shaped ``(kernel_height, kernel_width, input_channels, filters)``:
        ``filters[..., k]`` is what the layer's ``k``-th feature map looks for.

    Raises
    ------
    ValueError
        If the model has no Conv2D layer, or it is not built yet.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3)])
    >>> first_layer_filters(model).shape
    (3, 3, 1, 4)
    """
    for layer in _walk(model.layers):
        if _is_conv2d(layer):
            if not layer.built:
                raise ValueError(
                    f"layer {layer.name!r} of model {model.name!r} has no weights yet; "
                    "build the model first (give it a keras.Input or call it on data)."
                )
            return np.array(layer.kernel.numpy())
    names = [layer.name for layer in _walk(model.layers)]
    raise ValueError(f"model {model.name!r} has no Conv2D layer; its layers are {names}.")


def feature_map_layers(model: keras.Model) -> list[str]:
    """Return the names of the model's top-level convolution and pooling layers, in order.

    These are the layers :func:`feature_maps` shows by default.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential(
    ...     [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
    ...      keras.layers.MaxPooling2D(name="pool"), keras.layers.Flatten()]
    ... )
    >>> feature_map_layers(model)
    ['conv', 'pool']
    """
    return [
        layer.name
        for layer in model.layers
        if any(cls.__name__ in _FEATURE_MAP_CLASSES for cls in type(layer).__mro__)
    ]


def _image_batch(model: keras.Model, image: ArrayLike) -> np.ndarray:
    expected = tuple(model.inputs[0].shape[1:])
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == len(expected) - 1 and expected[-1] == 1:
        array = array[..., np.newaxis]
    fits = array.ndim == len(expected) and all(
        want is None or want == got for want, got in zip(expected, array.shape, strict=True)
    )
    if not fits:
        raise ValueError(
            f"image has shape {np.shape(image)} but model {model.name!r} takes images of "
            f"shape {expected}; pass one image without the batch axis."
        )
    return array[np.newaxis]


def feature_maps(
    model: keras.Model, image: ArrayLike, layer_names: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Run one image through the model and return what chosen layers output.

    A second model is built on the same layers (``keras.Model(model.inputs, outputs)``),
    whose outputs are the chosen layers' outputs, so no weights are copied.

    Parameters
    ----------
    model
        A built Sequential or functional model (made with ``keras.Input``, built, or
        already called on data).
    image
        One image shaped like the model's input without the batch axis, e.g.
        ``(28, 28, 1)``; ``(28, 28)`` is accepted for one-channel inputs.
    layer_names
        Which top-level layers to read; default :func:`feature_map_layers` (every
        convolution and pooling layer).

    Returns
    -------
    dict
        Layer name to its output for this image, without the batch axis, e.g.
        ``(26, 26, 32)`` for 32 feature maps of 26x26 pixels; in ``layer_names`` order.

    Raises
    ------
    ValueError
        If a name is not a layer of the model, the model has no defined inputs, or the
        image does not fit the model.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential(
    ...     [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
    ...      keras.layers.MaxPooling2D(name="pool")]
    ... )
    >>> {name: m.shape for name, m in feature_maps(model, np.ones((8, 8))).items()}
    {'conv': (6, 6, 2), 'pool': (3, 3, 2)}
    """
    import keras

    if isinstance(layer_names, str):
        _checks.fail("layer_names", layer_names, "a sequence of layer names", TypeError)
    try:
        inputs = model.inputs
    except (AttributeError, ValueError) as error:
        raise ValueError(
            f"model {model.name!r} has no defined inputs ({error}); start it with "
            "keras.Input(shape), call model.build(shape) or call it on data first."
        ) from error
    names = feature_map_layers(model) if layer_names is None else list(layer_names)
    known = [layer.name for layer in model.layers]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"layer_names {unknown} are not layers of {model.name!r}; use {known}.")
    if not names:
        raise ValueError(f"model {model.name!r} has no convolution or pooling layer to show.")
    outputs = [model.get_layer(name).output for name in names]
    extractor = keras.Model(inputs=inputs[0] if len(inputs) == 1 else inputs, outputs=outputs)
    results = extractor(_image_batch(model, image), training=False)
    if not isinstance(results, list | tuple):
        results = [results]
    return {
        name: np.asarray(keras.ops.convert_to_numpy(result))[0]
        for name, result in zip(names, results, strict=True)
    }
