from pathlib import Path

import pytest

from convbook import settings


def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVBOOK_DATA_DIR", str(tmp_path / "env"))
    assert settings.data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert settings.data_dir() == tmp_path / "env"
    monkeypatch.delenv("CONVBOOK_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.data_dir() == tmp_path / "xdg" / "convbook"


def test_data_dir_that_is_a_file_is_rejected(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(settings.SettingError) as caught:
        settings.data_dir(a_file)
    assert str(caught.value) == (
        f"data_dir must be a directory (it is created if missing); got {str(a_file)!r}, "
        "which is a file, not a directory."
    )


def test_data_dir_is_never_inside_the_package():
    package = Path(settings.__file__).parent
    assert package not in settings.default_data_dir().parents


@pytest.mark.parametrize(
    ("variable", "function", "good", "expected"),
    [
        ("CONVBOOK_BUDGET", settings.budget, "FULL", "full"),
        ("CONVBOOK_DEVICE", settings.device_choice, "cpu", "cpu"),
        ("CONVBOOK_PRECISION", settings.precision, "Float32", "float32"),
        ("CONVBOOK_OFFLINE", settings.offline, "yes", True),
        ("CONVBOOK_RUN_CACHE", settings.run_cache, "no", False),
    ],
)
def test_choices_accept_good_and_reject_bad_values(monkeypatch, variable, function, good, expected):
    monkeypatch.setenv(variable, good)
    assert function() == expected
    monkeypatch.setenv(variable, "bogus")
    with pytest.raises(settings.SettingError, match=f"^{variable} must be .*; got 'bogus'.$"):
        function()


def test_budget_error_names_the_variable_the_choices_and_the_value(monkeypatch):
    monkeypatch.setenv("CONVBOOK_BUDGET", "Slow")
    with pytest.raises(settings.SettingError) as caught:
        settings.budget()
    assert str(caught.value) == (
        "CONVBOOK_BUDGET must be one of 'smoke', 'full', 'long' (or unset for 'full'); got 'Slow'."
    )
    assert isinstance(caught.value, ValueError)


def test_defaults(monkeypatch):
    for variable in ("CONVBOOK_BUDGET", "CONVBOOK_DEVICE", "CONVBOOK_OFFLINE"):
        monkeypatch.delenv(variable, raising=False)
    assert (settings.budget(), settings.device_choice(), settings.offline()) == (
        "full",
        "auto",
        False,
    )


def test_run_log_is_off_by_default_and_must_name_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("CONVBOOK_RUN_LOG", raising=False)
    assert settings.run_log() is None
    monkeypatch.setenv("CONVBOOK_RUN_LOG", str(tmp_path / "runs.jsonl"))
    assert settings.run_log() == tmp_path / "runs.jsonl"
    monkeypatch.setenv("CONVBOOK_RUN_LOG", str(tmp_path))
    with pytest.raises(settings.SettingError) as caught:
        settings.run_log()
    assert str(caught.value) == (
        f"CONVBOOK_RUN_LOG must be a file (it is created if missing); got {str(tmp_path)!r}, "
        "which is a directory."
    )


def test_run_cache_is_on_by_default_and_takes_a_flag(monkeypatch):
    monkeypatch.delenv("CONVBOOK_RUN_CACHE", raising=False)
    assert settings.run_cache() is True
    monkeypatch.setenv("CONVBOOK_RUN_CACHE", "0")
    assert settings.run_cache() is False
    monkeypatch.setenv("CONVBOOK_RUN_CACHE", "off")
    with pytest.raises(settings.SettingError) as caught:
        settings.run_cache()
    assert str(caught.value) == (
        "CONVBOOK_RUN_CACHE must be 1 or 0 (also true/false, yes/no); got 'off'."
    )
