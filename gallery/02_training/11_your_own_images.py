"""
Your own images
===============

Until now every network was fed arrays that :func:`convbook.datasets.load` handed over:
already 28x28, grey, and stacked in the order the network wants. Your own pictures arrive
as files, PNGs and JPEGs of any size, often in colour, sorted into folders. This chapter
turns image files into the tensors a trained network expects, with the tools Keras ships
for it: ``keras.utils.load_img`` and ``keras.utils.img_to_array`` for one file,
``keras.utils.image_dataset_from_directory`` for a folder of them. To have real files to
read, we write MNIST test digits as PNG images and read them back; then we show the
network a real photograph and see what a classifier does with a picture that belongs to
none of its classes.
"""

# %%
# A trained network and the input it expects
# -------------------------------------------
#
# We reuse the simple CNN of the chapter
# :ref:`Dense vs. CNN <sphx_glr_auto_gallery_02_training_05_dense_vs_cnn.py>`: two
# convolutions, a pooling layer and a dense classifier, trained on MNIST (its Keras code,
# as :mod:`convbook.models` defines it, is printed first). In a build of
# the whole book the run is already done and :func:`~convbook.recipes.run_recipe` hands
# it back without training again. Its last layer is a softmax, so ``model.predict``
# returns ten probabilities per image.
import keras
import numpy as np

from convbook import datasets, models, recipes

print(models.source("simple_cnn"))
result = recipes.run_recipe("simple_cnn_mnist")
model = result.model
print("input shape: ", model.input_shape)
print("output shape:", model.output_shape)
print(f"test accuracy of this run: {result.test_accuracy:.4f}")

# %%
# ``None`` is the batch axis: the network takes a stack of any number of images, each 28
# pixels high, 28 wide, with one channel (grey). The shape is not the whole contract,
# though. The network learned from the pixel values it was given, and it only knows how
# to read pictures prepared the same way. The recipe says how its images were prepared
# (``"unit"``: the raw pixels divided by 255), and the raw MNIST arrays show what the
# pictures look like:
recipe = recipes.get("simple_cnn_mnist")
print("preparation:", recipe.normalization)
(x_train, y_train), (x_test, y_test) = datasets.load("mnist")
print("raw test images:", x_test.shape, x_test.dtype, "values", x_test.min(), "to", x_test.max())
frame = np.ones((28, 28), dtype=bool)
frame[4:-4, 4:-4] = False
print(f"mean pixel {x_test.mean():.1f}; mean of the 4-pixel frame {x_test[:, frame].mean():.2f}")

# %%
# The average pixel is dark and the frame around each image is almost perfectly black:
# an MNIST digit is a light stroke on a dark background, drawn in the middle. (Its
# makers scaled each digit into a 20x20 box and centred it by its centre of mass in the
# 28x28 field.) So a picture is ready for this network when it is
#
# * 28x28 pixels with one channel, stacked with a batch axis in front:
#   ``(batch, 28, 28, 1)``;
# * ``float32`` values from 0 to 1 (the 0-255 pixels divided by 255);
# * a light digit on a dark background, roughly centred.
#
# Digits as image files
# ---------------------
#
# For files to read we write some MNIST *test* digits (the network never trained on them)
# as PNG images, three of each digit, into a temporary directory that Python removes
# again at the end. We give each digit a folder named after its label: that is the
# layout ``image_dataset_from_directory`` expects below. ``keras.utils.save_img`` wants
# an array shaped ``(height, width, channels)``; ``scale=False`` writes the values as they
# are (by default it stretches every image to the full range from 0 to 255).
import tempfile
from pathlib import Path

PER_DIGIT = 3
chosen = np.concatenate([np.flatnonzero(y_test == digit)[:PER_DIGIT] for digit in range(10)])
workspace = tempfile.TemporaryDirectory()
folder = Path(workspace.name) / "digits"
for index in chosen:
    label_folder = folder / str(y_test[index])
    label_folder.mkdir(parents=True, exist_ok=True)
    keras.utils.save_img(
        label_folder / f"test_{index:05d}.png", x_test[index][:, :, np.newaxis], scale=False
    )
