"""Bodies landed as received are decoded in chunks while they wait (collector/ahead.py): a derivation takes a chunk
in place of its bodies only when that keeps landing order, and decodes the bodies itself otherwise."""

from __future__ import annotations

import json

import pyarrow as pa

from collector.ahead import CHUNK_BODIES, Ahead
from collector.batch import Batch
from collector.landing import Received
from collector.receivers import agentd, received


def body(n: int) -> Received:
    run = {"run_id": f"run-{n}", "agent_id": "chunked", "started_at": "2026-12-01T10:00:00Z",
           "trace_id": f"{n:032x}", "span_id": f"{n:016x}", "tokens": {"input": n},
           "events": [{"event_id": f"run-{n}-end", "type": "run_end", "timestamp": "2026-12-01T10:00:01Z"}]}
    return Received(agentd.RUNS_DECODER, json.dumps(run).encode(), 2)


def land(ahead: Ahead, contents: list) -> list:
    window = [(seq, 1, content) for seq, content in enumerate(contents, 1)]
    for seq, _, content in window:
        ahead.landed(seq, content)
    return window


def test_a_whole_chunk_in_the_window_comes_decoded_in_landing_order():
    ahead = Ahead(received.decode)
    window = land(ahead, [body(n) for n in range(CHUNK_BODIES + 3)])
    ahead.taken(len(window))
    contents = list(ahead.contents(window, whole=True))
    ahead.close()
    assert isinstance(contents[0], Batch)
    assert contents[1:] == [content for _, _, content in window[CHUNK_BODIES:]]
    runs = contents[0].in_arrow().runs
    assert runs["run_id"].to_pylist() == [f"run-{n}" for n in range(CHUNK_BODIES)]
    assert runs["tokens_input"].to_pylist() == list(range(CHUNK_BODIES))


def test_a_chunk_is_not_used_when_the_window_splits_it_or_batches_go_one_by_one():
    ahead = Ahead(received.decode)
    window = land(ahead, [body(n) for n in range(CHUNK_BODIES)])
    split = list(ahead.contents(window[:-1], whole=True))
    assert split == [content for _, _, content in window[:-1]]
    # Used once at most: the window derived again decodes its bodies itself.
    assert list(ahead.contents(window, whole=True)) == [content for _, _, content in window]
    window = land(ahead, [body(n) for n in range(CHUNK_BODIES)])
    assert list(ahead.contents(window, whole=False)) == [content for _, _, content in window]
    ahead.close()


def test_a_batch_of_another_kind_between_bodies_breaks_the_chunk():
    ahead = Ahead(received.decode)
    streamed: dict[str, pa.Table] = {}
    contents = [body(n) for n in range(CHUNK_BODIES - 1)] + [streamed] + [body(n) for n in range(CHUNK_BODIES - 1)]
    window = land(ahead, contents)
    assert list(ahead.contents(window, whole=True)) == contents
    ahead.close()


def test_a_chunk_that_cannot_be_decoded_leaves_its_bodies_to_the_derivation():
    ahead = Ahead(received.decode)
    contents = [body(n) for n in range(CHUNK_BODIES - 1)] + [Received(agentd.RUNS_DECODER, b'{"run_id": "x"}', 1)]
    window = land(ahead, contents)
    assert list(ahead.contents(window, whole=True)) == contents
    ahead.close()
