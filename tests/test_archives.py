import gzip
import hashlib

import numpy as np
import pytest

from fashionclasstic.data import archives, load_fashion_mnist
from fashionclasstic.data.archives import load_archives
from fashionclasstic.errors import ConfigError, DataError


def test_explicit_directory_is_loaded_and_named(synthetic_official, isolated_locations):
    directory = synthetic_official(isolated_locations / "mine")
    loaded = load_archives(directory)
    assert loaded.source == f"--fc-data-dir {directory}"
    for key, expected in synthetic_official.arrays.items():
        np.testing.assert_array_equal(loaded.arrays[key], expected)


def test_environment_variable_names_the_directory(synthetic_official, isolated_locations, monkeypatch):
    directory = synthetic_official(isolated_locations / "env")
    monkeypatch.setenv("FASHIONCLASSTIC_DATA", str(directory))
    assert load_archives().source == f"FASHIONCLASSTIC_DATA {directory}"


def test_recompressed_archives_are_verified_by_content(synthetic_official, isolated_locations):
    directory = synthetic_official(isolated_locations / "debian", compresslevel=1)
    first = synthetic_official.files[0]
    assert hashlib.sha256((directory / first.filename).read_bytes()).hexdigest() != first.archive_sha256
    assert load_archives(directory).arrays["x_train"].shape == (30, 28, 28)


def test_uncompressed_files_are_accepted(synthetic_official, isolated_locations):
    directory = synthetic_official(isolated_locations / "raw")
    for f in synthetic_official.files:
        (directory / f.content_name).write_bytes(gzip.decompress((directory / f.filename).read_bytes()))
        (directory / f.filename).unlink()
    assert load_archives(directory).arrays["y_test"].tolist() == list(np.arange(20) % 10)


def test_search_order_cache_before_debian_before_keras(synthetic_official, isolated_locations, monkeypatch):
    debian = synthetic_official(isolated_locations / "debian")
    keras = synthetic_official(isolated_locations / "home/.keras/datasets/fashion-mnist")
    assert load_archives().source.startswith("Debian's dataset-fashion-mnist")
    synthetic_official(isolated_locations / "cache/fashion-mnist")
    assert load_archives().source.startswith("the suite's cache")
    for directory in (isolated_locations / "cache/fashion-mnist", debian):
        for f in synthetic_official.files:
            (directory / f.filename).unlink()
    assert load_archives().source.startswith(f"the Keras cache ({keras}")


def test_the_keras_cache_follows_keras_home(synthetic_official, isolated_locations, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(isolated_locations / "elsewhere"))
    synthetic_official(isolated_locations / "elsewhere/datasets/fashion-mnist")
    loaded = load_archives(download=False)
    assert loaded.source == f"the Keras cache ({isolated_locations / 'elsewhere/datasets/fashion-mnist'})"


def test_nothing_found_lists_what_was_tried_and_the_fixes(synthetic_official, isolated_locations):
    with pytest.raises(DataError) as raised:
        load_archives()
    message = str(raised.value)
    assert message.startswith("Fashion-MNIST was not found. Looked in:")
    for expected in ("the suite's cache", "Debian's dataset-fashion-mnist", "the Keras cache",
                     "download into", "--fc-data-dir DIR", "FASHIONCLASSTIC_DATA=DIR",
                     "apt-get install dataset-fashion-mnist", "github.com/zalandoresearch/fashion-mnist"):
        assert expected in message


def test_download_can_be_switched_off(synthetic_official, isolated_locations):
    with pytest.raises(DataError, match="download: switched off"):
        load_archives(download=False)


def test_missing_explicit_directory_is_one_clear_message(synthetic_official, isolated_locations):
    missing = isolated_locations / "nowhere"
    with pytest.raises(DataError) as raised:
        load_archives(missing)
    assert f"--fc-data-dir {missing}: no such directory" in str(raised.value)
    assert "Debian" not in str(raised.value)  # an explicit directory is the only place looked


def test_incomplete_explicit_directory_names_the_missing_files(synthetic_official, isolated_locations):
    directory = synthetic_official(isolated_locations / "partial")
    (directory / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="missing t10k-labels-idx1-ubyte.gz"):
        load_archives(directory)


def test_checksum_mismatch_names_the_file_and_the_expected_hash(synthetic_official, isolated_locations):
    directory = synthetic_official(isolated_locations / "corrupt")
    official = synthetic_official.files[0]
    content = bytearray(gzip.decompress((directory / official.filename).read_bytes()))
    content[-1] ^= 0xFF  # one flipped pixel
    (directory / official.filename).write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(DataError) as raised:
        load_archives(directory)
    message = str(raised.value)
    assert str(directory / official.filename) in message
    assert official.content_sha256 in message and "corrupt" in message


def test_truncated_archive_is_refused(synthetic_official, isolated_locations):
    directory = synthetic_official(isolated_locations / "truncated")
    path = directory / synthetic_official.files[0].filename
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(DataError, match="not a readable gzip archive.*truncated or corrupt"):
        load_archives(directory)


def test_corrupt_copy_is_skipped_for_a_good_one_further_down(synthetic_official, isolated_locations):
    cache = synthetic_official(isolated_locations / "cache/fashion-mnist")
    (cache / synthetic_official.files[1].filename).write_bytes(b"garbage")
    synthetic_official(isolated_locations / "debian")
    loaded = load_archives()
    assert loaded.source.startswith("Debian's")
    assert any("refused" in entry for entry in loaded.tried)


def test_parsed_arrays_are_cached_and_a_damaged_cache_is_rebuilt(synthetic_official, isolated_locations):
    directory = synthetic_official(isolated_locations / "mine")
    load_archives(directory)
    cached = isolated_locations / "cache/arrays/x_train.npy"
    assert cached.is_file()
    cached.write_bytes(cached.read_bytes()[:-10])
    assert load_archives(directory).arrays["x_train"].shape == (30, 28, 28)
    assert archives.ArrayCache(isolated_locations / "cache").load() is not None


def test_unknown_source_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown data source 'kaggle'"):
        load_fashion_mnist("kaggle")


def test_official_archives_load_as_the_canonical_split(official_data_dir, tmp_path):
    data = load_fashion_mnist(data_dir=official_data_dir, cache_dir=tmp_path)
    assert data.x_train.shape == (60_000, 28, 28) and data.x_test.shape == (10_000, 28, 28)
    assert data.x_train.dtype == np.float32 and 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"


def test_tfds_keeps_to_no_download(isolated_locations, monkeypatch):
    """--fc-source tfds with --fc-no-download: no local archives to prepare from is one message, no download."""
    import sys
    import types

    from fashionclasstic.data.tfds_source import load_tfds

    prepared = []

    class Builder:
        data_dir = str(isolated_locations / "tfds")

        def is_prepared(self):
            return False

        def download_and_prepare(self, download_config=None):
            prepared.append(download_config)

    fake = types.SimpleNamespace(builder=lambda name: Builder(), download=types.SimpleNamespace(DownloadConfig=dict))
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", fake)
    with pytest.raises(DataError, match="downloads are off"):
        load_tfds(download=False)
    monkeypatch.setenv("FASHIONCLASSTIC_OFFLINE", "1")
    with pytest.raises(DataError, match="downloads are off"):
        load_tfds()
    assert prepared == []