files = sorted(folder.glob("*/*.png"))
print(f"{len(files)} files in {len(list(folder.iterdir()))} folders, the first {files[0].name}")
sizes = [path.stat().st_size for path in files]
print(f"file sizes from {min(sizes)} to {max(sizes)} bytes, for 28 x 28 = 784 one-byte pixels")

# %%
# PNG compresses without losing anything, and a digit's black background compresses
# well, so every file here is smaller than the pixels it holds (the file also carries a
# header with the size and the pixel format).
#
# One file: load_img and img_to_array
# -----------------------------------
#
# ``keras.utils.load_img`` opens an image file with Pillow, the Python imaging library
# Keras relies on, and returns a Pillow image. ``color_mode="grayscale"`` asks for one
# grey channel (Pillow's mode ``"L"``, 8 bits per pixel), whatever the file holds.
# ``keras.utils.img_to_array`` turns the image into a NumPy array shaped
# ``(height, width, channels)``, in ``float32`` but with the pixel values unchanged.
path = files[0]
picture = keras.utils.load_img(path, color_mode="grayscale")
print(f"{path.parent.name}/{path.name}: a {type(picture).__name__}, mode {picture.mode}")
print("picture.size (width, height):", picture.size)
array = keras.utils.img_to_array(picture)
print("array:", array.shape, array.dtype, "values", array.min(), "to", array.max())
original = x_test[int(path.stem.split("_")[1])]
round_trip_exact = np.array_equal(array[:, :, 0], original)
print("identical to the MNIST array it was written from:", round_trip_exact)

# %%
# Two orders of the same two numbers: Pillow gives an image's size as (width, height),
# NumPy and Keras give shapes as (height, width). For a square digit it makes no
# difference; for the photograph below it does.
#
# The round trip through the file is exact, but ``array`` is not yet what the network
# takes. Two steps remain: divide by 255, as the recipe did to the training images, and
# put the image into a batch of one with a new first axis (``array[np.newaxis]``, or
# ``np.expand_dims(array, 0)``). Without the batch axis Keras would take the 28 rows for
# 28 images of shape (28, 1), and refuse them.
batch = (array / 255)[np.newaxis]
print("batch:", batch.shape, batch.dtype, "values", batch.min(), "to", batch.max())
one_file = model.predict(batch, verbose=0)[0]
print(
    f"label {path.parent.name}: read as a {one_file.argmax()} with probability {one_file.max():.3f}"
)

# %%
# A folder of files: image_dataset_from_directory
# -----------------------------------------------
#
# For many files, ``keras.utils.image_dataset_from_directory`` does the same work and
# the bookkeeping as well. With ``labels="inferred"`` each subfolder is a class, the
# folder names sorted as text are the class names, and a file's label is the position
# of its folder in that list. ``image_size`` resizes every image (our files are already
# 28x28, so nothing changes), and ``shuffle=False`` keeps the files in the order they
# were listed, which we need to compare answers with labels file by file (for training
# you would shuffle). It returns a ``tf.data.Dataset`` of batches, so it needs
# TensorFlow installed, whichever backend Keras runs on.
dataset = keras.utils.image_dataset_from_directory(
    folder,
    labels="inferred",
    label_mode="int",
    color_mode="grayscale",
    image_size=(28, 28),
    batch_size=8,
    shuffle=False,
)
print("class names:", dataset.class_names)
first_images, first_labels = next(iter(dataset))
print("one batch of images:", tuple(first_images.shape), first_images.dtype.name)
print("its labels:", np.asarray(first_labels).tolist())
digits = np.concatenate([np.asarray(images) for images, _ in dataset])
labels = np.concatenate([np.asarray(batch_labels) for _, batch_labels in dataset])
print("all files:", digits.shape, digits.dtype, "values", digits.min(), "to", digits.max())
print("same pixels as the MNIST arrays:", np.array_equal(digits[:, :, :, 0], x_test[chosen]))
print("labels equal the MNIST labels:", np.array_equal(labels, y_test[chosen]))

