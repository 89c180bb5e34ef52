"""python -m tests.reliability [--short] [--parts kill,corpus,disk,stall] [--cycles N] [--seed S] [--match TEXT]

Runs the parts, prints one table of counts and every failure under it, and exits 1 if anything failed. The servers'
logs stay in a temporary directory (printed) when something failed, for the tracebacks behind a 500.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from tests.reliability import corpus, disk, kill, report, stall

PARTS = {"kill": kill.run, "corpus": corpus.run, "disk": disk.run, "stall": stall.run}


def _parts(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PARTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"parts are {', '.join(PARTS)}; not {', '.join(unknown) or 'none'}")
    return names


def _run_part(name: str, workdir: Path, args: argparse.Namespace) -> report.Part:
    options = {"kill": {"cycles": args.cycles}, "corpus": {"match": args.match}}.get(name, {})
    started = time.monotonic()
    print(f"{name}: starting", flush=True)
    try:
        part = PARTS[name](workdir, short=args.short, seed=args.seed, **options)
    except Exception as exc:  # the battery itself broke, or a server would not start: still report the rest
        part = report.Part(name, cases=1)
        part.fail("the part itself", name, f"raised {type(exc).__name__}: {exc}")
        traceback.print_exc()
    part.notes.append(f"took {time.monotonic() - started:.0f} s")
    return part


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability", description=__doc__.split("\n\n")[1])
    parser.add_argument("--short", action="store_true", help="the CI-sized run of every part")
    parser.add_argument("--parts", type=_parts, default=list(PARTS),
                        help="comma-separated subset of " + ",".join(PARTS))
    parser.add_argument("--cycles", type=int, default=None, help="kill cycles (default 20, 3 with --short)")
    parser.add_argument("--seed", type=int, default=0, help="seeds kill timing, garbage bytes and random payloads")
    parser.add_argument("--match", default=None, help="corpus: only the cases whose name contains this text")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="agent-collector-reliability-"))
    parts = []
    for name in args.parts:
        workdir = root / name
        workdir.mkdir()
        parts.append(_run_part(name, workdir, args))
    print()
    print(report.render(parts))
    failed = any(part.failures for part in parts)
    if failed:
        print(f"\nserver logs: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
