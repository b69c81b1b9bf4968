"""
What CNNs are used for, and where to go next
============================================

Every network of this book so far has answered one question per image: which of ten
classes is it? The same convolutional layers do much more, and what changes from one job to
the next is mostly what the network *outputs*. This chapter first builds four small Keras
models on one shared stack of convolutions, one per job (classification, object detection,
segmentation and retrieval), and reads the job off each output shape. It then does
retrieval for real, with a network trained on MNIST. The second half looks ahead at three
ideas that shaped the large image networks: VGG's stacks of 3x3 convolutions, Inception's
parallel branches with 1x1 bottlenecks, and ResNet's shortcuts. You build one piece of each
in Keras and count its parameters, both by hand and with Keras. The chapter ends with
CIFAR-10, a colour dataset to try next, and with pointers to where to keep learning.
"""

# %%
# One stack of convolutions, four jobs
# ------------------------------------
#
# The convolution and pooling layers at the start of a CNN turn an image into a grid of
# feature vectors, here 7x7 positions with 32 numbers each. That part is often called the
# *backbone*. What comes after it, the *head*, decides what the network answers. The
# function ``backbone`` below builds the shared part: two blocks of a 3x3 convolution with
# "same" padding and a 2x2 max pooling, so a 28x28 digit becomes 14x14 and then 7x7.
import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(0)
NUM_CLASSES = 10


def backbone(inputs):
    """Two conv + pool blocks: 28x28x1 in, 7x7x32 out."""
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    return layers.MaxPooling2D(2)(x)


inputs = keras.Input((28, 28, 1))
features = backbone(inputs)
print("backbone output:", features.shape)

# %%
# **Classification**: one score per class for the whole image. Global average pooling
# averages each of the 32 feature maps over all positions, which gives one vector per image,
# and a dense layer turns it into ten scores.
inputs = keras.Input((28, 28, 1))
x = layers.GlobalAveragePooling2D()(backbone(inputs))
classifier = keras.Model(inputs, layers.Dense(NUM_CLASSES)(x), name="classifier")

# %%
# **Object detection**: where are the objects, and what are they? A photo can hold several
# objects, so a detector outputs boxes. The one-stage detector YOLO (Redmon et al., 2016)
# divides the image into an S x S grid. Each cell predicts B boxes, each as five numbers
# (the centre x and y, the width, the height and a confidence that the box holds an
# object), and C class scores. The head is a 1x1 convolution with B * 5 + C filters, which
# maps each cell's feature vector to those numbers. Our 7x7 backbone gives S = 7.
BOXES_PER_CELL = 2
inputs = keras.Input((28, 28, 1))
grid = layers.Conv2D(BOXES_PER_CELL * 5 + NUM_CLASSES, 1)(backbone(inputs))
detector = keras.Model(inputs, grid, name="detector")

# %%
# **Semantic segmentation**: a class for every pixel. The head has to undo the pooling.
# ``Conv2DTranspose`` with stride 2 is a learned up-sampling: each input value spreads a
# small filter over a 2x2 patch of a grid twice as large. (``UpSampling2D``, which just
# repeats every value, followed by a convolution is the other common choice.) Two of them
# bring 7x7 back to 28x28. A final 1x1 convolution then gives each pixel one score per
# class. For digits that could be 11 classes: background, or which of the ten digits the
# pixel belongs to.
SEGMENT_CLASSES = NUM_CLASSES + 1  # the ten digits and the background
inputs = keras.Input((28, 28, 1))
x = layers.Conv2DTranspose(32, 2, strides=2, activation="relu")(backbone(inputs))
x = layers.Conv2DTranspose(16, 2, strides=2, activation="relu")(x)
segmenter = keras.Model(inputs, layers.Conv2D(SEGMENT_CLASSES, 1)(x), name="segmenter")

# %%
# **Retrieval**: which stored images look like this one? The network outputs an
# *embedding*, a vector that places similar images near each other. A search then compares
# vectors and never looks at pixels. ``UnitNormalization`` scales each vector to length 1,
# so the dot product of two embeddings is their cosine similarity.
EMBEDDING_SIZE = 64
inputs = keras.Input((28, 28, 1))
x = layers.Dense(EMBEDDING_SIZE)(layers.GlobalAveragePooling2D()(backbone(inputs)))
embedder_head = keras.Model(inputs, layers.UnitNormalization()(x), name="embedder")

# %%
# Same backbone, four output shapes. All four networks are untrained here: only the
# shapes and the sizes matter.
task_models = (classifier, detector, segmenter, embedder_head)
for task_model in task_models:
    shape = tuple(task_model.output.shape)
    print(
        f"{task_model.name:10s} output {str(shape):18s} {int(np.prod(shape[1:])):5,} numbers per "
        f"image, {task_model.count_params():6,} parameters"
    )