# %%
# The batches hold 0-255 values, and the division by 255 is still ours to do. Instead of
# dividing by hand each time, we can make the division part of a model: a
# ``keras.layers.Rescaling(1 / 255)`` layer in front of the trained network gives a
# model that reads raw pixels. Its ``predict`` takes the dataset directly (and ignores
# the labels in it).
reader = keras.Sequential(
    [keras.Input(shape=(28, 28, 1)), keras.layers.Rescaling(1 / 255), model], name="reader"
)
probabilities = reader.predict(dataset, verbose=0)
predicted = probabilities.argmax(axis=1)
correct = int((predicted == labels).sum())
accuracy = correct / len(labels)
print("probabilities:", probabilities.shape)
print(f"{correct} of {len(labels)} files read correctly: accuracy {accuracy:.3f}")
largest_gap = np.abs(probabilities[0] - one_file).max()
print(f"first file, reader vs. dividing by hand: largest difference {largest_gap:.1e}")
wrong_files = [
    str(Path(dataset.file_paths[k]).relative_to(folder))
    for k in np.flatnonzero(predicted != labels)
]
print("misread:", wrong_files)

# %%
# The files drawn in three rows, each column one digit, each titled with what the
# network read (a mistake shows up as a title that differs from its column):
from convbook.plotting import data as data_plots

by_column = np.arange(len(labels)).reshape(10, PER_DIGIT).T.ravel()
fig = data_plots.show_samples(
    digits[by_column],
    predicted[by_column],
    dataset.class_names,
    n_rows=PER_DIGIT,
    n_cols=10,
    title=f"The {len(labels)} PNG files read back, titled with the network's answer: "
    "each column one digit",
)
fig.supxlabel(f"{len(labels)} files, each titled with the digit the network read", fontsize=9)

# %%
# A real photograph
# -----------------
#
# Now a picture that is not a digit: the portrait of the computer scientist Grace Hopper
# that ships with Matplotlib, the photograph of
# :ref:`Filters on a real image
# <sphx_glr_auto_gallery_01_layer_math_03_filters_on_a_real_image.py>`. Loaded as it is,
# it is a colour image (mode ``"RGB"``) of 512 by 600 pixels, given as (width, height).
# ``target_size=(28, 28)`` (height, width, as NumPy counts) shrinks it to the network's
# size while loading. It squeezes the 600x512 portrait into a square, because the
# aspect ratio is kept only with ``keep_aspect_ratio=True`` (which crops the middle), and
# by default it picks the nearest pixel for each new one (``interpolation="nearest"``),
# so each of the 784 new pixels is one of the original's pixels.
import matplotlib.cbook

photo_path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
photo = keras.utils.load_img(photo_path)
print(f"the file: mode {photo.mode}, size (width, height) {photo.size}")
photo_grey = keras.utils.img_to_array(keras.utils.load_img(photo_path, color_mode="grayscale"))
print("in grey:", photo_grey.shape)
seen = keras.utils.img_to_array(
    keras.utils.load_img(photo_path, color_mode="grayscale", target_size=(28, 28))
)
print("what the network gets:", seen.shape, "values", seen.min(), "to", seen.max())

