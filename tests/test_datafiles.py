"""Packaged YAML is found inside the package; user YAML that cannot be used fails in one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from khabar.datafiles import packaged_yaml, user_yaml


class Bad(ValueError):
    pass


def test_packaged_file_is_read_from_the_package(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # never the working folder
    verbs = packaged_yaml("reporting_verbs.yaml")["verbs"]
    assert "denied" in verbs or "deny" in verbs


def test_packaged_result_is_fresh_each_call() -> None:
    first = packaged_yaml("analysis.yaml")
    first.clear()
    assert packaged_yaml("analysis.yaml")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "cannot read"), (b"rules: [a, b\n", "not valid YAML"), (b"name: \xff\xfe caf\xe9\n", "not UTF-8")],
)
def test_user_file_errors_name_the_file(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "mine.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(Bad) as err:
        user_yaml(path, Bad)
    message = str(err.value)
    assert str(path) in message and reason in message and "\n" not in message


def test_user_file_empty_is_none(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert user_yaml(path, Bad) is None