# %%
# To read the detector's output, split each cell's 20 numbers into its boxes and its class
# scores. One image gives :math:`7 \times 7 \times 2 = 98` candidate boxes. A real detector
# keeps the boxes whose confidence times class score is high, then drops near-duplicates
# of a better box (*non-maximum suppression*). Training it needs images with labelled
# boxes, which MNIST does not have.
one_image = np.zeros((1, 28, 28, 1), "float32")
cells = detector.predict(one_image, verbose=0)[0]
side = cells.shape[0]
boxes = cells[..., : BOXES_PER_CELL * 5].reshape(side, side, BOXES_PER_CELL, 5)
class_scores = cells[..., BOXES_PER_CELL * 5 :]
print(f"per cell: {cells.shape[-1]} = {BOXES_PER_CELL} boxes x 5 + {NUM_CLASSES} class scores")
print("boxes:", boxes.shape, " class scores:", class_scores.shape)
print(f"candidate boxes per image: {side * side * BOXES_PER_CELL}")

# %%
# Retrieval with a trained network
# --------------------------------
#
# Retrieval needs no new training. A trained classifier has already learned an embedding
# in the layer before its output: that layer has to place digits of the same class where
# the last layer can separate them from the others. We take ``compact_cnn``, the small
# network of :ref:`sphx_glr_auto_gallery_02_training_10_what_the_network_learned.py`
# (two convolutions, a dense layer of 64 ReLU units, ten outputs). A build of the whole
# book has already trained it, so :func:`convbook.recipes.run_recipe` reuses that run.
# Its Keras code, as :mod:`convbook.models` defines it (``layers`` is ``keras.layers``,
# ``softmax_output(n)`` is ``layers.Dense(n, activation="softmax")``, and ``assemble``
# feeds a ``keras.Input`` through the layers into a ``keras.Model``):
from convbook import datasets, models, recipes

print(models.source("compact_cnn"))

# %%
# The functional API then cuts the trained network after its dense layer:
result = recipes.run_recipe("compact_cnn_mnist")
model = result.model
print(f"compact_cnn test accuracy {result.test_accuracy:.4f}")
embedder = keras.Model(model.inputs, model.get_layer("dense").output)
print("embedding:", embedder.output.shape)

# %%
# The search uses the 10,000 MNIST test images, which the network never trained on. The
# first 1,000 are the *queries* and the other 9,000 the *collection* we search. Each
# embedding is scaled to length 1, so one matrix product gives the cosine similarity of
# every query with every image in the collection. Sorting each row gives the nearest
# neighbours.
(_, _), (x_test, y_test) = datasets.load("mnist")
x_test = (x_test.astype("float32") / 255.0)[..., np.newaxis]
QUERIES, NEIGHBOURS = 1000, 5