# %%
# We ask the network about the photograph and about its negative (``255 - x`` swaps
# light and dark; MNIST is light on dark, a photograph has both, so we try both ways
# round) and print the three likeliest digits of each and the sum of all ten
# probabilities.
photo_inputs = {"photo": seen, "photo inverted": 255 - seen}
photo_probabilities = {}
for name, pixels in photo_inputs.items():
    answer = reader.predict(pixels[np.newaxis], verbose=0)[0]
    photo_probabilities[name] = answer
    top = np.argsort(answer)[::-1][:3]
    likeliest = ", ".join(f"{k} ({answer[k]:.3f})" for k in top)
    print(f"{name:15s} likeliest {likeliest}; sum of all ten {answer.sum():.3f}")
typical = np.median(probabilities.max(axis=1))
print(f"for comparison, the median top probability on the 30 digit files: {typical:.3f}")

# %%
# What the network saw, and its ten probabilities for each version:
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), layout="constrained")
panels = {
    f"the photo in grey\n({photo_grey.shape[0]}x{photo_grey.shape[1]})": photo_grey,
    "what the network gets\n(28x28)": seen,
    "inverted (255 - x)\n(28x28)": 255 - seen,
}
for ax, (title, pixels) in zip(axes[:3], panels.items(), strict=True):
    ax.imshow(pixels[:, :, 0], cmap="gray", vmin=0, vmax=255)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("column (pixels)")
    ax.set_ylabel("row (pixels)")
width = 0.4
for shift, (name, answer) in zip((-width / 2, width / 2), photo_probabilities.items(), strict=True):
    axes[3].bar(np.arange(10) + shift, answer, width, label=name)
axes[3].set_xticks(range(10))
axes[3].set_xlabel("digit")
axes[3].set_ylabel("probability")
axes[3].set_ylim(0, 1)
axes[3].legend(fontsize=8)
axes[3].set_title("the network's answer", fontsize=10)
fig.suptitle("A portrait is not a digit, but the network still picks one of its ten digits")

# %%
# Softmax has no "none of these"
# ------------------------------
#
# Whatever goes in, the ten probabilities add up to 1 (the sums printed above): the
# softmax layer shares out the whole probability among the ten digits the network knows,
# and it has no output for "this is not a digit". The top probability says how much the
# network prefers one digit to the other nine on this input, not whether the input is a
# digit at all: compare the photograph's top probabilities above with the median of the
# real digits. One photo could be a fluke, so here are twelve more inputs that are not
# digits: twelve tiles of the same portrait (a grid of 4 rows and 3 columns over the
# 600x512 picture), each shrunk to 28x28 with ``keras.ops.image.resize``
# (``antialias=True`` blends all the pixels each new pixel covers instead of sampling a
# few of them).
ROWS, COLUMNS = 4, 3
tile_height, tile_width = photo_grey.shape[0] // ROWS, photo_grey.shape[1] // COLUMNS
tiles = np.stack(
    [
        photo_grey[r * tile_height : (r + 1) * tile_height, c * tile_width : (c + 1) * tile_width]
        for r in range(ROWS)
        for c in range(COLUMNS)
    ]
)
tiles_small = keras.ops.convert_to_numpy(keras.ops.image.resize(tiles, (28, 28), antialias=True))
tile_answers = reader.predict(tiles_small, verbose=0)
tile_digits = tile_answers.argmax(axis=1)
tile_top = tile_answers.max(axis=1)
digit_top = probabilities.max(axis=1)
print("tiles:", tiles.shape, "->", tiles_small.shape)
print("digit named for each tile:", tile_digits.tolist())
print("its probability:          ", [round(float(p), 2) for p in tile_top])
sure_tiles = int((tile_top > 0.9).sum())
print(f"tiles answered with a top probability above 0.9: {sure_tiles} of {len(tiles)}")
sure_digits = int((digit_top > 0.9).sum())
print(f"digit files answered with a top probability above 0.9: {sure_digits} of {len(labels)}")
surest = int(tile_top.argmax())
print(f"most confident tile: number {surest}, a {tile_digits[surest]} ({tile_top[surest]:.3f})")
print(f"least confident digit file: {digit_top.min():.3f}")
separable = bool(tile_top.max() < digit_top.min())
print("every digit file more confident than every tile:", separable)

