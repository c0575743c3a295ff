"""Evaluate core.tone.classify on the labelled replies; prints tables and writes bench/results/tone.json."""

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.tone import Tone, classify  # noqa: E402  (needs the repo root on sys.path first)

DATA = ROOT / "core" / "tone" / "data" / "tone_labelled.csv"
RESULTS = ROOT / "bench" / "results" / "tone.json"
LABELS = [tone.value for tone in Tone]


def load_rows(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def evaluate(rows: list[dict[str, str]]) -> dict[str, object]:
    """Macro-F1, per-class precision/recall/F1, support-as-challenge rate and confusion matrix for `rows`."""
    confusion = {gold: dict.fromkeys(LABELS, 0) for gold in LABELS}
    errors = []
    for row in rows:
        predicted = classify(row["text"]).label.value
        confusion[row["label"]][predicted] += 1
        if predicted != row["label"]:
            errors.append({"text": row["text"], "gold": row["label"], "predicted": predicted})
    per_class: dict[str, dict[str, float | int]] = {}
    for label in LABELS:
        true_positive = confusion[label][label]
        predicted_total = sum(confusion[gold][label] for gold in LABELS)
        gold_total = sum(confusion[label].values())
        precision = true_positive / predicted_total if predicted_total else 0.0
        recall = true_positive / gold_total if gold_total else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "n": gold_total,
        }
    supportive = sum(confusion["support"].values())
    correct = sum(confusion[label][label] for label in LABELS)
    return {
        "n": len(rows),
        "accuracy": round(correct / len(rows), 4) if rows else 0.0,
        "macro_f1": round(sum(float(c["f1"]) for c in per_class.values()) / len(LABELS), 4),
        "challenge_precision": per_class["challenge"]["precision"],
        "challenge_recall": per_class["challenge"]["recall"],
        "support_labelled_challenge": round(confusion["support"]["challenge"] / supportive, 4) if supportive else 0.0,
        "per_class": per_class,
        "confusion": confusion,
        "errors": errors,
    }


def timing(rows: list[dict[str, str]], repeat: int = 5) -> float:
    """Mean milliseconds per classify() call over all rows, after one warm-up pass."""
    for row in rows:
        classify(row["text"])
    start = time.perf_counter()
    for _ in range(repeat):
        for row in rows:
            classify(row["text"])
    return round((time.perf_counter() - start) * 1000 / (repeat * len(rows)), 4)


def table(name: str, result: dict[str, object]) -> str:
    per_class = result["per_class"]
    confusion = result["confusion"]
    assert isinstance(per_class, dict)
    assert isinstance(confusion, dict)
    lines = [
        f"== {name} split: n={result['n']}  accuracy={result['accuracy']:.3f}  macro-F1={result['macro_f1']:.3f}",
        f"   challenge precision={result['challenge_precision']:.3f}  recall={result['challenge_recall']:.3f}  "
        f"support labelled challenge={float(str(result['support_labelled_challenge'])):.1%}",
        f"   {'label':<10} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>4}",
    ]
    for label in LABELS:
        c = per_class[label]
        lines.append(f"   {label:<10} {c['precision']:>6.3f} {c['recall']:>6.3f} {c['f1']:>6.3f} {c['n']:>4}")
    lines.append("   confusion (rows gold, columns predicted):")
    lines.append("   " + " " * 10 + "".join(f"{label[:9]:>10}" for label in LABELS))
    for gold in LABELS:
        lines.append(f"   {gold:<10}" + "".join(f"{confusion[gold][p]:>10}" for p in LABELS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", choices=["train", "test"], help="also list the misclassified rows of a split")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/tone.json")
    args = parser.parse_args(argv)
    rows = load_rows()
    results: dict[str, object] = {"dataset": str(DATA.relative_to(ROOT)), "labels": LABELS}
    for split in ("test", "train"):
        result = evaluate([row for row in rows if row["split"] == split])
        sys.stdout.write(table("held-out test" if split == "test" else "train", result) + "\n\n")
        if args.errors == split:
            errors = result["errors"]
            assert isinstance(errors, list)
            for error in errors:
                sys.stdout.write(f"   {error['gold']:>9} -> {error['predicted']:<9} {error['text']}\n")
            sys.stdout.write("\n")
        results[split] = result
    results["ms_per_reply"] = timing(rows)
    targets = {"macro_f1": 0.85, "challenge_recall": 0.85, "support_labelled_challenge_below": 0.05}
    test = results["test"]
    assert isinstance(test, dict)
    results["targets"] = targets
    results["targets_met"] = {
        "macro_f1": test["macro_f1"] >= targets["macro_f1"],
        "challenge_recall": test["challenge_recall"] >= targets["challenge_recall"],
        "support_labelled_challenge": test["support_labelled_challenge"] < targets["support_labelled_challenge_below"],
    }
    sys.stdout.write(f"classify(): {results['ms_per_reply']} ms per reply (mean)\n")
    sys.stdout.write(f"targets met on held-out split: {results['targets_met']}\n")
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