def unit_rows(vectors):
    """Scale each row to length 1 (a row of zeros stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def nearest(query_vectors, collection_vectors, k=NEIGHBOURS):
    """Indices of the k most cosine-similar collection rows for each query, and the scores."""
    similarity = unit_rows(query_vectors) @ unit_rows(collection_vectors).T
    order = np.argsort(-similarity, axis=1)[:, :k]
    return order, np.take_along_axis(similarity, order, axis=1)


embeddings = embedder.predict(x_test, batch_size=500, verbose=0)
query_labels, collection_labels = y_test[:QUERIES], y_test[QUERIES:]
neighbours, similarities = nearest(embeddings[:QUERIES], embeddings[QUERIES:])
same_label = collection_labels[neighbours] == query_labels[:, np.newaxis]
print(f"{len(x_test):,} test images: {QUERIES:,} queries, {len(collection_labels):,} to search")
print("embeddings:", embeddings.shape, " neighbours:", neighbours.shape)
print(
    f"share of the {NEIGHBOURS} nearest neighbours with the query's label: {same_label.mean():.1%}"
)

# %%
# Is that good? Two yardsticks. If the neighbours were picked at random, a query's label
# would come up as often as it occurs in the collection. And the same search on the raw
# pixels (each image a vector of 784 numbers) shows what the network adds.
label_share = np.bincount(collection_labels, minlength=NUM_CLASSES) / len(collection_labels)
chance = label_share[query_labels].mean()
pixels = x_test.reshape(len(x_test), -1)
pixel_neighbours, _ = nearest(pixels[:QUERIES], pixels[QUERIES:])
pixel_same_label = collection_labels[pixel_neighbours] == query_labels[:, np.newaxis]
print("pixel vectors:", pixels.shape)
print(f"{'random neighbours':24s} {chance:.1%} share the query's label")
print(f"{'raw pixels':24s} {pixel_same_label.mean():.1%}")
print(f"{'compact_cnn embedding':24s} {same_label.mean():.1%}")

# %%
# The figure shows the first three queries, then the first three whose neighbours include
# a different digit, each with its five nearest neighbours and their similarities. A
# neighbour with another label is marked in red. Look at those: they are often digits
# written much like the query's class.
import matplotlib.pyplot as plt

mixed = np.flatnonzero(~same_label.all(axis=1))
shown = [0, 1, 2, *mixed[:3].tolist()]
print("queries with a neighbour of another label:", len(mixed), " shown:", shown)
fig, axes = plt.subplots(len(shown), NEIGHBOURS + 1, figsize=(7.5, 1.4 * len(shown) + 0.5))
for row, query in enumerate(shown):
    axes[row, 0].imshow(x_test[query, :, :, 0], cmap="gray")
    axes[row, 0].set_title(f"query: {query_labels[query]}", fontsize=9)
    for column in range(NEIGHBOURS):
        found = neighbours[query, column]
        axis = axes[row, column + 1]
        axis.imshow(x_test[QUERIES + found, :, :, 0], cmap="gray")
        match = collection_labels[found] == query_labels[query]
        axis.set_title(
            f"{collection_labels[found]} ({similarities[query, column]:.2f})",
            fontsize=9,
            color="black" if match else "red",
        )
for axis in axes.ravel():
    axis.set_xticks([])
    axis.set_yticks([])
axes[-1, 0].set_xlabel("query")
for column in range(NEIGHBOURS):
    axes[-1, column + 1].set_xlabel(f"neighbour {column + 1}")
fig.suptitle("Search by compact_cnn's 64-number embedding: neighbours in red are another digit")
fig.tight_layout()

# %%
# Large search systems work the same way at a larger scale: one network embeds the
# images once, and each search compares vectors. Face recognition, photo search and
# finding duplicate images all use this. Networks made only for retrieval are usually
# trained directly on pairs or triplets of images (a *contrastive* or *triplet* loss), to
# pull matching images together and push others apart. A classifier's penultimate layer,
# as here, is the simplest way to get started.
#
# Where to go next: three ideas in today's networks
# -------------------------------------------------
#
# After AlexNet won the ImageNet competition in 2012 (ILSVRC: about 1.2 million training
# photos in 1,000 classes), a quick series of deeper networks followed. Three of them added
# ideas you will meet in nearly every later network. Here is each idea, small enough to
# build and count.
#
# VGG: only 3x3 convolutions
# ~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# VGG (Simonyan and Zisserman, 2014) used nothing but 3x3 convolutions, stacked up to
# four deep between poolings. :ref:`sphx_glr_auto_gallery_02_training_06_a_deep_cnn.py`
# built a network in its style. Two stacked 3x3 convolutions see a 5x5 window, as one 5x5
# convolution does, but with :math:`2 \times 9 C^2 = 18 C^2` weights instead of
# :math:`25 C^2` for C channels in and out, and with a ReLU between them. Keras counts the
# biases too, C per layer:
CHANNELS = 64
inputs = keras.Input((28, 28, CHANNELS))
x = layers.Conv2D(CHANNELS, 3, padding="same", activation="relu")(inputs)
two_3x3 = keras.Model(inputs, layers.Conv2D(CHANNELS, 3, padding="same")(x))
one_5x5 = keras.Model(inputs, layers.Conv2D(CHANNELS, 5, padding="same")(inputs))
vgg_formula = {
    "two 3x3": 2 * (3 * 3 * CHANNELS * CHANNELS + CHANNELS),
    "one 5x5": 5 * 5 * CHANNELS * CHANNELS + CHANNELS,
}
for label, stack in (("two 3x3", two_3x3), ("one 5x5", one_5x5)):
    print(f"{label}: Keras {stack.count_params():7,}  formula {vgg_formula[label]:7,}")
print(f"two 3x3 / one 5x5 = {two_3x3.count_params() / one_5x5.count_params():.2f}")

# %%
# To check that the two layers see a 5x5 window, give them a single bright pixel. With
# every weight set to 1, no bias and no activation, an output is non-zero exactly where
# its window covers the pixel. So the lit area shows how far one output sees.
impulse = np.zeros((1, 11, 11, 1), "float32")
impulse[0, 5, 5, 0] = 1.0
ones = keras.initializers.Ones()
probe = keras.Sequential(
    [
        keras.Input((11, 11, 1)),
        layers.Conv2D(1, 3, padding="same", use_bias=False, kernel_initializer=ones),
        layers.Conv2D(1, 3, padding="same", use_bias=False, kernel_initializer=ones),
    ]
)
lit = probe.predict(impulse, verbose=0)[0, :, :, 0] > 0
rows, columns = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
print(f"one pixel lights a {len(rows)}x{len(columns)} patch after two 3x3 convolutions")


# %%
# Inception: branches side by side
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# GoogLeNet (Szegedy et al., 2014) is built from *Inception modules*. It does not pick one
# filter size. It runs four branches side by side on the same input and concatenates
# their outputs along the channel axis: a 1x1 convolution, a 3x3, a 5x5, and a 3x3 max
# pooling. A 3x3 or 5x5 convolution over many input channels is expensive. So the module
# first shrinks the channels with a 1x1 convolution (a *bottleneck*), which mixes the
# channels at each pixel without looking at its neighbours. The pooling branch gets a 1x1
# convolution after the pooling, so that it does not pass on all of its input channels.
# The sizes below are those of GoogLeNet's first Inception module, on 28x28 maps with 192
# channels. A branching network like this needs the functional API: each branch is called
# on the same ``inputs``.
def conv(filters, size, name):
    return layers.Conv2D(filters, size, padding="same", activation="relu", name=name)


def inception_module(x, bottlenecks=True):
    """GoogLeNet's first module: 64 + 128 + 32 + 32 = 256 output channels."""
    branch1 = conv(64, 1, "1x1")(x)
    branch3 = conv(128, 3, "3x3")(conv(96, 1, "3x3_reduce")(x) if bottlenecks else x)
    branch5 = conv(32, 5, "5x5")(conv(16, 1, "5x5_reduce")(x) if bottlenecks else x)
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name="pool")(x)
    branch_pool = conv(32, 1, "pool_proj")(pooled)
    return layers.Concatenate(name="concat")([branch1, branch3, branch5, branch_pool])


