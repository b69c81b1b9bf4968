"""
The datasets
============

Every network in this part of the book learns from one of three small image datasets with
the same format: 70,000 grey-scale pictures of 28x28 pixels, split into 60,000 for training
and 10,000 for testing, in ten classes. MNIST holds handwritten digits, Fashion-MNIST
photographs of clothes and shoes, Kuzushiji-MNIST cursive Japanese characters. Here you load
them, look at the arrays a network actually receives (their shape, type and range of
values), count the examples of each class and look at samples, so that later chapters can
concentrate on the networks.
"""

# %%
# Loading a dataset
# -----------------
#
# :func:`convbook.datasets.load` returns the same four arrays as Keras'
# ``keras.datasets.mnist.load_data()``: training images and labels, then test images and
# labels. The first call finds the files (a verified copy in the data directory, Keras'
# own cache, or a download) and checks them byte for byte against a SHA-256 checksum;
# later calls read the verified copy.
from convbook import datasets, inspection

(x_train, y_train), (x_test, y_test) = datasets.load("mnist")
print("training images:", x_train.shape, x_train.dtype)
print("training labels:", y_train.shape, y_train.dtype, "first ten:", y_train[:10].tolist())
print("test images:    ", x_test.shape, x_test.dtype)
print("pixel values from", x_train.min(), "to", x_train.max())

# %%
# The images form a three-dimensional array: 60,000 images of 28 rows by 28 columns.
# Each pixel is an unsigned 8-bit integer (``uint8``): 0 is black background, 255 is the
# brightest ink. The labels are just the digits themselves. A network prefers small
# floating-point numbers, so before training the chapters divide by 255 and add a channel
# axis (``(60000, 28, 28, 1)``); :func:`convbook.training.prepare` does that.
#
# Where MNIST comes from
# ----------------------
#
# MNIST (the *Modified* NIST database) was assembled by Yann LeCun, Corinna Cortes and
# Christopher Burges from two collections of the US National Institute of Standards and
# Technology: digits written by Census Bureau employees and digits written by high-school
# students. Half of the 60,000 training digits come from each collection, and all of them
# were written by about 250 people; the 10,000 test digits, again half from each
# collection, were written by a different set of people. That last point matters: a test
# score measures how well a network reads the handwriting of people it has never seen, not
# how well it remembers its training set.
# Each digit was scaled to fit a 20x20 box and centred by its centre of mass in the 28x28
# frame, which is why the digits below sit in the middle with a dark border.
#
# A picture is a matrix of numbers
# --------------------------------
#
# This is the first training image with every one of its 784 pixel values written in.
# The grey levels at the edges of the strokes come from the scaling: a pixel only partly
# covered by ink gets a value in between.
from convbook.plotting import data as data_plots

fig = data_plots.show_image_values(x_train[0], title=f"Training image 0, labelled {y_train[0]}")

# %%
# A grid of the first 24 training images, each titled with its label, shows how much the
# same digit varies between writers:
mnist_names = datasets.CLASS_NAMES["mnist"]
fig = data_plots.show_samples(
    x_train[:24],
    y_train[:24],
    mnist_names,
    n_rows=3,
    n_cols=8,
    title="MNIST: the first 24 training digits",
)

# %%
# How many of each class?
# -----------------------
#
# A classifier trained on data where one class dominates can score well by guessing that
# class. :func:`convbook.inspection.dataset_summary` prints each array's shape, type and
# range, then how many examples each class has in each split, with its share.
print(inspection.dataset_summary(((x_train, y_train), (x_test, y_test)), mnist_names))
mnist_counts = inspection.class_counts(y_train, 10)
print(
    f"most common training digit: {mnist_counts.argmax()} ({mnist_counts.max()} images); "
    f"least common: {mnist_counts.argmin()} ({mnist_counts.min()} images); "
    f"ratio {mnist_counts.max() / mnist_counts.min():.2f}"
)
test_counts = inspection.class_counts(y_test, 10)
print(
    f"always answering {mnist_counts.argmax()} would be right on "
    f"{test_counts[mnist_counts.argmax()] / len(y_test):.1%} of the test set"
)

# %%
# MNIST is close to balanced but not exactly: the commonest digit, 1, has about a quarter
# more training examples than the rarest, 5 (a ratio of 1.24). A network that always
# answered "1" would be right on only 11.3% of the test set: the baseline any real
# classifier must beat by far.
fig = data_plots.show_class_counts(
    {"train": y_train, "test": y_test}, mnist_names, title="MNIST: examples of each digit"
)

