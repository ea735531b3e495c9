"""The heavy half of the classifier commands: training, reading files, reports.

Imported only by the ``train-classifier`` and ``evaluate-classifier`` commands,
so every other ``frontdesk`` command starts without loading spaCy.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from adapters.text_classifier import (
    EvaluationReport,
    LabelledDataError,
    LabelledExamples,
    ModelDirectoryError,
    SpacyTextClassifier,
    TrainingDataError,
    TrainingResult,
    TrainingSettings,
    evaluate,
    models_root,
    new_version,
    read_labelled_csv,
    set_latest,
    train,
)
from app.classifier_kinds import ModelKind
from app.command_support import fail

__all__ = [
    "EvaluationReport",
    "ModelDirectoryError",
    "SpacyTextClassifier",
    "TrainingDataError",
    "TrainingSettings",
    "evaluate",
    "read",
    "summary",
    "train_from_examples",
]


@contextmanager
def _progress_bar(description: str, enabled: bool) -> Iterator[Any]:
    """A rich bar on stderr (stdout stays for results); a no-op callback when off."""
    if not enabled:
        yield None
        return
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def train_from_examples(
    texts: Sequence[str],
    labels: Sequence[str],
    kind: ModelKind,
    *,
    output: Path | None,
    data_dir: Path,
    settings: TrainingSettings | None = None,
    show_progress: bool = True,
) -> TrainingResult:
    """Train and save a model; with no ``output``, save it under
    ``<data_dir>/models/<kind>/<version>`` and point ``LATEST`` at it."""
    settings = settings or TrainingSettings()
    with _progress_bar(f"Training {kind.value} model", show_progress) as progress:
        if output is not None:
            return train(texts, labels, output, settings=settings, progress=progress)
        version = new_version(datetime.now(UTC))
        output = models_root(data_dir, kind.value) / version
        result = train(
            texts,
            labels,
            output,
            settings=settings,
            progress=progress,
            extra_metadata={"kind": kind.value},
            version=version,
        )
    set_latest(data_dir, kind.value, version)
    return result


def summary(report: EvaluationReport, title: str) -> None:
    console = Console(stderr=True)
    table = Table(title=title)
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, s in report.per_class.items():
        table.add_row(label, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.support))
    console.print(table)
    console.print(
        f"accuracy {report.accuracy:.4f}   macro-F1 {report.macro_f1:.4f}   "
        f"examples {report.examples}"
    )


def read(path: Path, text_col: str, label_col: str) -> LabelledExamples:
    try:
        examples = read_labelled_csv(path, text_col, label_col)
    except LabelledDataError as exc:
        fail(str(exc))
        raise
    if examples.skipped_blank:
        typer.echo(f"Skipped {examples.skipped_blank} rows with a blank text.", err=True)
    return examples