inputs = keras.Input((28, 28, 192))
inception = keras.Model(inputs, inception_module(inputs), name="inception")
naive_inception = keras.Model(inputs, inception_module(inputs, bottlenecks=False))
for layer in inception.layers[1:]:
    print(f"{layer.name:11s} output {str(tuple(layer.output.shape)):19s} {layer.count_params():7,}")

# %%
# With C input channels, a k x k convolution to F filters has
# :math:`k^2 C F + F` parameters. The module's total by that formula, and the same module
# without the two bottlenecks (3x3 and 5x5 directly on all 192 channels):
inception_formula = (
    (192 * 64 + 64)
    + (192 * 96 + 96)
    + (9 * 96 * 128 + 128)
    + (192 * 16 + 16)
    + (25 * 16 * 32 + 32)
    + (192 * 32 + 32)
)
five_direct = 25 * 192 * 32 + 32
five_bottleneck = (192 * 16 + 16) + (25 * 16 * 32 + 32)
print(f"module with bottlenecks: Keras {inception.count_params():,}, formula {inception_formula:,}")
print(f"module without them:     Keras {naive_inception.count_params():,}")
print(f"5x5 branch: {five_direct:,} directly, {five_bottleneck:,} through 16 channels, ", end="")
print(f"{five_direct / five_bottleneck:.1f}x fewer")


# %%
# The 1x1 bottleneck is the cheap part of the idea, and it has spread far beyond Inception:
# it changes the number of channels at almost no cost.
#
# ResNet: add the input back
# ~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# He, Zhang, Ren and Sun (2015) noticed something odd. A plain 56-layer network trained on
# CIFAR-10 reached a *higher training* error than a 20-layer one. Overfitting cannot
# explain that. The deeper network was simply harder to optimise. Their *residual block*
# computes :math:`y = \operatorname{relu}(x + F(x))`: two convolutions compute a
# correction :math:`F(x)`, which is added to the block's unchanged input. Here ``F`` is
# Conv-BatchNorm-ReLU-Conv-BatchNorm.
#
# Batch normalisation (``BatchNormalization``) standardises each channel over the batch,
# then scales it by a learned :math:`\gamma` and shifts it by a learned :math:`\beta`.
# It also keeps a moving mean and a moving variance for use at test time. That makes four
# numbers per channel, of which two are trained. Its shift makes a convolution's bias
# redundant, so the convolutions here use ``use_bias=False``. When the block changes the
# number of channels or the map size, :math:`x` no longer has the shape of :math:`F(x)`.
# The shortcut then becomes a *projection*: a 1x1 convolution (with the same stride) and a
# batch normalisation.
def residual_block(x, filters, stride=1, name="res"):
    """Conv-BN-ReLU-Conv-BN, plus the input (projected if the shape changes), then ReLU."""
    y = layers.Conv2D(
        filters, 3, strides=stride, padding="same", use_bias=False, name=name + "_conv1"
    )(x)
    y = layers.BatchNormalization(name=name + "_bn1")(y)
    y = layers.ReLU(name=name + "_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_conv2")(y)
    y = layers.BatchNormalization(name=name + "_bn2")(y)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=name + "_proj")(x)
        shortcut = layers.BatchNormalization(name=name + "_proj_bn")(shortcut)
    y = layers.Add(name=name + "_add")([shortcut, y])
    return layers.ReLU(name=name + "_out")(y)


def trainable_count(layer):
    return sum(int(np.prod(weight.shape)) for weight in layer.trainable_weights)


inputs = keras.Input((28, 28, CHANNELS))
block = keras.Model(inputs, residual_block(inputs, CHANNELS), name="residual_block")
for layer in block.layers[1:]:
    print(
        f"{layer.name:10s} {type(layer).__name__:18s} output {str(tuple(layer.output.shape)):17s}"
        f" {layer.count_params():6,} parameters, {trainable_count(layer):6,} trained"
    )
block_trained = sum(trainable_count(layer) for layer in block.layers)
print(f"total {block.count_params():,}, trained {block_trained:,}")

# %%
# By hand, for C = 64 channels in and out: each convolution has :math:`9 C^2` weights, and
# each batch normalisation has :math:`4C` numbers, :math:`2C` of them trained. The
# addition and the ReLUs have none.
block_formula = 2 * (9 * CHANNELS * CHANNELS) + 2 * (4 * CHANNELS)
block_formula_trained = 2 * (9 * CHANNELS * CHANNELS) + 2 * (2 * CHANNELS)
print(f"formula: total {block_formula:,}, trained {block_formula_trained:,}")
print(
    "matches Keras:",
    (block_formula, block_formula_trained) == (block.count_params(), block_trained),
)

