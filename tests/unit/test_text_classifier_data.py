"""Reading labelled CSV files and the LATEST model pointer: clear errors, no surprises."""

from pathlib import Path

import pytest

from adapters.text_classifier import (
    LabelledDataError,
    ModelDirectoryError,
    latest_model_dir,
    read_labelled_csv,
    set_latest,
)
from adapters.text_classifier.model_dir import new_version, write_metadata


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_it_reads_the_named_columns_and_counts_blank_texts(tmp_path: Path) -> None:
    csv_file = write(
        tmp_path / "t.csv",
        'id,body,team\n1,"Refund, please",billing\n2,   ,billing\n3,Login broken,access\n4,,x\n',
    )

    examples = read_labelled_csv(csv_file, "body", "team")

    assert examples.texts == ["Refund, please", "Login broken"]
    assert examples.labels == ["billing", "access"]
    assert examples.skipped_blank == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,label\n", "no rows with a text in 'text'"),
        ("body,label\nhello,a\n", "no column 'text' (columns: body, label)"),
        ("text,label\nhello,\n", ":2: text without a 'label' value"),
        ("", "no column 'text' (columns: none)"),
    ],
)
def test_bad_files_get_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    csv_file = write(tmp_path / "t.csv", content)

    with pytest.raises(LabelledDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_labelled_csv(csv_file, "text", "label")


def test_a_missing_or_binary_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(LabelledDataError, match="no such file"):
        read_labelled_csv(tmp_path / "nope.csv", "text", "label")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"text,label\n\xff\xfe,a\n")
    with pytest.raises(LabelledDataError, match="not a UTF-8 CSV file"):
        read_labelled_csv(binary, "text", "label")


def test_latest_is_none_until_a_model_is_installed(tmp_path: Path) -> None:
    assert latest_model_dir(tmp_path, "category") is None

    model = tmp_path / "models" / "category" / "v1"
    model.mkdir(parents=True)
    write_metadata(model, {"version": "v1", "labels": ["a", "b"]})
    set_latest(tmp_path, "category", "v1")

    assert latest_model_dir(tmp_path, "category") == model
    assert latest_model_dir(tmp_path, "severity") is None
    assert sorted(p.name for p in model.parent.iterdir()) == ["LATEST", "v1"]  # no temp left


def test_a_dangling_latest_is_an_error_not_a_silent_none(tmp_path: Path) -> None:
    set_latest(tmp_path, "category", "gone")
    with pytest.raises(ModelDirectoryError, match="no such model directory"):
        latest_model_dir(tmp_path, "category")
    set_latest(tmp_path, "category", "../escape")
    with pytest.raises(ModelDirectoryError, match="expected a version directory name"):
        latest_model_dir(tmp_path, "category")


def test_versions_are_utc_timestamps() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    assert new_version(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "20260102T030405.000006Z"
    with pytest.raises(ValueError, match="UTC"):
        new_version(datetime(2026, 1, 2, tzinfo=timezone(timedelta(hours=1))))
