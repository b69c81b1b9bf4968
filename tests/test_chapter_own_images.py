"""Chapter 11 of Part II, "Your own images", run once and checked through its globals.

The chapter (gallery/02_training/11_your_own_images.py) writes MNIST test digits as PNG files,
reads them back with Keras, and shows the trained ``simple_cnn_mnist`` network a real
photograph. The book build's run of it is checked here (without the book build, one run in an
empty working directory, with the book's settings and run cache); every claim its prose makes
is then recomputed from the raw data or from the model instead of trusting the page's
summaries.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from convbook import datasets

pytestmark = pytest.mark.slow

CHAPTER = (
    Path(__file__).resolve().parent.parent / "gallery" / "02_training" / "11_your_own_images.py"
)


@pytest.fixture(scope="module")
def run(book_settings, run_chapter):
    """The chapter's globals after one run (the book build's, if it ran), and what it left.

    What it printed is under ``_printed``.
    """
    chapter = run_chapter(CHAPTER, "own_images", env=book_settings)
    return {**chapter.namespace, "_printed": chapter.printed}, chapter.left_behind


@pytest.fixture(scope="module")
def page(run):
    return run[0]


@pytest.fixture(scope="module")
def mnist_test():
    return datasets.load("mnist")[1]


def test_no_files_left_behind(run):
    page, left_behind = run
    assert left_behind == []
    assert not page["folder"].exists()  # the temporary directory is gone too
    assert "digit folder still there: False" in page["_printed"]


def test_the_input_the_network_expects(page, mnist_test):
    x_test, _ = mnist_test
    model = page["model"]
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 10)
    assert model.layers[-1].get_config()["activation"] == "softmax"  # "returns probabilities"
    assert page["recipe"].normalization == "unit"
    assert x_test.dtype == np.uint8 and x_test.min() == 0 and x_test.max() == 255
    # "The average pixel is dark and the frame ... is almost perfectly black"
    frame = np.ones((28, 28), dtype=bool)
    frame[4:-4, 4:-4] = False
    assert x_test.mean() < 255 / 4
    assert x_test[:, frame].mean() < 255 / 50
    assert x_test[:, frame].mean() == pytest.approx(page["x_test"][:, page["frame"]].mean())


def test_three_test_digits_of_each_label_written_as_small_png_files(page, mnist_test):
    _, y_test = mnist_test
    chosen = page["chosen"]
    assert page["PER_DIGIT"] == 3 and len(chosen) == 30 and len(page["files"]) == 30
    for digit in range(10):
        assert (
            chosen[3 * digit : 3 * digit + 3].tolist()
            == np.flatnonzero(y_test == digit)[:3].tolist()
        )
    for path, index in zip(page["files"], chosen, strict=True):
        assert path.parent.name == str(y_test[index])
        assert path.name == f"test_{index:05d}.png"
    # "every file here is smaller than the pixels it holds"
    assert max(page["sizes"]) < 28 * 28


def test_one_file_round_trip_is_exact(page, mnist_test):
    x_test, y_test = mnist_test
    assert page["picture"].mode == "L" and page["picture"].size == (28, 28)
    array = page["array"]
    assert array.shape == (28, 28, 1) and array.dtype == np.float32
    assert array.min() == 0 and array.max() == 255
    assert page["round_trip_exact"] is True
    assert np.array_equal(array[:, :, 0], x_test[page["chosen"][0]])
    batch = page["batch"]
    assert batch.shape == (1, 28, 28, 1) and batch.dtype == np.float32
    assert 0 <= batch.min() and batch.max() <= 1
    expected = page["model"].predict(x_test[page["chosen"][:1], :, :, None] / 255, verbose=0)[0]
    np.testing.assert_allclose(page["one_file"], expected, atol=1e-5)
    assert int(page["path"].parent.name) == y_test[page["chosen"][0]]
    # "Without the batch axis Keras would ... refuse them"
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
        page["model"].predict(array / 255, verbose=0)


def test_dataset_from_directory(page, mnist_test):
    x_test, y_test = mnist_test
    dataset = page["dataset"]
    assert dataset.class_names == [str(digit) for digit in range(10)]
    assert tuple(page["first_images"].shape) == (8, 28, 28, 1)
    assert page["first_images"].dtype.name == "float32"
    assert np.asarray(page["first_labels"]).tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    digits = page["digits"]
    assert digits.shape == (30, 28, 28, 1) and digits.dtype == np.float32
    assert np.array_equal(digits[:, :, :, 0], x_test[page["chosen"]])
    assert np.array_equal(page["labels"], y_test[page["chosen"]])
    assert [Path(p) for p in dataset.file_paths] == page["files"]


def test_accuracy_on_the_files_counts_the_correct_predictions(page, mnist_test):
    x_test, y_test = mnist_test
    chosen = page["chosen"]
    scores = page["model"].predict(x_test[chosen, :, :, None] / np.float32(255), verbose=0)
    np.testing.assert_allclose(page["probabilities"], scores, atol=1e-5)
    correct = int((scores.argmax(axis=1) == y_test[chosen]).sum())
    assert page["correct"] == correct
    assert page["accuracy"] == pytest.approx(correct / 30)
    assert f"{correct} of 30 files read correctly: accuracy {correct / 30:.3f}" in page["_printed"]
    assert page["largest_gap"] < 1e-5
    assert len(page["wrong_files"]) == 30 - correct


def test_the_photograph(page):
    photo = page["photo"]
    assert photo.mode == "RGB" and photo.size == (512, 600)  # (width, height)
    assert page["photo_grey"].shape == (600, 512, 1)
    seen = page["seen"]
    assert seen.shape == (28, 28, 1)
    # nearest-neighbour: every new pixel is one of the original's grey values
    assert set(np.unique(seen)) <= set(np.unique(page["photo_grey"]))
    for answer in page["photo_probabilities"].values():
        assert answer.shape == (10,)
        assert answer.sum() == pytest.approx(1, abs=1e-5)  # "add up to 1"
    expected = page["model"].predict((255 - seen)[None] / 255, verbose=0)[0]
    np.testing.assert_allclose(page["photo_probabilities"]["photo inverted"], expected, atol=1e-5)


def test_twelve_tiles_and_the_confidence_counts(page):
    tiles, tile_top, digit_top = page["tiles"], page["tile_top"], page["digit_top"]
    assert page["ROWS"] * page["COLUMNS"] == 12 == len(tiles)
    assert tiles.shape == (12, 150, 170, 1)
    assert np.array_equal(tiles[4], page["photo_grey"][150:300, 170:340])
    assert page["tiles_small"].shape == (12, 28, 28, 1)
    np.testing.assert_allclose(page["tile_answers"].sum(axis=1), 1, atol=1e-5)
    assert page["sure_tiles"] == int((tile_top > 0.9).sum())
    assert page["sure_digits"] == int((digit_top > 0.9).sum())
    assert page["separable"] == bool(tile_top.max() < digit_top.min())
    assert page["typical"] == pytest.approx(np.median(digit_top))


def test_dark_on_light_digits_and_inverting_them_back(page):
    labels = page["labels"]
    reader = page["reader"]
    on_paper = page["on_paper"]
    assert np.array_equal(on_paper, 255 - page["digits"])
    read = reader.predict(on_paper, verbose=0).argmax(axis=1)
    assert page["correct_on_paper"] == int((read == labels).sum())
    # inverting twice gives the very same pixels, so the same answers as the files
    assert page["correct_inverted"] == page["correct"]


def test_solutions(page):
    # 1: three equal channels, which the network refuses
    in_colour = page["in_colour"]
    assert in_colour.shape == (28, 28, 3)
    assert np.array_equal(in_colour[:, :, 0], in_colour[:, :, 1])
    assert np.array_equal(in_colour[:, :, 0], in_colour[:, :, 2])
    assert page["model"].input_shape[-1] == 1
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
        page["model"].predict(in_colour[None] / 255, verbose=0)
    # 2: raw pixels: the counts printed, and more confident than scaled ones
    raw = page["raw"]
    assert page["correct_raw"] == int((raw.argmax(axis=1) == page["labels"]).sum())
    assert np.median(raw.max(axis=1)) >= np.median(page["digit_top"])
    # 3: folder names sorted as text; class_names restores the order
    words = page["WORDS"]
    assert page["by_text"].class_names == sorted(words)
    assert page["by_text"].class_names[0] == "eight"
    assert page["by_digit"].class_names == words
    assert page["word_matches"]["class_names given"] == page["correct"]
    # a match only where the network's digit equals the folder's position in sorted order
    position = {word: k for k, word in enumerate(sorted(words))}
    expected = sum(
        int(page["predicted"][k] == position[words[label]])
        for k, label in enumerate(page["labels"])
    )
    assert page["word_matches"]["sorted as text"] == expected
    # 4: the crop keep_aspect_ratio makes
    assert "keeps the middle 512x512 square" in page["_printed"]
    # 4: about 392 original pixels per new pixel
    assert "original pixels per new pixel: 392" in page["_printed"]
    # 5: the threshold's counts
    assert page["refused_digits"] == int((page["digit_top"] < 0.99).sum())
    assert len(page["photo_tops"]) == 14
    assert page["refused_photo"] == int((np.array(page["photo_tops"]) < 0.99).sum())
    # 6: to_network turns both versions into the same arrays
    to_network = page["to_network"]
    before = page["on_paper"].copy()
    to_network(page["on_paper"])
    assert np.array_equal(page["on_paper"], before)  # the input is not changed
    np.testing.assert_array_equal(to_network(page["on_paper"]), to_network(page["digits"]))
    np.testing.assert_allclose(to_network(page["digits"]), page["digits"] / 255, atol=1e-7)


def test_keras_functions_used_are_the_public_ones():
    source = CHAPTER.read_text(encoding="utf-8")
    for name in ("load_img", "img_to_array", "image_dataset_from_directory", "save_img"):
        assert f"keras.utils.{name}(" in source
        assert hasattr(keras.utils, name)