# %%
# Now a block that doubles the channels and halves the map, as ResNet does at the start of
# each stage. The projection shortcut brings its own weights,
# :math:`64 \times 128` plus :math:`4 \times 128` for its batch normalisation:
inputs = keras.Input((28, 28, CHANNELS))
down_block = keras.Model(inputs, residual_block(inputs, 2 * CHANNELS, stride=2, name="down"))
projection_params = down_block.get_layer("down_proj").count_params()
projection_params += down_block.get_layer("down_proj_bn").count_params()
down_formula = (
    9 * CHANNELS * 2 * CHANNELS
    + 9 * (2 * CHANNELS) ** 2
    + CHANNELS * 2 * CHANNELS
    + 3 * 4 * 2 * CHANNELS
)
print(f"{tuple(down_block.input.shape)} -> {tuple(down_block.output.shape)}")
print(f"projection shortcut: {projection_params:,} parameters")
print(f"whole block: Keras {down_block.count_params():,}, formula {down_formula:,}")

# %%
# **Why the shortcut helps.** Training sends the gradient of the loss backwards through
# every layer, and each layer multiplies it by its own derivative. In a deep plain stack
# these products can shrink towards zero (the vanishing gradient of
# :ref:`sphx_glr_auto_gallery_02_training_04_activations_losses_optimizers.py`), and the
# early layers then barely learn. The derivative of :math:`x + F(x)` with respect to
# :math:`x` is the identity plus the derivative of :math:`F`. The gradient that reaches a
# block's output therefore goes on to its input unchanged along the shortcut, and
# :math:`F`'s path only adds to it. Down a chain of residual blocks there is always a
# route on which the gradient is never multiplied by a layer's weights (only by the ReLUs
# after the additions, which pass it wherever they are active), so even the first blocks
# of a very deep network get a usable signal. A second benefit: a block that has nothing
# useful to add only needs :math:`F(x) = 0`, which is easy to learn, whereas a plain layer
# would have to learn the identity map exactly. That a block with :math:`F(x) = 0` is the
# identity is easy to check: set the last batch normalisation's :math:`\gamma` to zero. The
# correction then vanishes, and the block passes any non-negative input (such as the
# output of the ReLU that ends the block before it) through unchanged. Some training
# recipes start every block like this on purpose.
bn2 = block.get_layer("res_bn2")
bn2.gamma.assign(np.zeros(CHANNELS, "float32"))
probe_input = np.random.default_rng(0).random((2, 28, 28, CHANNELS)).astype("float32")
passed = block.predict(probe_input, verbose=0)
largest_change = np.abs(passed - probe_input).max()
print(f"largest change of the input by the block with gamma = 0: {largest_change}")

# %%
# The shortcut itself is free. The same two convolutions without the addition have
# exactly as many parameters. The figure puts the three ideas side by side, by what each
# block costs:
inputs = keras.Input((28, 28, CHANNELS))
x = layers.Conv2D(CHANNELS, 3, padding="same", use_bias=False)(inputs)
x = layers.ReLU()(layers.BatchNormalization()(x))
x = layers.Conv2D(CHANNELS, 3, padding="same", use_bias=False)(x)
plain_block = keras.Model(inputs, layers.ReLU()(layers.BatchNormalization()(x)))
print(f"without the shortcut: {plain_block.count_params():,}, with it: {block.count_params():,}")

comparisons = {
    "VGG:\none 5x5 vs two 3x3": (one_5x5.count_params(), two_3x3.count_params()),
    "Inception:\nno 1x1 vs 1x1 bottlenecks": (
        naive_inception.count_params(),
        inception.count_params(),
    ),
    "ResNet:\nno shortcut vs shortcut": (plain_block.count_params(), block.count_params()),
}
fig, ax = plt.subplots(figsize=(8, 4))
positions = np.arange(len(comparisons))
before = [pair[0] for pair in comparisons.values()]
after = [pair[1] for pair in comparisons.values()]
ax.bar(positions - 0.2, before, width=0.4, label="without the idea", color="0.6")
ax.bar(positions + 0.2, after, width=0.4, label="with the idea", color="tab:blue")
ax.set_xticks(positions, list(comparisons))
ax.set_xlabel("the same block, built without and with each idea")
ax.set_ylabel("parameters")
ax.legend()
ax.set_title("Two ideas cut the parameters; ResNet's shortcut costs none")
fig.tight_layout()

# %%
# The real networks are in ``keras.applications``
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# Keras ships the full networks. With ``weights=None`` they are built with random weights,
# and nothing is downloaded. VGG-16 has 13 convolutions (in blocks of 64, 128, 256, 512
# and 512 filters, with a pooling after each block) and three dense layers on 224x224
# colour images. Its parameter count is the formula of the first chapter of this part,
# applied 16 times. Checking it against Keras for the convolutions alone is quick; the
# full model would first fill more than a hundred million random weights.
vgg_blocks = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
vgg_conv, channels_in = 0, 3
for filters, repeats in vgg_blocks:
    for _ in range(repeats):
        vgg_conv += 3 * 3 * channels_in * filters + filters
        channels_in = filters
side_after_pools = 224 // 2 ** len(vgg_blocks)
vgg_first_dense = side_after_pools**2 * 512 * 4096 + 4096
vgg_dense = vgg_first_dense + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)
vgg_keras_conv = keras.applications.VGG16(weights=None, include_top=False).count_params()
print(f"VGG-16 convolutions: formula {vgg_conv:,}, Keras {vgg_keras_conv:,}")
print(f"VGG-16 dense layers: {vgg_dense:,} (the first alone: {vgg_first_dense:,})")
print(f"VGG-16 in all: {vgg_conv + vgg_dense:,}")

