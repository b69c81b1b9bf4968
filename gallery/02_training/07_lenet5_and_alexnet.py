"""
LeNet-5 and AlexNet
===================

Two networks bracket the early history of convolutional networks. LeNet-5 (1998) read
handwritten digits on bank cheques with about sixty thousand weights; AlexNet (2012) won the
ImageNet competition with about sixty million and started the deep-learning boom. In this
chapter you build both, compare their layers, sizes and costs, see how the same handful of
building blocks (convolution, activation, pooling, fully connected layers, softmax) makes
up both, and train LeNet-5 and a scaled-down AlexNet on MNIST. Along the way: why LeNet
wants 32x32 images, what AlexNet changed to make a deep network trainable, and which
software people use to build such networks today.
"""

# %%
# What each kind of layer does
# ----------------------------
#
# Every network in this chapter is assembled from the same parts, each with one job:
#
# * a **convolutional layer** extracts features: each of its filters slides over the input
#   and produces one feature map that is large where the filter's pattern occurs. LeNet's
#   first layer has 6 filters, so it turns one image into 6 maps;
# * an **activation function** (tanh in LeNet, ReLU in AlexNet) bends the result. A
#   convolution is linear, and a stack of linear layers is still one linear map; the
#   non-linearity between them is what lets depth pay off;
# * a **pooling layer** shrinks the maps, keeping one value per window, which cuts the
#   computation of every later layer and makes the answer less sensitive to small shifts;
# * **fully connected (dense) layers** at the end combine all the features into one score
#   per class;
# * **softmax** turns the scores into probabilities: positive numbers that add up to 1, one
#   per digit, so the network says how likely each digit is.
#
# A common description of CNNs: one or more *blocks*, each one or more convolutions
# optionally followed by a pooling layer, then one or more dense layers, then the output
# layer. Writing C for a convolution, P for pooling and F for a fully connected layer
# shows both classics (and the networks of the previous chapters) fit it:
from convbook import models, settings

LETTERS = {"Conv2D": "C", "MaxPooling2D": "P", "AveragePooling2D": "P", "Dense": "F"}
lenet = models.build("lenet5")
alexnet = models.alexnet()
for model in (models.build("compact_cnn"), models.build("deep_cnn"), lenet, alexnet):
    letters = [
        LETTERS[type(layer).__name__] for layer in model.layers if type(layer).__name__ in LETTERS
    ]
    print(f"{model.name:12s} {' '.join(letters)}")

# %%
# LeNet-5
# -------
#
# Yann LeCun and colleagues trained convolutional networks by backpropagation on
# handwritten ZIP codes at Bell Labs from 1989. LeNet-5, described in LeCun, Bottou, Bengio
# and Haffner, "Gradient-based learning applied to document recognition" (1998), is the
# best known of the family; systems built on it read a sizeable fraction of the cheques
# written in the USA around 2000. Its layers have names that say what they are: C for
# convolution, S for subsampling (pooling), F for fully connected, and a number for the
# position::
#
#   input 32x32 -> C1 -> S2 -> C3 -> S4 -> C5 -> F6 -> output (10 classes)
#
# :func:`convbook.models.lenet5` builds it with Keras' layers (the docstring lists the
# few places where it simplifies the 1998 design):
lenet.summary()

# %%
# Follow the shapes: C1's six 5x5 filters turn 32x32 into 28x28 maps, S2 halves them to
# 14x14, C3's sixteen filters give 10x10, S4 gives 5x5, and C5's 5x5 filters fit exactly
# once, leaving 120 values, one per filter. F6 has 84 units and the output layer one per
# digit. The whole network has 61,706 parameters.
#
# Padding MNIST to 32x32
# ----------------------
#
# LeNet-5 was designed for 32x32 inputs, while MNIST's digits are 28x28. The larger frame
# was chosen on purpose: with a margin around the digit, features near its edge, such as
# the end of a stroke or a corner, can still lie in the *centre* of the window of the
# highest feature detectors (C5 sees the whole 32x32 image), not at its border.
# :func:`convbook.training.prepare` with ``input_shape=(32, 32, 1)`` adds 2 pixels of
# background on every side. We prepare a few images both ways to check:
import numpy as np

