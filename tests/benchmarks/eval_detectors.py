"""Precision and recall of the security detectors on the labelled corpus, and what a scan costs.

    python -m tests.benchmarks.eval_detectors [--rounds 50]

Scores each category over the whole corpus, over its holdout rows (written before the rules were last tuned
and never looked at while tuning; see tests/detector_corpus.py for batch blind-4, read since) and over each batch
of them, each as plain text and as JSON text ({"content": text}, as the stored columns hold it). Cost, per text
scanned: the spans of the OTLP benchmark (tests/benchmarks/bench_otlp.py) as JSON, which is what the writer thread
scans at ingest; the captured SDK request bodies in tests/data cut into 1 KB pieces; and the corpus' benign rows
cut into 1 KB pieces (the worst case: near-misses packed a few dozen bytes apart).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from google.protobuf import json_format

from collector.security.detectors import CATEGORIES, PREFILTERED_RULES, scan
from collector.security.rules import RULES
from tests.benchmarks.bench_otlp import build_trace
from tests.detector_corpus import Row, evaluate, load

DATA = Path(__file__).resolve().parents[1] / "data"
CAPTURES = ("agentd_cap.jsonl", "am201.jsonl", "cylmon_cap.jsonl", "cylmon014_cap.jsonl")


def score_table(title: str, rows: list[Row], as_json: bool) -> list[str]:
    lines = [f"{title} ({len(rows)} texts)",
             f"  {'category':<18} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>7}"]
    for category, score in evaluate(rows, as_json).items():
        lines.append(f"  {category:<18} {score.tp:>4} {score.fp:>4} {score.fn:>4} {score.precision:>10.3f} "
                     f"{score.recall:>7.3f}")
    return lines


def pieces(texts: list[str]) -> list[str]:
    blob = "\n".join(texts)
    return [blob[i:i + 1024] for i in range(0, len(blob) - 1023, 1024)]


def otlp_spans(count: int) -> list[str]:
    """Spans as the OTLP benchmark sends them, as JSON text."""
    rng, spans = random.Random(5), []
    while len(spans) < count:
        spans += [json.dumps(json_format.MessageToDict(span)) for span in build_trace(rng.randint(8, 16), 0, rng)]
    return spans[:count]


def timed(texts: list[str], rounds: int) -> float:
    """Seconds per text, best of three runs of `rounds` passes. Each pass scans texts of its own (a space and the
    pass number appended), so scan's small cache of recent texts never answers."""
    best = float("inf")
    for run in range(3):
        copies = [[f"{text} {run}.{n}" for text in texts] for n in range(rounds)]
        start = time.perf_counter()
        for batch in copies:
            for text in batch:
                scan(text)
        best = min(best, (time.perf_counter() - start) / (rounds * len(texts)))
    return best


def speed_line(title: str, texts: list[str], rounds: int) -> str:
    seconds = timed(texts, rounds)
    size = sum(len(text.encode()) for text in texts) / len(texts)
    flagged = sum(1 for text in texts if scan(text))
    return (f"  {title:<34} {len(texts):>5} texts of {size:>5.0f} B, {flagged:>3} with findings: "
            f"{seconds * 1e6:7.1f} µs per text, {seconds * 1e6 * 1024 / size:6.1f} µs per KB, "
            f"{size / seconds / 1e6:5.0f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    rows = load()
    holdout = [row for row in rows if row.holdout]
    benign = [row for row in rows if not row.labels]
    print(f"corpus: {len(rows)} texts, {len(benign)} benign ({len(benign) / len(rows):.0%}), {len(holdout)} holdout; "
          f"{len(RULES)} rules, {PREFILTERED_RULES} behind the RE2 prefilter")
    for category in CATEGORIES:
        names = sorted({f"{rule.name} ({rule.severity})" for rule in RULES if rule.category == category})
        print(f"  {category:<18} {sum(category in row.labels for row in rows):>4} labelled texts; "
              f"rules: {', '.join(names)}")
    batches = {row.batch or "" for row in holdout}
    subsets = [("all rows", rows), ("holdout rows", holdout)] + [
        (f"holdout rows of batch {batch}" if batch else "holdout rows without a batch",
         [row for row in holdout if (row.batch or "") == batch]) for batch in sorted(batches) if len(batches) > 1]
    for as_json in (False, True):
        for title, subset in subsets:
            print("\n" + "\n".join(score_table(title + (" as JSON" if as_json else ""), subset, as_json)))
    captures = [json.dumps(json.loads(line)["body"]) for name in CAPTURES
                for line in (DATA / name).read_text().splitlines() if line.strip()]
    print("\nscan cost (best of 3)")
    print(speed_line("OTLP benchmark spans as JSON", otlp_spans(400), args.rounds))
    print(speed_line("captured SDK bodies, 1 KB pieces", pieces(captures), args.rounds))
    print(speed_line("corpus benign rows, 1 KB pieces", pieces([row.text for row in benign]), args.rounds))
    print(speed_line("corpus rows with findings", [row.text for row in rows if row.labels], max(1, args.rounds // 5)))


if __name__ == "__main__":
    main()