# %%
# ResNet-50 is 50 layers deep, yet it is much smaller than VGG-16. It ends with global
# average pooling and one dense layer instead of VGG's large dense layers, and its blocks
# are *bottleneck* blocks (a 1x1, a 3x3 and a 1x1 convolution; see exercise 4).
# Counting its ``Add`` layers counts its residual blocks:
resnet50 = keras.applications.ResNet50(weights=None)
resnet_adds = sum(isinstance(layer, layers.Add) for layer in resnet50.layers)
print(f"ResNet-50: {resnet50.count_params():,} parameters, {resnet_adds} residual blocks")
print(f"VGG-16 / ResNet-50: {(vgg_conv + vgg_dense) / resnet50.count_params():.1f}x the parameters")


# %%
# With ``weights="imagenet"`` the same call downloads weights trained on ImageNet. Most
# real projects start that way (*transfer learning*): freeze the pretrained backbone, put
# a new head on it and train only the head on your own images. This page is built offline,
# so the code is shown here rather than run:
#
# .. code-block:: python
#
#    base = keras.applications.ResNet50(
#        weights="imagenet", include_top=False, input_shape=(224, 224, 3)
#    )
#    base.trainable = False  # keep the ImageNet features as they are
#    inputs = keras.Input((224, 224, 3))
#    x = keras.applications.resnet50.preprocess_input(inputs)
#    x = base(x, training=False)  # run its batch normalisation in inference mode
#    x = layers.GlobalAveragePooling2D()(x)
#    outputs = layers.Dense(number_of_your_classes, activation="softmax")(x)
#    model = keras.Model(inputs, outputs)
#
# CIFAR-10: the next dataset
# --------------------------
#
# CIFAR-10 (Krizhevsky, 2009) holds 60,000 colour photos of 32x32 pixels in ten classes:
# airplane, automobile, bird, cat, deer, dog, frog, horse, ship and truck. There are 6,000
# per class, split into 50,000 training and 10,000 test images. The objects vary in pose,
# size, colour and background, which makes it much harder than MNIST, yet small enough
# to train on a laptop. Keras downloads it (about 170 MB) on first use. This book builds
# offline, so here too the code is shown, not run:
#
# .. code-block:: python
#
#    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
#    x_train = x_train.astype("float32") / 255.0  # already (50000, 32, 32, 3)
#    y_train = y_train.ravel()  # the labels come as a column of shape (50000, 1)
#
# The images already have their channel axis, with three channels (red, green, blue). For
# a network only the ``Input`` changes. Each filter of the first convolution now has a 3x3
# window in each of the three channels, and the maps are larger. Here is the network of
# :ref:`sphx_glr_auto_gallery_02_training_01_a_first_cnn_in_keras.py` (without its
# dropout layers, which have no parameters), built for both inputs:
def first_cnn(input_shape):
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(16, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(32, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="hidden"),
            layers.Dense(10, activation="softmax", name="output"),
        ]
    )


mnist_cnn, cifar_cnn = first_cnn((28, 28, 1)), first_cnn((32, 32, 3))
print(f"{'layer':8s} {'MNIST 28x28x1':>25s} {'CIFAR-10 32x32x3':>25s}")
for mnist_layer, cifar_layer in zip(mnist_cnn.layers, cifar_cnn.layers, strict=True):
    cells = [
        f"{str(tuple(layer.output.shape[1:])):13s} {layer.count_params():>9,}"
        for layer in (mnist_layer, cifar_layer)
    ]
    print(f"{mnist_layer.name:8s} {cells[0]:>25s} {cells[1]:>25s}")
print(f"total    {mnist_cnn.count_params():>25,} {cifar_cnn.count_params():>25,}")
conv1_formulas = (3 * 3 * 1 * 16 + 16, 3 * 3 * 3 * 16 + 16)
print(f"conv1 by hand: 3*3*1*16 + 16 = {conv1_formulas[0]}, 3*3*3*16 + 16 = {conv1_formulas[1]}")

# %%
# The first convolution triples its weights, from 144 to 432 plus 16 biases. The biggest
# change is further down: the maps after ``pool2`` are 6x6 instead of 5x5, so ``hidden``
# grows the most. The network itself is unchanged. What changes is how hard the data are.
# Expect a network that passes 99% on MNIST to do far worse on CIFAR-10. The usual next
# steps are deeper networks with batch normalisation and residual blocks, plus *data
# augmentation* (random flips and shifts of the training images, for instance with
# ``layers.RandomFlip`` and ``layers.RandomTranslation``).
print(f"conv1 weights without biases: {3 * 3 * 1 * 16} (MNIST), {3 * 3 * 3 * 16} (CIFAR-10)")
print(f"values after flatten: {mnist_cnn.get_layer('flatten').output.shape[-1]} (MNIST), ", end="")
print(f"{cifar_cnn.get_layer('flatten').output.shape[-1]} (CIFAR-10)")

