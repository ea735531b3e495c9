"""``frontdesk train-classifier`` and ``evaluate-classifier``: ticket models from labelled data.

Bad input (missing file or column, too few labels, an existing output) ends
the command with one line on stderr and exit status 2, before anything is
written. The work lives in ``app.classifier_training``, imported only when one
of these commands runs, so other commands start without loading spaCy.
"""

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.classifier_kinds import ModelKind
from app.command_support import fail, settings_or_exit


def _from_db(kind: ModelKind) -> tuple[list[str], list[str]]:
    """Resolved tickets' final categories (or priorities) and agents' corrections."""
    from app import database
    from app.command_support import database_or_exit
    from domain.training_data import labelled_examples

    settings = settings_or_exit()
    url = database_or_exit(settings)

    async def load() -> tuple[list[str], list[str]]:
        await database.open_database(url, pool_size=2)
        try:
            return await labelled_examples(kind.value)
        finally:
            await database.close_database()

    texts, labels = asyncio.run(load())
    if not texts:
        fail("The database holds no resolved or corrected tickets to learn from yet.")
    typer.echo(f"{len(texts)} labelled tickets from the database.", err=True)
    return texts, labels


def train_classifier(
    *,
    from_csv: Annotated[
        Path | None, typer.Option("--from-csv", help="Labelled examples (CSV with a header).")
    ] = None,
    from_db: Annotated[
        bool,
        typer.Option(
            "--from-db", help="Learn from resolved tickets and agents' category corrections."
        ),
    ] = False,
    text_col: Annotated[str, typer.Option(help="Column holding the ticket text.")] = "text",
    label_col: Annotated[str, typer.Option(help="Column holding the label.")] = "label",
    output: Annotated[
        Path | None, typer.Option(help="Model directory (default: data dir, then LATEST).")
    ] = None,
    kind: Annotated[ModelKind, typer.Option(help="Which model this is.")] = ModelKind.category,
    holdout: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="Share held out to score.")
    ] = 0.2,
    epochs: Annotated[int, typer.Option(min=1, max=200, help="Passes over the data.")] = 24,
    seed: Annotated[int, typer.Option(help="Seed for the split and training.")] = 0,
) -> None:
    """Train a ticket classifier (from a labelled CSV file or the database) and print its
    held-out scores."""
    from app import classifier_training as ct

    if (from_csv is None) == (not from_db):
        fail("Give exactly one source: --from-csv PATH or --from-db.")
    if from_csv is not None:
        examples = ct.read(from_csv, text_col, label_col)
        texts, labels = examples.texts, examples.labels
    else:
        texts, labels = _from_db(kind)
    settings = ct.TrainingSettings(holdout=holdout, epochs=epochs, seed=seed)
    data_dir = settings_or_exit().data_dir if output is None else Path()
    try:
        result = ct.train_from_examples(
            texts,
            labels,
            kind,
            output=output,
            data_dir=data_dir,
            settings=settings,
        )
    except (ct.TrainingDataError, FileExistsError) as exc:
        fail(str(exc))
        raise
    if result.report is not None:
        ct.summary(result.report, f"Held-out evaluation ({result.report.examples} examples)")
    typer.echo(
        f"Model {result.version} ({len(result.labels)} labels) saved to {result.output_dir}",
        err=True,
    )
    sys.stdout.write(f"{result.output_dir}\n")


def evaluate_classifier(
    model: Annotated[Path, typer.Option(help="A trained model directory.")],
    csv: Annotated[Path, typer.Option(help="Labelled examples (CSV with a header).")],
    text_col: Annotated[str, typer.Option(help="Column holding the ticket text.")] = "text",
    label_col: Annotated[str, typer.Option(help="Column holding the label.")] = "label",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Score a trained model on a labelled CSV file; unknown labels count as errors."""
    from app import classifier_training as ct

    try:
        classifier = ct.SpacyTextClassifier.load(model)
    except ct.ModelDirectoryError as exc:
        fail(str(exc))
        raise
    examples = ct.read(csv, text_col, label_col)
    predicted = [guess.label for guess in classifier.classify(examples.texts)]
    unknown = sorted(set(examples.labels) - set(classifier.labels))
    report = ct.evaluate(examples.labels, predicted, [*classifier.labels, *unknown])
    if as_json:
        document = {
            **report.to_json(),
            "model_version": classifier.version,
            "unknown_labels": unknown,
            "skipped_blank": examples.skipped_blank,
        }
        sys.stdout.write(json.dumps(document) + "\n")
        return
    ct.summary(report, f"Model {classifier.version} on {csv}")
    if unknown:
        typer.echo(f"Labels the model does not know (all errors): {', '.join(unknown)}", err=True)


def register(cli: typer.Typer) -> None:
    """Add the classifier commands to the ``frontdesk`` command."""
    cli.command("train-classifier")(train_classifier)
    cli.command("evaluate-classifier")(evaluate_classifier)