# %%
# Fashion-MNIST
# -------------
#
# By the late 2010s good networks read MNIST digits almost perfectly, and even simple
# methods do well on it, so it no longer separated good ideas from mediocre ones. Zalando
# Research (Han Xiao, Kashif Rasul and Roland Vollgraf, 2017) published Fashion-MNIST as a
# *drop-in replacement*: the same number of images, the same size, the same split and the
# same file format, so any program written for MNIST runs unchanged, but the pictures are
# of Zalando's articles in ten classes, from T-shirts to ankle boots, and it is clearly
# harder
# (:ref:`its chapter <sphx_glr_auto_gallery_02_training_08_fashion_mnist.py>` measures how much).
(fx_train, fy_train), (fx_test, fy_test) = datasets.load("fashion_mnist")
fashion_names = datasets.CLASS_NAMES["fashion_mnist"]
print(inspection.dataset_summary(((fx_train, fy_train), (fx_test, fy_test)), fashion_names))

# %%
# Fashion-MNIST is perfectly balanced: 6,000 training and 1,000 test images per class.
# The samples show why it is harder. A shirt, a pullover, a coat and a T-shirt are all
# roughly the same shape at 28x28 pixels; what tells them apart is texture, collars and
# sleeves, details a network must learn to notice.
fig = data_plots.show_samples(
    fx_train[:24], fy_train[:24], fashion_names, title="Fashion-MNIST: the first 24 training images"
)

# %%
# Its pixels are written the same way, 0 for the background, up to 255: here is the
# first training image as numbers. Unlike a digit, much of the object is covered in mid
# greys, the texture and shading of the fabric.
fig = data_plots.show_image_values(
    fx_train[0], title=f"Fashion-MNIST training image 0: {fashion_names[fy_train[0]]}"
)

# %%
# Kuzushiji-MNIST
# ---------------
#
# *Kuzushiji* is the cursive style in which Japanese was written and printed for over a
# thousand years, until school reforms at the start of the twentieth century standardised
# the script. It is no longer taught in schools, so few people today can read the enormous
# body of pre-modern books written in it.
# Kuzushiji-MNIST (Tarin Clanuwat and colleagues, 2018) takes characters from classical
# Japanese literature, digitised by the National Institute of Japanese Literature, and puts
# ten hiragana characters, one per class, into MNIST's format and split, as a step towards
# machines that help to read these texts.
#
# It is downloaded from its authors' site the first time it is used. When it is neither in
# the data directory nor reachable, :func:`~convbook.datasets.load` raises
# :class:`~convbook.datasets.DatasetUnavailable`, whose message says which files to get
# and where to put them. This page then prints that message and shows no samples, rather
# than anything made up.
kmnist_names = datasets.CLASS_NAMES["kmnist"]
print("classes:", ", ".join(kmnist_names))
try:
    (kx_train, ky_train), (kx_test, ky_test) = datasets.load("kmnist", progress=False)
except datasets.DatasetUnavailable as error:
    kmnist_loaded = False
    print("Kuzushiji-MNIST is not available on this machine, so it is not shown here.")
    print("The loader's explanation:")
    for line in str(error).splitlines()[:12]:
        print("   ", line)
else:
    kmnist_loaded = True
    print(inspection.dataset_summary(((kx_train, ky_train), (kx_test, ky_test)), kmnist_names))

# %%
# When the data is there, the same two calls as for the other datasets show its samples
# and one character's pixel values. Without a Japanese font, the titles give each
# character's reading instead of the character itself.
if kmnist_loaded:
    fig = data_plots.show_samples(
        kx_train[:24],
        ky_train[:24],
        kmnist_names,
        title="Kuzushiji-MNIST: the first 24 training images",
    )
    first_name = data_plots.display_name(kmnist_names[ky_train[0]])
    fig = data_plots.show_image_values(
        kx_train[0], title=f"Kuzushiji-MNIST training image 0: {first_name}"
    )

# %%
# Exercises
# ---------
#
# 1. Compute the mean pixel value of the MNIST and the Fashion-MNIST training images
#    (``x_train.mean()``). Which dataset has more "ink", and why would that be?
# 2. Find the index of the first training image of each digit with
#    ``[int(np.flatnonzero(y_train == d)[0]) for d in range(10)]`` and show them with
#    :func:`convbook.plotting.data.show_samples`.
# 3. Average all training images of one class (``x_train[y_train == 3].mean(axis=0)``) and
#    draw the result with ``plt.imshow``. What does the "average 3" look like? Do the same
#    for a Fashion-MNIST class.
# 4. How many of MNIST's training pixels are exactly 0? What fraction is that, and what
#    does it tell you about where the information in an image is?
# 5. If Kuzushiji-MNIST was unavailable, follow the printed instructions on a machine with
#    internet access, then run this page again.

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you open its solution. The solutions run every time
# the book is built, so what they print comes from the same data files as the page.
#
# .. solution:: Exercise 1
#
#    The mean pixel value is the average brightness, so it measures how much of the
#    picture is covered. A digit is a thin pen stroke on a black background: roughly a
#    fifth of MNIST's pixels are not zero, and the mean is low, about 33 out of 255.
#    Fashion-MNIST's objects fill much of the frame, and fabric is grey rather than black,
#    so its mean is more than twice as high, about 73. Fashion-MNIST has more "ink".
import numpy as np