from convbook import training

plain = training.prepare("mnist", train_samples=8, test_samples=8)
padded = training.prepare("mnist", input_shape=(32, 32, 1), train_samples=8, test_samples=8)
print("as stored:", plain.x_train.shape, "  padded for LeNet-5:", padded.x_train.shape)
border = np.ones((32, 32), dtype=bool)
border[2:30, 2:30] = False
print("largest value in the added border:", float(padded.x_train[:, border].max()))
print(
    "inside the border, the same digits:",
    np.array_equal(padded.x_train[:, 2:30, 2:30], plain.x_train),
)

# %%
# The border is all zeros, black background like the rest of MNIST's frame, and the
# 28x28 centre is the unchanged digit. Here is the first one with its 1,024 input values
# (pixels divided by 255, as the network receives them); rows and columns 0, 1, 30 and 31,
# outside the red frame, are the padding:
from matplotlib.patches import Rectangle

from convbook.plotting import data as data_plots

fig = data_plots.show_image_values(
    padded.x_train[0, :, :, 0],
    title=f"A {padded.y_train[0]} padded to 32x32: the red frame is the original 28x28 image",
)
fig.axes[0].add_patch(Rectangle((1.5, 1.5), 28, 28, fill=False, edgecolor="red", linewidth=2))

# %%
# AlexNet
# -------
#
# Fourteen years later, Alex Krizhevsky, Ilya Sutskever and Geoffrey Hinton entered a
# convolutional network in the ImageNet Large Scale Visual Recognition Challenge 2012,
# more than a million training photographs in 1000 classes, and won by a wide margin ("ImageNet
# classification with deep convolutional neural networks", 2012). The ideas were LeNet's;
# what was new was the scale and a few techniques that made the scale trainable:
#
# * **ReLU** instead of tanh or the sigmoid: it does not saturate, so gradients reach the
#   early layers and training went several times faster;
# * **dropout** in the two large dense layers: half their units are switched off at random
#   at each step, so no unit can rely on a particular other one, against overfitting;
# * **overlapping max pooling**: 3x3 windows moved 2 pixels at a time;
# * **data augmentation**: random crops, mirror images and colour changes made each
#   training photograph into many, a second weapon against overfitting;
# * **two GPUs**: the network did not fit in the memory of one graphics card of the time, so
#   its layers were split in two halves, one per card, that exchanged data only at some
#   layers. Without GPUs the training, about a week on those two cards, would not have
#   been practical at all.
#
# Its input is a 227x227 colour image, 227x227x3. :func:`convbook.models.alexnet` builds it
# as one tower with the 1000 ImageNet classes:
alexnet.summary()

