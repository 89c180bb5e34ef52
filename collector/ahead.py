"""Bodies landed as received, decoded while they wait for their derivation, not when it takes them.

Decoding at derivation put it in series with the derivation's statements: at 1,400 AgentD runs/s a derivation spent
1.2-2 s decoding before 0.4 s of statements (timed in a throw-away build), and a query after a 202 waited for two of
them (bench_visibility: p50 2.6 s, p99 4.7 s at 32 in flight). Handed to the workers in chunks as they land, the
bodies are decoded while the deriver pauses and derives, and a derivation mostly takes what is decoded already.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from analytics.ingest import Landed
from collector.batch import Batch
from collector.landing import Received

# A landed batch waiting: its landing number, rows, and tables (or the request they are made from).
Pending = tuple[int, int, Landed | Received]
# (decoder, bodies) -> their batch, inspected: collector/receivers/received.py, in a worker process (workers.py).
Decoder = Callable[[str, Sequence[bytes]], Batch]

# Bodies per hand-over: enough that a hand-over's fixed cost (a few hundred µs of the server's CPU, bench_handoff)
# is shared, few enough that a chunk is ready within tens of milliseconds of its last body landing.
CHUNK_BODIES = 64


@dataclass(frozen=True)
class _Chunk:
    count: int  # the consecutive batches it holds, from the one it is filed under
    decoded: Future[Batch]


class Ahead:
    """Chunks of consecutive bodies of one decoder, each filed under its first landing number."""

    def __init__(self, decode: Decoder):
        self._decode = decode
        self._lock = threading.Lock()
        self._gathering: list[tuple[int, Received]] = []
        self._chunks: dict[int, _Chunk] = {}
        # One thread: it only waits for the workers, which decode one chunk at a time.
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="agent-collector-decode")

    def landed(self, seq: int, content: Landed | Received) -> None:
        """The batch numbered seq is landed, right after the one before it."""
        with self._lock:
            # A chunk holds consecutive bodies of one decoder only, so that landing order is kept.
            if not isinstance(content, Received):
                self._gathering = []
                return
            if self._gathering and self._gathering[-1][1].decoder != content.decoder:
                self._gathering = []
            self._gathering.append((seq, content))
            if len(self._gathering) < CHUNK_BODIES:
                return
            chunk, self._gathering = self._gathering, []
            bodies = [received.body for _, received in chunk]
            self._chunks[chunk[0][0]] = _Chunk(len(chunk), self._pool.submit(self._decode, chunk[0][1].decoder, bodies))

    def taken(self, last: int) -> None:
        """A derivation took every batch up to `last`: bodies still gathering are decoded by it instead."""
        with self._lock:
            if self._gathering and self._gathering[0][0] <= last:
                self._gathering = []

    def contents(self, window: Sequence[Pending], whole: bool) -> Iterator[Landed | Received | Batch]:
        """The window's contents in landing order, a chunk decoded in time in place of its bodies if it lies wholly
        inside the window and `whole` (not when batches are derived one by one). A chunk is used once: a window
        derived again decodes its bodies itself, and so does one whose chunk failed (the derivation then says why)."""
        at = 0
        while at < len(window):
            seq, _, content = window[at]
            with self._lock:
                chunk = self._chunks.pop(seq, None)
            if whole and chunk is not None and at + chunk.count <= len(window) and chunk.decoded.exception() is None:
                yield chunk.decoded.result()
                at += chunk.count
            else:
                yield content
                at += 1

    def close(self) -> None:
        self._pool.shutdown()
