"""Classifier benchmark: Frontdesk's spaCy model vs. a TF-IDF + logistic-regression baseline.

For each dataset both models are trained on the same training part and scored
on the same test part, in the same run, on one core (``threadpoolctl`` limits every
BLAS/OpenMP pool to one thread):

- ``banking77``: the official train/test files (77 intents, short queries);
- ``endava``: Endava IT tickets, topics (8 labels, long preprocessed texts), one
  seeded stratified 80/20 split;
- ``bitext``: Bitext's synthetic customer-support utterances (11 categories),
  the same kind of split; a smoke test, both models should be near 1.0.

The baseline is the one the data READMEs report: word 1-2-gram and char_wb
2-5-gram TF-IDF, ``LogisticRegression(C=10, class_weight="balanced")``
(scikit-learn is a development dependency, used here only).

    .venv/bin/python bench/classifier.py                     # all three (~8 min)
    .venv/bin/python bench/classifier.py --dataset banking77

Settings are chosen on validation splits carved from the training part, never
on the test part: ``--validation SEED`` scores both models on
``stratified_split(train labels, 0.2, SEED)`` instead, and ``--settings JSON``
overrides Frontdesk's ``TrainingSettings`` (``architecture`` as a nested object):

    .venv/bin/python bench/classifier.py --dataset endava --validation 1 \
        --settings '{"architecture": {"dropout": 0.1}}'
"""

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.pipeline import make_pipeline, make_union  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from adapters.text_classifier import (
    ArchitectureSettings,
    SpacyTextClassifier,
    TrainingSettings,
    evaluate,
    read_labelled_csv,
    train,
)
from adapters.text_classifier.splits import stratified_split

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SPLIT_SEED = 42


@dataclass(frozen=True)
class Split:
    train_texts: list[str]
    train_labels: list[str]
    test_texts: list[str]
    test_labels: list[str]


@dataclass(frozen=True)
class Figures:
    train_seconds: float
    per_second: float
    accuracy: float
    macro_f1: float


def official(name: str, text_col: str, label_col: str) -> Split:
    train_set = read_labelled_csv(DATA / name / "train.csv", text_col, label_col)
    test_set = read_labelled_csv(DATA / name / "test.csv", text_col, label_col)
    return Split(train_set.texts, train_set.labels, test_set.texts, test_set.labels)


def carve(texts: list[str], labels: list[str], seed: int) -> Split:
    """A seeded stratified 80/20 split of ``texts``."""
    kept, held = stratified_split(labels, 0.2, seed)
    return Split(
        [texts[i] for i in kept],
        [labels[i] for i in kept],
        [texts[i] for i in held],
        [labels[i] for i in held],
    )


def seeded(path: Path, text_col: str, label_col: str) -> Split:
    data = read_labelled_csv(path, text_col, label_col)
    return carve(data.texts, data.labels, SPLIT_SEED)


DATASETS: dict[str, Callable[[], Split]] = {
    "banking77": lambda: official("banking77", "text", "category"),
    "endava": lambda: seeded(DATA / "endava_it_tickets" / "tickets_topic.csv", "text", "label"),
    "bitext": lambda: seeded(
        DATA / "bitext_customer_support" / "bitext_text_label.csv", "text", "label"
    ),
}


def settings_from_json(text: str) -> TrainingSettings:
    overrides = json.loads(text)
    architecture = ArchitectureSettings(**overrides.pop("architecture", {}))
    return TrainingSettings(**{"holdout": 0.0, **overrides}, architecture=architecture)


def throughput(predict: Callable[[Sequence[str]], object], texts: Sequence[str]) -> float:
    """Tickets per second, over at least two seconds of repeated passes."""
    predict(texts[:200])  # warm caches
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2.0:
        predict(texts)
        done += len(texts)
    return done / (time.perf_counter() - start)


def frontdesk(split: Split, workdir: Path, settings: TrainingSettings) -> Figures:
    start = time.perf_counter()
    result = train(split.train_texts, split.train_labels, workdir / "model", settings=settings)
    seconds = time.perf_counter() - start
    classifier = SpacyTextClassifier.load(result.output_dir)
    predicted = [g.label for g in classifier.classify(split.test_texts)]
    report = evaluate(split.test_labels, predicted)
    rate = throughput(classifier.classify, split.test_texts)
    return Figures(seconds, rate, report.accuracy, report.macro_f1)


def baseline(split: Split) -> Figures:
    model = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(C=10, class_weight="balanced", max_iter=2000),
    )
    start = time.perf_counter()
    model.fit(split.train_texts, split.train_labels)
    seconds = time.perf_counter() - start
    predicted = [str(p) for p in model.predict(split.test_texts)]
    report = evaluate(split.test_labels, predicted)
    rate = throughput(model.predict, split.test_texts)
    return Figures(seconds, rate, report.accuracy, report.macro_f1)


def main() -> None:
    with threadpool_limits(limits=1):
        run()


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--validation", type=int, metavar="SEED", help="carve from training data")
    parser.add_argument("--settings", default="{}", help="TrainingSettings overrides, JSON")
    args = parser.parse_args()
    names = list(DATASETS) if args.dataset == "all" else [args.dataset]
    settings = settings_from_json(args.settings)
    print("| dataset | model | train s | tickets/s (1 core) | accuracy | macro-F1 |")
    print("|---|---|---:|---:|---:|---:|")
    for name in names:
        split, shown = DATASETS[name](), name
        if args.validation is not None:  # the test part is not used at all
            split = carve(split.train_texts, split.train_labels, args.validation)
            shown = f"{name} validation {args.validation}"
        with tempfile.TemporaryDirectory() as workdir:
            ours = frontdesk(split, Path(workdir), settings)
        theirs = baseline(split)
        for label, f in (("Frontdesk (spaCy)", ours), ("TF-IDF + LR", theirs)):
            print(
                f"| {shown} ({len(split.train_texts)}/{len(split.test_texts)}) | {label} "
                f"| {f.train_seconds:.0f} | {f.per_second:,.0f} "
                f"| {f.accuracy:.4f} | {f.macro_f1:.4f} |",
                flush=True,
            )
        print(f"| {shown} | ratio macro-F1 | | | | {ours.macro_f1 / theirs.macro_f1:.3f}x |")


if __name__ == "__main__":
    main()