# %%
# The first layer's 96 filters of 11x11x3 move 4 pixels at a time and turn 227x227 into
# 55x55; three overlapping pools bring that to 6x6x256 = 9,216 values, which feed two dense
# layers of 4096 units. The paper quotes about 60 million parameters. Its split across two
# GPUs made conv2, conv4 and conv5 *grouped* convolutions, in which each half of the
# filters sees only half of the input maps; our single tower connects everything, which
# doubles those three layers' weights. Halving them gives the paper's count:
conv_weights = {
    name: int(np.prod(tuple(alexnet.get_layer(name).kernel.shape)))
    for name in ("conv2", "conv4", "conv5")
}
grouped_count = alexnet.count_params() - sum(weights // 2 for weights in conv_weights.values())
print(f"AlexNet, one tower:        {alexnet.count_params():>11,} parameters")
print(f"AlexNet, split on 2 GPUs:  {grouped_count:>11,} parameters")
dense_share = sum(
    layer.count_params() for layer in alexnet.layers if type(layer).__name__ == "Dense"
)
print(f"in the three dense layers: {dense_share / alexnet.count_params():.0%}")

# %%
# The two networks side by side
# -----------------------------
#
# The table is computed from the two models: the shape of the input, how many layers of
# each kind, the activation of the first convolution, the parameters and the arithmetic of
# one forward pass (:func:`convbook.flops.forward_flops`, a multiply-add counted as two).
from convbook import flops


def count_layers(model, *kinds):
    return sum(type(layer).__name__ in kinds for layer in model.layers)


from convbook.tables import format_table

facts = {
    "input": lambda m: "x".join(str(side) for side in m.input_shape[1:]),
    "convolutions": lambda m: count_layers(m, "Conv2D"),
    "pooling layers": lambda m: count_layers(m, "MaxPooling2D", "AveragePooling2D"),
    "dense layers": lambda m: count_layers(m, "Dense"),
    "activation": lambda m: m.layers[1].activation.__name__,
    "classes": lambda m: m.output_shape[-1],
    "parameters": lambda m: f"{m.count_params():,}",
    "MFLOPs per image": lambda m: f"{flops.forward_flops(m) / 1e6:,.1f}",
}
rows = [(label, value(lenet), value(alexnet)) for label, value in facts.items()]
print(format_table(rows, ("", "LeNet-5", "AlexNet"), align=("left", "right", "right")))
print(f"AlexNet / LeNet-5 parameters: {alexnet.count_params() / lenet.count_params():,.0f}x")

# %%
# Both have the shape described at the top: a few convolution-and-pooling blocks, then
# dense layers, then softmax. AlexNet is deeper (five convolutions to LeNet's three, eight
# layers with weights to LeNet's five) and about a thousand times larger, and it reads
# colour photographs of 1000 kinds of object instead of grey digits. Between the two lay
# fourteen years in which two things arrived: large labelled datasets (ImageNet) and GPUs
# fast enough to use them.
#
# Training both on MNIST
# ----------------------
#
# The full AlexNet would take weeks on a CPU and its 227x227 input makes no sense for
# 28x28 digits. :func:`convbook.models.alexnet_small` keeps its design (a larger first
# filter, five convolutions, overlapping 3x3 pools with stride 2, two wide dense layers with
# dropout, ReLU everywhere) at a size that fits a digit:
small = models.build("alexnet_small")
small.summary()

# %%
# LeNet-5 is trained on the padded 32x32 digits (the ``lenet5_mnist`` recipe prepares them
# so), the small AlexNet on the plain 28x28 ones. Both recipes let the learning rate rise
# and then fall over the run (one cycle, as the deep CNN of
# :ref:`its chapter <sphx_glr_auto_gallery_02_training_06_a_deep_cnn.py>` does); for
# LeNet's tanh units this matters, and exercise 6 asks you to compare it with a constant
# rate. Each recipe has the plan that trains its network well in the time the book
# allows, so the two plans differ, and what follows compares two well-trained networks.
# The accuracies every recipe reaches in a book build are on the
# :doc:`Performance page </performance>`. The budget that built this page and its plans:
from convbook import datasets, recipes

budget = settings.budget()
print(f"budget: {budget} ({settings.BUDGET_MEANINGS[budget]})")
MNIST = datasets.info("mnist")
for name in ("lenet5_mnist", "alexnet_small_mnist"):
    recipe = recipes.RECIPES[name]
    plan = recipe.plan()
    shape = recipe.input_shape or models.default_input_shape(recipe.model)
    schedule = (recipe.schedule or "constant").replace("_", "-")
    peak = "default peak" if plan.learning_rate is None else f"peak {plan.learning_rate:g}"
    print(
        f"{name:20s} input {shape}, epochs {plan.epochs}, "
        f"training images {plan.train_samples or MNIST.n_train}, "
        f"test images {plan.test_samples or MNIST.n_test}, {schedule} learning rate, {peak}"
    )

# %%
# The Keras code
# --------------
#
# The networks this page trains are defined in :mod:`convbook.models`; this is their code,
# printed from the library itself with :func:`convbook.models.source`, so the page and
# the library cannot disagree.
# Two small helpers recur: ``softmax_output(n)`` is
# ``layers.Dense(n, activation="softmax")``, and ``assemble`` feeds a ``keras.Input``
# through the listed layers, in order, into a ``keras.Model``.
for name in ("lenet5", "alexnet_small"):
    print(models.source(name))

# %%
results = {"lenet5": recipes.run_recipe("lenet5_mnist")}
print(results["lenet5"].summary())

# %%
results["alexnet_small"] = recipes.run_recipe("alexnet_small_mnist")
print(results["alexnet_small"].summary())

# %%
# Side by side, with the parameters of each model that was trained, and under the table
# the precision each trained in: on a CPU with bfloat16 instructions the small AlexNet
# trains in ``mixed_bfloat16``, which pays for its wide convolutions, and LeNet-5 in
# ``float32`` (see
# :ref:`Making it fast <sphx_glr_auto_gallery_03_performance_01_making_it_fast.py>`).
rows = [
    (
        name,
        result.model.count_params(),
        "x".join(str(side) for side in result.model.input_shape[1:]),
        f"{result.test_accuracy:.4f}",
        f"{result.wall_time_s:.1f} s",
    )
    for name, result in results.items()
]
headers = ("model", "parameters", "input", "test acc.", "fit time")
print(format_table(rows, headers, align=("left",) + ("right",) * 4))
print("device:", results["lenet5"].device)
for name, result in results.items():
    print(f"{name} trained in {result.precision}")

# %%
# On a task as small as MNIST the 1998 design holds its own. The lines below are computed
# from the two runs: how much larger the small AlexNet is, how long each took per
# training image (the runs have different numbers of epochs, so the table's fit times
# alone do not compare speed), and how far apart their test accuracies are, in
# percentage points and in test images wrong, :math:`(1 - \text{accuracy}) \times n` of
# :math:`n` test images.
lenet_result, alex_result = results["lenet5"], results["alexnet_small"]
size = alex_result.model.count_params() / lenet_result.model.count_params()
print(f"alexnet_small has {size:.1f}x the parameters of LeNet-5")


def seconds_per_image(result):
    """Fit time per training image and epoch."""
    return result.wall_time_s / (result.epochs_run * result.train_samples)


time_ratio = seconds_per_image(alex_result) / seconds_per_image(lenet_result)
print(f"per training image and epoch, alexnet_small took {time_ratio:.1f}x LeNet-5's time")
wrong = {}
for name, recipe_name in (("lenet5", "lenet5_mnist"), ("alexnet_small", "alexnet_small_mnist")):
    tested = recipes.RECIPES[recipe_name].plan().test_samples or MNIST.n_test
    wrong[name] = round((1 - results[name].test_accuracy) * tested)
points = 100 * (lenet_result.test_accuracy - alex_result.test_accuracy)
if points == 0:
    print("LeNet-5 and alexnet_small scored the same test accuracy")
else:
    side = "above" if points > 0 else "below"
    print(
        f"LeNet-5 is {abs(points):.2f} percentage points {side} alexnet_small: "
        f"{wrong['lenet5']} test images wrong against {wrong['alexnet_small']}"
    )

# %%
# Each recipe also states the test accuracy its plan is expected to reach
# (``plan.target_accuracy``). The targets, and whether this build met them:
for name, recipe_name in (("lenet5", "lenet5_mnist"), ("alexnet_small", "alexnet_small_mnist")):
    print(f"{recipe_name:20s}", recipes.target_verdict(recipe_name, results[name].test_accuracy))

# %%
# How close the two come is the point, with one network fourteen years older and a
# fraction of the size of the other: AlexNet's extra depth and dropout pay off on large,
# varied images, not on centred grey digits.
#
# The validation curves of both runs, epoch by epoch:
from convbook.plotting import training as training_plots

fig = training_plots.show_histories(
    {name: result.history for name, result in results.items()},
    title=f"LeNet-5 vs. small AlexNet on MNIST ({settings.budget()} budget)",
)

# %%
# Softmax at work: the trained LeNet-5's ten probabilities for the padded digit shown
# above, which add up to 1. The network's answer is the most likely digit, right or
# wrong, and the probabilities say how sure it is.
probabilities = training.predict_in_batches(results["lenet5"].model, padded.x_train[:1])[0]
print("probabilities:", " ".join(f"{digit}: {p:.3f}" for digit, p in enumerate(probabilities)))
answer, label = int(probabilities.argmax()), int(padded.y_train[0])
print(f"sum: {probabilities.sum():.4f}; answer {answer}, label {label}: ", end="")
print("right" if answer == label else "wrong")

# %%
# The software
# ------------
#
# Nobody writes the gradient of a convolution by hand any more; a deep-learning framework
# computes it, runs it on a GPU and supplies the layers, losses and optimizers. The names
# you will meet:
#
# * **Theano** (University of Montreal, 2007) was one of the first Python libraries that
#   compiled array expressions for the GPU and differentiated them automatically.
#   Development ended in 2017; its ideas live on in the others.
# * **Caffe** (Berkeley, 2013) described networks in configuration files and was the
#   standard tool for vision models for several years; its successor Caffe2 was merged into
#   PyTorch.
# * **TensorFlow** (Google, 2015) builds and runs models at every scale, from phones to
#   clusters, and serves many of them in production.
# * **Keras** (François Chollet, 2015) is a high-level interface: models are assembled
#   from layers in a few lines, and ``compile``/``fit``/``evaluate`` run the training. It
#   first ran on Theano or TensorFlow. **Keras 3** runs on TensorFlow, JAX or PyTorch: the
#   same model code, and every model in this book, works on each of the three.
# * **PyTorch** (Facebook, now the PyTorch Foundation, 2016) runs each operation as the
#   Python line executes, which makes models easy to debug; most research code uses it.
# * **MXNet** (an Apache project, backed by Amazon) scaled training across many machines;
#   it was retired in 2023.
#
# For someone starting out, a high-level interface lets you concentrate on the network
# instead of the plumbing, which is why this book uses Keras. This page ran on:
import keras

print(f"Keras {keras.__version__} with the {keras.backend.backend()} backend")

# %%
# Exercises
# ---------
#
# 1. Build ``models.build("lenet5", activation="relu")`` and train it with
#    ``training.train(model, padded_data, epochs=2)`` (prepare ``padded_data`` with
#    ``input_shape=(32, 32, 1)`` and ``train_samples=8000``). Is it faster to learn than the
#    tanh version?
# 2. Try ``models.build("lenet5", input_shape=(28, 28, 1))``. What goes wrong, and why does
#    the error message name 32?
# 3. Work out by hand why C3 has 2,416 parameters and C5 48,120 (each filter covers all
#    input maps, plus one bias).
# 4. How much of AlexNet's arithmetic is in the convolutions and how much in the dense
#    layers? Use :func:`convbook.flops.layer_flops` on each layer. Compare with where its
#    parameters are.
# 5. Build ``models.alexnet(input_shape=(224, 224, 3))``, the size quoted in the paper.
#    What is the shape of ``conv1``'s output, and why does 227 give the 55x55 the paper
#    reports?
# 6. Train ``lenet5`` twice on the same padded data with :func:`convbook.training.train`,
#    once with ``learning_rate=1e-3`` and once with
#    ``learning_rate=training.one_cycle_schedule(...)`` over the same number of epochs.
#    Compare the validation curves: which run ends higher, and where do the curves part?

# %%
# Solutions
# ---------
#
# Try each exercise on your own before you open its solution. The solutions run when the
# book is built, so every number they print comes from this library on this page's device.
#
# .. solution:: Exercise 1
#
#    Not here. ReLU's advantage is that it does not saturate, so gradients survive many
#    layers. LeNet-5 has only four layers with an activation, and with Keras' initial
#    weights and pixels between 0 and 1 its tanh units start in their nearly straight
#    middle, where they do not saturate either. tanh also passes a gradient for negative
#    inputs, where ReLU passes none, and its outputs are centred on zero. So expect the
#    tanh version to be level or ahead after each of the two epochs. To keep the page
#    short, the runs use 4,000 images instead of 8,000 and score 1,000 test images. ReLU
#    pays off in deeper networks such as AlexNet, and its units are cheaper to compute.
padded_data = training.prepare(
    "mnist", input_shape=(32, 32, 1), train_samples=4000, test_samples=1000
)
lenet_runs = {}
for activation in ("tanh", "relu"):
    training.seed_everything(0)
    model = models.build("lenet5", activation=activation)
    lenet_runs[activation] = training.train(model, padded_data, epochs=2, verbose=0)
for activation, run in lenet_runs.items():
    curve = ", ".join(f"{value:.4f}" for value in run.history["val_accuracy"])
    print(f"{activation}: validation accuracy by epoch {curve}; test {run.test_accuracy:.4f}")
tanh_curve = lenet_runs["tanh"].history["val_accuracy"]
relu_curve = lenet_runs["relu"].history["val_accuracy"]
pairs = zip(tanh_curve, relu_curve, strict=True)
ahead = ["relu" if r > t else "tanh" if t > r else "level" for t, r in pairs]
print("ahead after each epoch:", ahead)

# %%
# .. solution:: Exercise 2
#
#    The builder refuses the shape before it builds anything. On 28x28, C1's 5x5 filters
#    leave 24x24, S2 12x12, C3 8x8 and S4 4x4, and C5's 5x5 filters do not fit in a 4x4
#    map. Working back from C5's need for a 5x5 map: S4 needs 10x10, C3 14x14, S2 28x28
#    and C1 32x32. So 32x32 is the smallest input on which every layer has something to
#    work on, and the message names it, along with the default shape, (32, 32, 1). That
#    is the size LeNet-5 was designed for, and why the recipe pads MNIST's digits.
try:
    models.build("lenet5", input_shape=(28, 28, 1))
except ValueError as error:
    print("ValueError:", error)
side = 28
for name in ("c1", "s2", "c3", "s4"):
    side = side - 4 if name.startswith("c") else side // 2
    print(f"after {name}: {side}x{side}")
needed = 5
for name in ("s4", "c3", "s2", "c1"):
    needed = needed * 2 if name.startswith("s") else needed + 4
print(f"c5 needs a 5x5 map, so c1 needs {needed}x{needed} input")

# %%
# .. solution:: Exercise 3
#
#    A filter covers a 5x5 window through every map of the layer before, plus one bias.
#    C3 reads S2's 6 maps: :math:`16 \times (5 \times 5 \times 6 + 1) = 16 \times 151 =
#    2{,}416`. C5 reads S4's 16 maps: :math:`120 \times (5 \times 5 \times 16 + 1) = 120
#    \times 401 = 48{,}120`. S4's maps are 5x5, so each C5 filter sees all of them at once:
#    C5 works like a dense layer on 400 values, which is why it holds most of LeNet's
#    weights.
for name, maps_in in (("c3", 6), ("c5", 16)):
    layer = lenet.get_layer(name)
    by_hand = layer.filters * (5 * 5 * maps_in + 1)
    print(f"{name}: by hand {by_hand:,}, Keras {layer.count_params():,}")

# %%
# .. solution:: Exercise 4
#
#    Almost the reverse of the parameters. About 95% of AlexNet's arithmetic happens in its
#    five convolutions and about 5% in the dense layers, while the dense layers hold 94%
#    of the weights. A convolution uses each weight at every position of its output:
#    conv1's 34,944 parameters are used at 55 x 55 = 3,025 positions. A dense weight is
#    used once per image. So the convolutions decide how long AlexNet takes, the dense
#    layers how much memory its weights need.
shares = {}
for kind in ("Conv2D", "Dense"):
    chosen = [layer for layer in alexnet.layers if type(layer).__name__ == kind]
    work = sum(flops.layer_flops(layer) for layer in chosen)
    weights = sum(layer.count_params() for layer in chosen)
    shares[kind] = (work / flops.forward_flops(alexnet), weights / alexnet.count_params())
    print(f"{kind:6s} {work / 1e9:.2f} GFLOPs, {weights:,} parameters")
for kind, (work, weights) in shares.items():
    print(f"{kind:6s} {work:.1%} of the arithmetic, {weights:.1%} of the parameters")

# %%
# .. solution:: Exercise 5
#
#    The output side of a convolution without padding is
#    :math:`\lfloor (n - 11) / 4 \rfloor + 1`. For 224 that is :math:`\lfloor 213 / 4
#    \rfloor + 1 = 54`, so ``conv1`` gives 54x54x96, and the last pixel is never read. For
#    227 the 11-pixel window fits exactly 55 times, :math:`216 / 4 + 1 = 55`, the paper's
#    55x55. The smaller maps carry through the network: ``pool5`` becomes 5x5x256 and
#    ``fc6`` reads 6,400 values instead of 9,216, so it has about 11.5 million fewer
#    weights.
alexnet_224 = models.alexnet(input_shape=(224, 224, 3))
for name in ("conv1", "pool5"):
    print(f"{name}: 224 -> {alexnet_224.get_layer(name).output.shape[1:]}, ", end="")
    print(f"227 -> {alexnet.get_layer(name).output.shape[1:]}")
for side in (224, 227):
    print(f"{side}: (side - 11) / 4 + 1 = {(side - 11) / 4 + 1:g}")
fewer = alexnet.get_layer("fc6").count_params() - alexnet_224.get_layer("fc6").count_params()
print(f"fc6 has {fewer:,} fewer parameters on 224x224")
del alexnet_224

# %%
# .. solution:: Exercise 6
#
#    With a constant 1e-3 each update is as large at the end as at the start. One cycle
#    with the recipe's peak of 3e-3 starts at 1.2e-4, climbs to three times the constant
#    rate a quarter of the way through, then falls to almost nothing. To see several points
#    per curve in little time, both runs train 4 epochs on 1,500 padded images, so the
#    warm-up fills the first epoch, and the rising rate soon passes the constant one.
#    Expect the validation losses to part already there, and the accuracies, measured on
#    only 150 images, mainly in the second epoch, at the peak. Expect the one-cycle run to
#    end ahead: its last, tiny updates settle the weights, while the constant run keeps
#    taking full-size steps.
curve_data = training.prepare(
    "mnist", input_shape=(32, 32, 1), train_samples=1500, test_samples=1000
)
curve_epochs = 4
curve_steps = curve_epochs * training.steps_per_epoch(
    training.validation_split_point(1500, 0.1), 128
)
rates = {
    "constant 1e-3": 1e-3,
    "one cycle, peak 3e-3": training.one_cycle_schedule(curve_steps, 3e-3),
}
curve_runs = {}
for label, rate in rates.items():
    training.seed_everything(0)
    curve_runs[label] = training.train(
        models.build("lenet5"), curve_data, epochs=curve_epochs, learning_rate=rate, verbose=0
    )
for label, run in curve_runs.items():
    losses = " ".join(f"{value:.3f}" for value in run.history["val_loss"])
    scores = " ".join(f"{value:.3f}" for value in run.history["val_accuracy"])
    print(f"{label}: validation loss by epoch {losses}, accuracy {scores}")
    print(f"    test accuracy {run.test_accuracy:.4f}")
fig = training_plots.show_histories(
    {label: run.history for label, run in curve_runs.items()},
    title="LeNet-5: the one-cycle run pulls ahead early and ends ahead",
)