# %%
# Where to keep learning
# ----------------------
#
# * **CS231n**, Stanford's course "Deep Learning for Computer Vision" (earlier called
#   "Convolutional Neural Networks for Visual Recognition"). Its notes at
#   `cs231n.github.io <https://cs231n.github.io>`_ cover the ground of this book and go
#   further, including the architectures above and transfer learning, and its assignments
#   train image classifiers on CIFAR-10.
# * **Keras' code examples** at `keras.io/examples <https://keras.io/examples/>`_:
#   complete, short scripts for image classification, object detection, segmentation,
#   similarity search and much more, written in the same Keras as this book.
# * **Transfer learning**: the Keras guide
#   `Transfer learning & fine-tuning <https://keras.io/guides/transfer_learning/>`_ takes
#   the code block above further, to fine-tuning the pretrained layers as well.
# * **The papers** named on this page: VGG (Simonyan and Zisserman, 2014), GoogLeNet
#   (Szegedy et al., 2014), ResNet (He et al., 2015) and YOLO (Redmon et al., 2016). They
#   are readable once you know what is in this part of the book.
#
# What you can now write
# ----------------------
#
# * a backbone with different heads: global pooling and ``Dense`` for classification, a
#   1x1 ``Conv2D`` with ``B * 5 + C`` filters for a YOLO-style detection grid,
#   ``Conv2DTranspose`` up to full size for per-pixel scores, and ``UnitNormalization``
#   for an embedding;
# * an embedding cut from a trained classifier with ``keras.Model(model.inputs,
#   layer.output)``, and a nearest-neighbour search by cosine similarity in NumPy;
# * an Inception module and a residual block (with or without a projection shortcut) in
#   the functional API, with their parameter counts worked out by hand, batch
#   normalisation's four numbers per channel included;
# * a network for colour images, by changing its ``Input``.
#
# Exercises
# ---------
#
# 1. YOLO's first version used a 7x7 grid, two boxes per cell and the 20 classes of the
#    PASCAL VOC dataset. Build that detection head on the chapter's backbone. What is its
#    output shape, how many numbers does it output per image, and how many candidate
#    boxes?
# 2. VGG stacks up to three 3x3 convolutions. Predict the parameters (C = 64 channels) and
#    the window seen by three stacked 3x3 convolutions and by one 7x7 convolution. Then
#    check both with Keras and with the single-pixel probe.
# 3. A weight of a convolution is used once at every output position. How many
#    multiply-adds does the Inception module's 5x5 branch cost for one 28x28 input, with
#    and without its 1x1 bottleneck?
# 4. ResNet-50 uses *bottleneck* blocks: on 256 channels, a 1x1 convolution down to 64,
#    a 3x3 convolution with 64 filters, and a 1x1 convolution back up to 256. Count the
#    parameters of one such block (``keras.applications`` gives its convolutions biases)
#    and check against the block ``conv2_block2`` of ``resnet50``. How many times more
#    weights would the chapter's basic block need on 256 channels?
# 5. Repeat the retrieval with two other layers of ``compact_cnn`` as the embedding: the
#    ``flatten`` layer (the pooled feature maps) and the ``logits``. Which gives the
#    neighbours that most often share the query's label?

# %%
# Solutions
# ---------
#
# Try each exercise before you open its solution. The solutions train nothing. They
# build the networks they need and reuse the embeddings and the trained network of the
# page.
#
# .. solution:: Exercise 1
#
#    The grid keeps the backbone's 7x7 positions. Each cell outputs
#    :math:`B \times 5 + C = 2 \times 5 + 20 = 30` numbers, so the head is a 1x1
#    convolution with 30 filters and the output has shape (7, 7, 30): 1,470 numbers per
#    image, of which 98 boxes (two per cell) with five numbers each and 49 sets of 20
#    class scores. YOLO's paper describes the same 7x7x30 output, computed from a 448x448
#    photo by a much larger backbone.
inputs = keras.Input((28, 28, 1))
voc_grid = layers.Conv2D(2 * 5 + 20, 1)(backbone(inputs))
voc_detector = keras.Model(inputs, voc_grid)
voc_shape = tuple(voc_detector.output.shape[1:])
print(f"output {voc_shape}: {int(np.prod(voc_shape)):,} numbers per image")
print(f"candidate boxes: {voc_shape[0] * voc_shape[1] * 2}, sets of 20 class scores: ", end="")
print(voc_shape[0] * voc_shape[1])

# %%
# .. solution:: Exercise 2
#
#    Three 3x3 layers have :math:`3 \times 9 C^2 = 27 C^2` weights and one 7x7 layer
#    :math:`49 C^2`. With C = 64 that is 110,592 against 200,704 weights, plus 64 biases
#    per layer, so the stack has about 55% of the parameters. Each 3x3 layer widens the
#    window by two pixels: 3, then 5, then 7. So both see a 7x7 window, and the stack
#    applies three ReLUs on the way instead of one.
inputs = keras.Input((28, 28, CHANNELS))
x = inputs
for _ in range(3):
    x = layers.Conv2D(CHANNELS, 3, padding="same", activation="relu")(x)
