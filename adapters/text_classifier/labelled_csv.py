"""Labelled examples from a CSV file, with errors an operator can act on."""

import csv
from dataclasses import dataclass
from pathlib import Path


class LabelledDataError(Exception):
    """The file is missing, unreadable, lacks a column or holds no usable rows."""


@dataclass(frozen=True, slots=True)
class LabelledExamples:
    texts: list[str]
    labels: list[str]
    skipped_blank: int  # rows whose text was empty or whitespace


def read_labelled_csv(path: Path, text_col: str, label_col: str) -> LabelledExamples:
    """Read ``text_col``/``label_col`` from a CSV with a header row.

    Rows with a blank text are skipped (and counted: an export with half its
    texts empty should be noticed); a blank label with a text is an error,
    because silently dropping it would hide a labelling mistake.
    """
    if not path.is_file():
        raise LabelledDataError(f"{path}: no such file")
    texts: list[str] = []
    labels: list[str] = []
    skipped = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for wanted in (text_col, label_col):
                if wanted not in columns:
                    raise LabelledDataError(
                        f"{path}: no column {wanted!r} (columns: {', '.join(columns) or 'none'})"
                    )
            for line, row in enumerate(reader, start=2):
                text = (row[text_col] or "").strip()
                label = (row[label_col] or "").strip()
                if not text:
                    skipped += 1
                elif not label:
                    raise LabelledDataError(f"{path}:{line}: text without a {label_col!r} value")
                else:
                    texts.append(text)
                    labels.append(label)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise LabelledDataError(f"{path}: not a UTF-8 CSV file ({exc})") from exc
    if not texts:
        raise LabelledDataError(f"{path}: no rows with a text in {text_col!r}")
    return LabelledExamples(texts, labels, skipped)
