"""Precision and recall of the security detectors on the labelled corpus, and what a scan costs.

    python -m tests.benchmarks.eval_detectors [--rounds 50]

Scores each category over the whole corpus, over its holdout rows (written before the rules were last tuned
and never looked at while tuning; see tests/detector_corpus.py for batch blind-4, read since) and over each batch
of them, each as plain text and as JSON text ({"content": text}, as the stored columns hold it). Cost, per text
scanned: the spans of the OTLP benchmark (tests/benchmarks/bench_otlp.py) as JSON, which is what the writer thread
scans at ingest; the captured SDK request bodies in tests/data cut into 1 KB pieces; the corpus' benign rows
cut into 1 KB pieces (near-misses packed a few dozen bytes apart); and texts no scan has seen before, generated
afresh for every pass: base64 of random bytes (an image in a prompt), words of a made-up vocabulary, random
printable characters and random CJK characters.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import time
from pathlib import Path

from google.protobuf import json_format

from collector.security.detectors import CATEGORIES, prepare, scan
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


def unseen(kind: str, size: int, rng: random.Random) -> str:
    """A text of `size` characters that no scan has read before."""
    if kind == "base64":
        return base64.b64encode(rng.randbytes(size * 3 // 4)).decode()
    if kind == "words":
        vocabulary = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 10))) for _ in range(3000)]
        return " ".join(rng.choices(vocabulary, k=size // 6))[:size]
    if kind == "printable":
        return "".join(rng.choices(string.printable, k=size))
    return "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(size))


def unseen_line(kind: str, size: int, rounds: int) -> str:
    """Median and range over `rounds` texts of their own."""
    rng, seconds = random.Random(size), []
    for _ in range(rounds):
        text = unseen(kind, size, rng)
        start = time.perf_counter()
        scan(text)
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    kb = len(text.encode()) / 1024
    return (f"  {kind + ', ' + format(size, ',') + ' characters':<34} {rounds:>3} texts: median "
            f"{seconds[len(seconds) // 2] * 1e3:8.1f} ms ({seconds[len(seconds) // 2] * 1e6 / kb:6.1f} µs per KB), "
            f"range {seconds[0] * 1e3:.1f}-{seconds[-1] * 1e3:.1f} ms")


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
    prepare()
    print(f"corpus: {len(rows)} texts, {len(benign)} benign ({len(benign) / len(rows):.0%}), {len(holdout)} holdout; "
          f"{len(RULES)} rules")
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
    print("\nscan cost of texts never seen before")
    for kind, size in (("base64", 300_000), ("base64", 1_000_000), ("base64", 4_000_000), ("words", 10_000),
                       ("words", 1_000_000), ("printable", 1_000_000), ("cjk", 300_000)):
        print(unseen_line(kind, size, 5 if size > 300_000 else 11))


if __name__ == "__main__":
    main()