three_3x3 = keras.Model(inputs, x)
one_7x7 = keras.Model(inputs, layers.Conv2D(CHANNELS, 7, padding="same")(inputs))
predicted_3x3 = 3 * (9 * CHANNELS**2 + CHANNELS)
predicted_7x7 = 49 * CHANNELS**2 + CHANNELS
print(f"three 3x3: Keras {three_3x3.count_params():,}, predicted {predicted_3x3:,}")
print(f"one 7x7:   Keras {one_7x7.count_params():,}, predicted {predicted_7x7:,}")
print(f"weights alone: {27 * CHANNELS**2:,} and {49 * CHANNELS**2:,}")
print(f"ratio {three_3x3.count_params() / one_7x7.count_params():.2f}")
windows = {}
for label, sizes in (("three 3x3", (3, 3, 3)), ("one 7x7", (7,))):
    stack_probe = keras.Sequential(
        [keras.Input((11, 11, 1))]
        + [
            layers.Conv2D(1, size, padding="same", use_bias=False, kernel_initializer=ones)
            for size in sizes
        ]
    )
    stack_lit = stack_probe.predict(impulse, verbose=0)[0, :, :, 0] > 0
    windows[label] = (int(stack_lit.any(axis=1).sum()), int(stack_lit.any(axis=0).sum()))
    print(f"{label}: one pixel lights a {windows[label][0]}x{windows[label][1]} patch")


# %%
# .. solution:: Exercise 3
#
#    With "same" padding and stride 1 the branch's output is 28x28, so every weight is
#    used at 784 positions (the biases add one addition per output, which we leave out).
#    Directly on 192 channels the 5x5 convolution has :math:`25 \times 192 \times 32`
#    weights, about 120 million multiply-adds per image. The bottleneck needs
#    :math:`192 \times 16` weights for the 1x1 convolution and :math:`25 \times 16 \times
#    32` for the 5x5, about 12 million multiply-adds in all, almost ten times fewer. That
#    is the ratio of the weights, because every layer here works at the same 28x28 size.
def multiply_adds(layer):
    """Kernel weights times output positions, for a Conv2D layer."""
    height, width = layer.output.shape[1:3]
    return int(np.prod(layer.kernel.shape)) * height * width


direct_cost = multiply_adds(naive_inception.get_layer("5x5"))
bottleneck_cost = multiply_adds(inception.get_layer("5x5_reduce"))
bottleneck_cost += multiply_adds(inception.get_layer("5x5"))
print(f"5x5 directly:          {direct_cost:,} multiply-adds")
print(f"1x1 to 16, then 5x5:   {bottleneck_cost:,} multiply-adds")
print(f"{direct_cost / bottleneck_cost:.1f}x fewer with the bottleneck")

# %%
# .. solution:: Exercise 4
#
#    Weights plus biases: :math:`256 \times 64 + 64 = 16{,}448` for the first 1x1,
#    :math:`9 \times 64 \times 64 + 64 = 36{,}928` for the 3x3 and
#    :math:`64 \times 256 + 256 = 16{,}640` for the last 1x1. The three batch
#    normalisations have :math:`4 \times (64 + 64 + 256) = 1{,}536` numbers. That is
#    71,552 in all. A basic block of two 3x3 convolutions on 256 channels has
#    :math:`2 \times 9 \times 256^2 = 1{,}179{,}648` weights, about 17 times the
#    bottleneck's 69,632. The bottleneck does its expensive 3x3 on only 64 channels,
#    which is what lets ResNet-50 be deep and still smaller than VGG-16.
bottleneck_formula = (256 * 64 + 64) + (9 * 64 * 64 + 64) + (64 * 256 + 256) + 4 * (64 + 64 + 256)
in_keras = [layer for layer in resnet50.layers if layer.name.startswith("conv2_block2_")]
bottleneck_keras = sum(layer.count_params() for layer in in_keras)
print("layers of conv2_block2:", [layer.name for layer in in_keras])
print(f"bottleneck block: formula {bottleneck_formula:,}, Keras {bottleneck_keras:,}")
bottleneck_weights = 256 * 64 + 9 * 64 * 64 + 64 * 256
basic_weights = 2 * 9 * 256 * 256
print(f"convolution weights: bottleneck {bottleneck_weights:,}, basic block {basic_weights:,}")
print(f"the basic block needs {basic_weights / bottleneck_weights:.1f}x the weights")

# %%
# .. solution:: Exercise 5
#
#    Expect the layers closer to the output to do better. The ``flatten`` layer still
#    describes *where* strokes are, so two images of one digit written a little apart can
#    look unalike to it. The dense layer and the logits have been trained to tell the
#    classes apart. The logits are the most class-like of all, but they keep only ten
#    numbers per image, so they say little about *how* a digit is written, and a
#    network that is unsure mixes up classes in them. Which layer wins between the dense
#    layer and the logits depends on the run. The numbers below are this build's.
agreement = {"dense (the page)": same_label.mean()}
for layer_name in ("flatten", "logits"):
    cut = keras.Model(model.inputs, model.get_layer(layer_name).output)
    vectors = cut.predict(x_test, batch_size=500, verbose=0)
    found, _ = nearest(vectors[:QUERIES], vectors[QUERIES:])
    agreement[layer_name] = (collection_labels[found] == query_labels[:, np.newaxis]).mean()
    print(f"{layer_name}: {vectors.shape[1]} numbers per image")
for layer_name, share in agreement.items():
    print(f"{layer_name:17s} {share:.1%} of the neighbours share the query's label")