mnist_mean, fashion_mean = float(x_train.mean()), float(fx_train.mean())
print(f"mean pixel value: MNIST {mnist_mean:.1f}, Fashion-MNIST {fashion_mean:.1f}")
print(f"share of pixels that are not 0: MNIST {np.mean(x_train > 0):.1%}, ", end="")
print(f"Fashion-MNIST {np.mean(fx_train > 0):.1%}")
print("Fashion-MNIST has more ink:", fashion_mean > mnist_mean)

# %%
# .. solution:: Exercise 2
#
#    ``np.flatnonzero(y_train == d)`` lists the positions of every image labelled ``d``,
#    and its first entry is the first such image. The first ten labels are
#    5, 0, 4, 1, 9, 2, 1, 3, 1, 4, so seven of the ten digits appear among the first ten
#    images; 6, 7 and 8 come a little later. Passing the ten indices to ``show_samples``
#    with one row of ten draws one example of every digit, in the order 0 to 9.
first_of_each = [int(np.flatnonzero(y_train == d)[0]) for d in range(10)]
print("index of the first training image of each digit 0-9:", first_of_each)
fig = data_plots.show_samples(
    x_train[first_of_each],
    y_train[first_of_each],
    mnist_names,
    n_rows=1,
    n_cols=10,
    title="The first training image of each digit",
)

# %%
# .. solution:: Exercise 3
#
#    The average 3 is a blurred but clearly readable 3: bright where most writers put
#    their strokes (the two bows and the middle), with a grey haze around them where
#    slant, size and thickness differ from writer to writer. Because every digit was
#    centred in its frame, the strokes line up well enough to survive the averaging. An
#    average trouser works the same way: two bright legs with a gap between them, a sharp
#    outline because the photographs were all framed alike. Averages like these are what
#    a very simple classifier compares each image with.
import matplotlib.pyplot as plt

average_three = x_train[y_train == 3].mean(axis=0)
trouser = fashion_names.index("Trouser")
average_trouser = fx_train[fy_train == trouser].mean(axis=0)
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
for ax, average, name in (
    (axes[0], average_three, "MNIST: 3"),
    (axes[1], average_trouser, "Trouser"),
):
    shown = ax.imshow(average, cmap="gray", vmin=0, vmax=255)
    ax.set(title=f"average {name}", xlabel="pixel column", ylabel="pixel row")
fig.colorbar(shown, ax=axes, label="mean pixel value")
fig.suptitle("Class averages: sharp where the images agree, hazy where they differ")
single_three = x_train[first_of_each[3]]
print(f"brightest pixel: one 3 {single_three.max()}, the average 3 {average_three.max():.0f}")

# %%
# .. solution:: Exercise 4
#
#    About four pixels in five: 38 million of MNIST's 47 million training pixels are
#    exactly 0. So the information sits in the remaining fifth, the pixels on and along
#    the strokes; the dark background only says where the digit is not. Some positions
#    carry no information at all: a few dozen pixels at the corners and the top edge are
#    0 in every one of the 60,000 images, so a weight that reads only such a pixel never
#    receives a signal.
zero_pixels = int(np.count_nonzero(x_train == 0))
zero_share = zero_pixels / x_train.size
print(f"pixels that are exactly 0: {zero_pixels:,} of {x_train.size:,} ({zero_share:.1%})")
always_zero = np.all(x_train == 0, axis=0)
print(f"positions that are 0 in every training image: {int(always_zero.sum())} of 784")

# %%
# .. solution:: Exercise 5
#
#    The loader's message names four files on the authors' server and the folder
#    ``<data directory>/kmnist/``. On a machine with internet access, download the four
#    files, copy them unchanged into that folder on this machine, and run
#    ``convbook data fetch kmnist``: it checks each file against its SHA-256 checksum and
#    writes the verified cache (where the internet is reachable, that command alone
#    downloads and verifies the files). Run the page again and the Kuzushiji-MNIST section
#    shows the summary, 24 samples and one character's pixel values; like Fashion-MNIST,
#    the dataset has 6,000 training and 1,000 test images per class. The code below says
#    which case this build is in.
from convbook import settings

kmnist_record = datasets.info("kmnist")
print("Kuzushiji-MNIST is cached on this machine:", datasets.cached("kmnist"))
if kmnist_loaded:
    print("training images per class:", inspection.class_counts(ky_train, 10).tolist())
else:
    print("put these files, unchanged, in", settings.data_dir() / "kmnist")
    for raw_file in kmnist_record.official_fileset.files:
        print("   ", kmnist_record.origins[0].base_url + raw_file.name)