# %%
# The tiles in their places on the portrait, each titled with the digit the network
# named and its probability:
fig, axes = plt.subplots(ROWS, COLUMNS, figsize=(6, 8), layout="constrained")
for k, ax in enumerate(axes.ravel()):
    ax.imshow(tiles[k, :, :, 0], cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"tile {k}: a {tile_digits[k]} ({tile_top[k]:.2f})", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.supxlabel(f"tiles {tile_width} pixels wide, {tile_height} high; titles: the network's answer")
fig.suptitle("Twelve pieces of a portrait, each still named a digit")

# %%
# Every tile is named a digit, and the counts above show how often with high
# confidence. The last line says whether a threshold on the top probability could
# have told the tiles from the digits on this run: ``False`` means at least one tile got
# a higher top probability than some real digit. Either way, confidence is not a
# reliable alarm for pictures that fit none of the classes: a network trained only on
# digits has never been shown what is not a digit, so nothing in its training pushed its
# answers on such pictures towards uncertainty, and the next photograph may well get a
# confident answer. The usual remedies are an extra "other" class trained on non-digit
# pictures, or a separate check of the input before it is classified.
#
# Preprocess like the training data
# ---------------------------------
#
# No preparation turns a portrait into a digit. A real digit, though, can be misread
# only because it was prepared differently from the training images. Write a digit with
# a dark pen on white paper and photograph it, and you get the opposite of MNIST: dark
# strokes on a light background. Our test digits with light and dark swapped
# (``255 - x``) stand in for such pictures here; they are not scans, but in this respect
# they are what a scan of ink on paper would look like.
on_paper = 255 - digits
read_on_paper = reader.predict(on_paper, verbose=0).argmax(axis=1)
correct_on_paper = int((read_on_paper == labels).sum())
print(f"dark on light, as given:       {correct_on_paper} of {len(labels)} correct")
read_inverted = reader.predict(255 - on_paper, verbose=0).argmax(axis=1)
correct_inverted = int((read_inverted == labels).sum())
print(f"inverted back first (255 - x): {correct_inverted} of {len(labels)} correct")

# %%
# The same digits, read correctly or not depending on one subtraction: to the network a
# dark-on-light picture is a different picture. It is your job to make new inputs look
# like the training data: the same size, the same channels, the same scale of values,
# the same polarity, the digit centred. When that is not possible (photographs of digits
# in every lighting), the cure is to train on such pictures too.
#
# The temporary directory is removed now; the page leaves no files behind.
workspace.cleanup()
print("digit folder still there:", folder.exists())

# %%
# Exercises
# ---------
#
# 1. Write one test digit as a PNG and load it with ``keras.utils.load_img`` *without*
#    ``color_mode="grayscale"``. What shape does ``img_to_array`` give, do the channels
#    differ, and how do you turn the array into what the network takes?
# 2. Forget the division by 255: predict the 30 digits from their raw 0-255 pixels with
#    ``model`` itself (not ``reader``). How many does it still read correctly, and what
#    happens to the top probabilities?
# 3. Name the ten folders ``zero``, ``one``, ..., ``nine`` instead of ``0`` to ``9`` and
#    load them with ``image_dataset_from_directory``. In which order are the class names,
#    what does comparing ``argmax`` with the labels give now, and how does the
#    ``class_names`` argument fix it?
# 4. Load the photograph with ``interpolation="box"`` (each new pixel the average of the
#    original pixels it covers) and, separately, with ``keep_aspect_ratio=True``. How do
#    the 28x28 pictures differ from the one above, and does the answer change?
# 5. A common stopgap for "none of these" is to refuse answers whose top probability is
#    below a threshold. With a threshold of 0.99, how many of the 30 digits and how many
#    of the photo inputs (the photo, its negative and the twelve tiles) are refused? Is
#    this a reliable detector of non-digits?
# 6. Write a function ``to_network(pixels)`` that takes grey 28x28 pictures with 0-255
#    values, inverts those whose frame is brighter than their middle, and returns what
#    ``model`` takes. Check it on ``digits`` and on ``on_paper``.

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you read its solution. The numbers are those of the
# network this build trained; a network trained for less time (the smoke budget) can
# give different ones.
#
# .. solution:: Exercise 1
#
#    ``load_img`` converts every image to the mode you ask for, and the default mode is
#    ``"rgb"``, so a grey PNG comes back with three channels, ``(28, 28, 3)``, each an
#    exact copy of the grey values. The network's input has one channel, so it would
#    refuse the array. Keep one channel (``array[:, :, :1]``, the slice keeps the axis)
#    or, for a real colour picture, reduce the three channels to one grey value per
#    pixel, for example with ``color_mode="grayscale"`` (Pillow's luminance formula).
with tempfile.TemporaryDirectory() as scratch:
    png = Path(scratch) / "digit.png"
    keras.utils.save_img(png, x_test[0][:, :, np.newaxis], scale=False)
    in_colour = keras.utils.img_to_array(keras.utils.load_img(png))
print("loaded without color_mode:", in_colour.shape)
channels_equal = all(np.array_equal(in_colour[:, :, 0], in_colour[:, :, c]) for c in (1, 2))
print("the three channels are equal:", channels_equal)
one_channel = in_colour[:, :, :1]
answer = model.predict((one_channel / 255)[np.newaxis], verbose=0)[0]
print(f"one channel {one_channel.shape}: read as a {answer.argmax()} (label {y_test[0]})")

# %%
# .. solution:: Exercise 2
#
#    Without the division every pixel is 255 times larger than the network was trained
#    on. Each convolution's weighted sums grow by that factor while its biases stay as
#    they are, so the pattern of which units fire may survive, but the scores that reach
#    the softmax end up far larger and far apart. Large differences between scores push
#    softmax towards exactly 0 and 1, so expect the top probabilities to climb to 1
#    whether the answer is right or not. How many answers survive depends on the run;
#    the code counts them.
raw = model.predict(digits, verbose=0)
correct_raw = int((raw.argmax(axis=1) == labels).sum())
print(f"raw 0-255 pixels: {correct_raw} of {len(labels)} correct (scaled: {correct})")
print(f"median top probability: raw {np.median(raw.max(axis=1)):.4f}, scaled {typical:.4f}")
print(f"top probability exactly 1.0 in float32: {int((raw.max(axis=1) == 1).sum())} raw")

# %%
# .. solution:: Exercise 3
#
#    The class names are the folder names sorted as text, so they come out in
#    alphabetical order: ``eight``, ``five``, ``four``, ``nine``, ``one``, ... The labels
#    are positions in that list, so the label of a file in ``eight`` is 0, while the
#    network's output 0 means the digit zero: comparing the two counts a match only where
#    a digit happens to sit at its own position. Passing
#    ``class_names=["zero", ..., "nine"]`` fixes the order (and the labels) to yours.
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
with tempfile.TemporaryDirectory() as scratch:
    for index in chosen:
        word_folder = Path(scratch) / WORDS[y_test[index]]
        word_folder.mkdir(exist_ok=True)
        keras.utils.save_img(word_folder / f"{index}.png", x_test[index][:, :, None], scale=False)
    options = dict(color_mode="grayscale", image_size=(28, 28), shuffle=False, verbose=False)
    by_text = keras.utils.image_dataset_from_directory(scratch, **options)
    by_digit = keras.utils.image_dataset_from_directory(scratch, class_names=WORDS, **options)
    word_matches = {}
    for name, words in (("sorted as text", by_text), ("class_names given", by_digit)):
        word_labels = np.concatenate([np.asarray(y) for _, y in words])
        word_answers = reader.predict(words, verbose=0).argmax(axis=1)
        word_matches[name] = int((word_answers == word_labels).sum())
        print(
            f"{name}: {words.class_names[:4]} ...; "
            f"argmax = label for {word_matches[name]} of {len(word_labels)}"
        )

# %%
# .. solution:: Exercise 4
#
#    Nearest-neighbour shrinking keeps one pixel out of the several hundred that each new
#    pixel covers (the code prints how many), so fine detail such as the hair or the
#    pattern of the uniform turns into noise that depends on exactly which pixels were
#    picked. ``"box"`` averages them, which gives a smoother, more faithful small picture.
#    With ``keep_aspect_ratio=True`` the largest square in the middle is cut out first
#    (the code prints its size), so the face is no longer squeezed but the top and bottom
#    are lost. Any of these can change the
#    answer, since none is a digit; the code prints how far each picture is from the one
#    above and what the network says.
print(f"original pixels per new pixel: {photo_grey.shape[0] * photo_grey.shape[1] / 28**2:.0f}")
print(f"keep_aspect_ratio=True keeps the middle {min(photo.size)}x{min(photo.size)} square")
for option in (dict(interpolation="box"), dict(keep_aspect_ratio=True)):
    variant = keras.utils.img_to_array(
        keras.utils.load_img(photo_path, color_mode="grayscale", target_size=(28, 28), **option)
    )
    answer = reader.predict(variant[np.newaxis], verbose=0)[0]
    change = np.abs(variant - seen).mean()
    print(
        f"{option}: mean pixel change {change:.1f} of 255; "
        f"read as a {answer.argmax()} ({answer.max():.3f})"
    )

# %%
# .. solution:: Exercise 5
#
#    A threshold refuses every answer the network is unsure about, real digits included,
#    and accepts every confident answer, non-digits included. It works only as far as
#    non-digits get lower top probabilities than digits, which nothing in training
#    guarantees: a strict threshold refuses difficult real digits, and a loose one lets
#    through any picture the network happens to be sure about. Count both kinds of error
#    before you trust such a rule, and on more than a handful of pictures; the code
#    counts them for this network.
THRESHOLD = 0.99
photo_tops = [answer.max() for answer in photo_probabilities.values()] + tile_top.tolist()
refused_digits = int((probabilities.max(axis=1) < THRESHOLD).sum())
refused_photo = int((np.array(photo_tops) < THRESHOLD).sum())
print(f"digit files refused: {refused_digits} of {len(labels)}")
print(f"photo inputs refused: {refused_photo} of {len(photo_tops)}")
print(f"photo inputs accepted as digits: {len(photo_tops) - refused_photo}")


# %%
# .. solution:: Exercise 6
#
#    The frame of an MNIST digit is black, so a frame brighter than the middle means the
#    picture is dark on light and must be inverted. The function then scales and shapes
#    the pictures as the network expects. Both versions of the digits now give the same
#    answers, the ones of the digit files above. The rule relies on a centred digit with
#    an empty frame; a cluttered photograph would need more than this.
def to_network(pixels):
    """Grey 0-255 pictures (n, 28, 28, 1) as the network takes them: light on dark, in [0, 1]."""
    pixels = np.array(pixels, dtype="float32")  # a copy: the caller's array stays as it is
    border = np.ones((28, 28), dtype=bool)
    border[4:-4, 4:-4] = False
    frame_mean = pixels[:, border].mean(axis=(1, 2))
    middle_mean = pixels[:, ~border].mean(axis=(1, 2))
    flip = frame_mean > middle_mean
    pixels[flip] = 255 - pixels[flip]
    return pixels / 255


for name, pictures in (("digits", digits), ("on_paper", on_paper)):
    answers = model.predict(to_network(pictures), verbose=0).argmax(axis=1)
    print(f"{name}: {int((answers == labels).sum())} of {len(labels)} correct")
