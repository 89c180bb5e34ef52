"""How many OTLP spans per second the collector acknowledges over gRPC and OTLP/HTTP, where OK means committed.

    python -m tests.benchmarks.bench_otlp [--transport grpc|http|both] [--seconds 20] [--exporters 4]
                                          [--spans-per-request 512]

The spans are agent traces as GenAI instrumentation emits them: an `invoke_agent` root with `chat` and
`execute_tool` children, OTel GenAI attributes and a few hundred bytes of prompt text. Each transport gets its own
real server on 127.0.0.1 with a throw-away database, driven by --exporters processes that each send pre-serialized
ExportTraceServiceRequests (gRPC through grpc.aio with the TraceService stub, OTLP/HTTP as aiohttp protobuf POSTs on
a kept-alive connection). After the server stopped, the file must hold exactly the acknowledged spans, one run per
acknowledged trace and one event per LLM or tool span. Exits 1 if not, or if no span was acknowledged at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import duckdb
import grpc
from google.protobuf.message import DecodeError
from google.rpc.status_pb2 import Status as RpcStatus
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from tests.benchmarks.common import (
    command_row,
    machine_row,
    observed_rows,
    percentile,
    print_table,
    require_loopback,
    run_clients,
    slices,
    uvloop,
)
from tests.otlp_values import key_values
from tests.server import Collector

MODULE = "tests.benchmarks.bench_otlp"
TITLE = "OTLP trace export, acknowledged (OK) = committed"
TRANSPORTS = {"grpc": "OTLP/gRPC", "http": "OTLP/HTTP protobuf"}
TRACE_SPANS = (8, 16)  # spans per trace: the invoke_agent root and its chat / execute_tool children
TOOL_FAILURE_RATE = 0.03
TEMPLATES = 4  # distinct requests built per exporter; every request sent is one of them with new ids and tokens
# Requests pre-built by default: about 4x what this collector acknowledged on a 2-core machine. Reaching the cap
# ends the run early and says so ("hit --max-requests").
CEILING_SPANS_PER_SECOND = 20_000
TIMEOUT_SECONDS = 60.0  # per request; the OTel exporters' default is 10 s, this only bounds a stuck run


# ---------------------------------------------------------------- payloads

AGENTS = ("research-agent", "support-bot", "billing-agent", "coding-agent")
# (provider, request model, response model, server.address): priced by genai-prices, so the cost estimate runs too.
MODELS = (("openai", "gpt-4o", "gpt-4o-2024-08-06", "api.openai.com"),
          ("openai", "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", "api.openai.com"),
          ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "api.anthropic.com"))
TOOLS = {"web_search": "Search the web and return the top results", "read_file": "Read a file from the workspace",
         "run_sql": "Run a read-only SQL query on the warehouse", "send_email": "Send an email to a customer",
         "get_invoice": "Fetch an invoice by id"}
SYSTEM_PROMPT = ("You are a careful assistant working for the operations team. Use the tools you are given when they "
                 "help, cite what you used, and say so plainly when you do not know.")
QUESTIONS = ("Why did the nightly revenue report for the EMEA region come out 4% lower than the finance dashboard?",
             "Summarise the three most common reasons customers asked for a refund last week, with examples.",
             "Find every open invoice older than 60 days for ACME Corp and draft a polite reminder email.",
             "Which of our services had the highest p99 latency yesterday, and what changed in its last deploy?",
             "Compare the churn of the monthly and annual plans over the last two quarters and explain the gap.")


def _messages(question: str) -> str:
    """gen_ai.input.messages as OTel GenAI instrumentation records it (when content capture is on): JSON text."""
    return json.dumps([{"role": "system", "parts": [{"type": "text", "content": SYSTEM_PROMPT}]},
                       {"role": "user", "parts": [{"type": "text", "content": question}]}])


PROMPTS = tuple(_messages(question) for question in QUESTIONS)
INPUT, OUTPUT, CACHE_READ = ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
                             "gen_ai.usage.cache_read.input_tokens")
STRING_IDS = {"gen_ai.response.id": "chatcmpl-", "gen_ai.tool.call.id": "call_"}  # and gen_ai.conversation.id


def trace_sizes(spans: int, rng: random.Random) -> list[int]:
    """Complete traces of TRACE_SPANS spans that add up to exactly `spans` (one smaller trace if fewer are asked)."""
    low, high = TRACE_SPANS
    sizes = []
    while spans > high:
        size = rng.randint(low, min(high, spans - low))
        sizes.append(size)
        spans -= size
    return [*sizes, spans]


def chat_usage(call: int, rng: random.Random) -> tuple[int, int, int]:
    """(input, output, cache-read) tokens of a trace's call-th chat: the context grows, and the cache with it."""
    tokens_in = 1500 + 1800 * call + rng.randint(0, 600)
    return tokens_in, rng.randint(20, 700), int(tokens_in * 0.6) if call else 0


def build_trace(size: int, start_ns: int, rng: random.Random) -> list[Span]:
    """One agent invocation: invoke_agent, then chat and execute_tool in turn."""
    trace_id, root_id = rng.randbytes(16), rng.randbytes(8)
    agent = rng.choice(AGENTS)
    provider, request_model, response_model, server = rng.choice(MODELS)
    prompt = rng.choice(PROMPTS)
    common = {"gen_ai.conversation.id": f"conv_{rng.randbytes(12).hex()}", "gen_ai.agent.name": agent}
    children, now, totals = [], start_ns + 2_000_000, Counter()
    for turn in range(size - 1):
        begin, status, events = now, Status(), []
        if turn % 2 == 0:
            now += rng.randint(400, 4000) * 1_000_000
            tokens_in, tokens_out, cached = chat_usage(turn // 2, rng)
            totals.update({INPUT: tokens_in, OUTPUT: tokens_out, CACHE_READ: cached})
            name, kind, attributes = f"chat {request_model}", Span.SPAN_KIND_CLIENT, {
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": provider,
                "gen_ai.request.model": request_model, "gen_ai.response.model": response_model,
                "gen_ai.response.id": f"chatcmpl-{rng.randbytes(12).hex()}",
                "gen_ai.response.finish_reasons": ["tool_calls" if turn < size - 2 else "stop"],
                INPUT: tokens_in, OUTPUT: tokens_out, CACHE_READ: cached, **common,
                "server.address": server, "server.port": 443, "gen_ai.input.messages": prompt}
        else:
            now += rng.randint(20, 800) * 1_000_000
            tool = rng.choice(list(TOOLS))
            name, kind, attributes = f"execute_tool {tool}", Span.SPAN_KIND_INTERNAL, {
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool, "gen_ai.tool.type": "function",
                "gen_ai.tool.description": TOOLS[tool], "gen_ai.tool.call.id": f"call_{rng.randbytes(12).hex()}",
                **common, "gen_ai.provider.name": provider,
                "gen_ai.tool.call.arguments": json.dumps({"query": prompt[-90:-20], "limit": 10}),
                "gen_ai.tool.call.result": f"{rng.randint(1, 40)} rows; first: order {rng.randint(10**5, 10**6)}"}
            if rng.random() < TOOL_FAILURE_RATE:
                attributes["error.type"] = "TimeoutError"
                status = Status(code=Status.STATUS_CODE_ERROR, message=f"{tool} timed out after 30 s")
                events = [Span.Event(name="exception", time_unix_nano=now, attributes=key_values(
                    {"exception.type": "TimeoutError", "exception.message": status.message}))]
        children.append(Span(trace_id=trace_id, span_id=rng.randbytes(8), parent_span_id=root_id, name=name,
                             kind=kind, start_time_unix_nano=begin, end_time_unix_nano=now,
                             attributes=key_values(attributes), status=status, events=events))
        now += 1_000_000
    root = Span(trace_id=trace_id, span_id=root_id, name=f"invoke_agent {agent}", kind=Span.SPAN_KIND_INTERNAL,
                start_time_unix_nano=start_ns, end_time_unix_nano=now, attributes=key_values({
                    "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": provider,
                    "gen_ai.agent.id": f"asst_{agent}", **common, "gen_ai.request.model": request_model,
                    **{key: totals[key] for key in (INPUT, OUTPUT, CACHE_READ)},
                    "server.address": server, "server.port": 443, "gen_ai.input.messages": prompt}))
    # An SDK exports a span when it ends, so the children come before their root.
    return [*children, root]


def build_request(spans: int, exporter: int, rng: random.Random) -> ExportTraceServiceRequest:
    """One BatchSpanProcessor export of one service: complete traces, one resource, one instrumentation scope."""
    start_ns = time.time_ns() - 60 * 10**9
    resource = Resource(attributes=key_values({
        "service.name": f"bench-agents-{exporter}", "service.version": "1.4.2",
        "service.instance.id": f"bench-{exporter}", "deployment.environment.name": "bench",
        "telemetry.sdk.name": "opentelemetry", "telemetry.sdk.language": "python", "telemetry.sdk.version": "1.30.0"}))
    scope = InstrumentationScope(name="opentelemetry.instrumentation.openai_v2", version="2.1b0")
    traces = [span for size in trace_sizes(spans, rng)
              for span in build_trace(size, start_ns + rng.randint(0, 50 * 10**9), rng)]
    return ExportTraceServiceRequest(resource_spans=[ResourceSpans(
        resource=resource, scope_spans=[ScopeSpans(scope=scope, spans=traces)],
        schema_url="https://opentelemetry.io/schemas/1.30.0")])


def renew(request: ExportTraceServiceRequest, rng: random.Random) -> None:
    """Every id (span, trace, conversation, response, tool call) and every token count drawn afresh, in place:
    a tenth of the cost of building the request again, and to the server a request it has never seen. Its times
    move so that its last span ends now, as an SDK exports spans as they end: stored spans then grow in time order
    and the collector's time bounds skip older ones, as they do in use."""
    ids: dict[bytes, bytes] = {}
    spans = request.resource_spans[0].scope_spans[0].spans
    shift = time.time_ns() - max(span.end_time_unix_nano for span in spans)
    for span in spans:
        span.start_time_unix_nano += shift
        span.end_time_unix_nano += shift
        for event in span.events:
            event.time_unix_nano += shift
        if span.trace_id not in ids:  # the trace's first span
            ids[span.trace_id] = rng.randbytes(16)
            conversation, calls, totals = f"conv_{rng.randbytes(12).hex()}", 0, Counter()
        span.trace_id = ids[span.trace_id]
        span.span_id = ids.setdefault(span.span_id, rng.randbytes(8))
        if span.parent_span_id:
            span.parent_span_id = ids.setdefault(span.parent_span_id, rng.randbytes(8))
        usage = {}
        if span.name.startswith("chat "):
            usage = dict(zip((INPUT, OUTPUT, CACHE_READ), chat_usage(calls, rng), strict=True))
            totals.update(usage)
            calls += 1
        elif not span.parent_span_id:  # the root ends, so is exported, after its children
            usage = totals
        for pair in span.attributes:
            if pair.key == "gen_ai.conversation.id":
                pair.value.string_value = conversation
            elif pair.key in STRING_IDS:
                pair.value.string_value = STRING_IDS[pair.key] + rng.randbytes(12).hex()
            elif pair.key in usage:
                pair.value.int_value = usage[pair.key]


@dataclass(frozen=True)
class Payload:
    body: bytes
    spans: int
    traces: int


def build_payloads(count: int, spans: int, exporter: int) -> list[Payload]:
    """This exporter's requests, serialized: a few distinct ones built whole, each sent renewed many times."""
    rng = random.Random(exporter)
    templates = [build_request(spans, exporter, rng) for _ in range(min(count, TEMPLATES))]
    traces = [sum(not span.parent_span_id for span in t.resource_spans[0].scope_spans[0].spans) for t in templates]
    payloads = []
    for i in range(count):
        template = templates[i % len(templates)]
        renew(template, rng)
        payloads.append(Payload(template.SerializeToString(), spans, traces[i % len(templates)]))
    return payloads


# ---------------------------------------------------------------- one exporter process

@dataclass
class ExporterResult:
    acked: int = 0                      # OK requests, including warm-up and drain
    acked_spans: int = 0                # spans in them, less any the server rejected
    acked_traces: int = 0               # traces in OK requests that rejected nothing
    acked_in_window: int = 0            # OK requests that completed inside the measured window
    acked_spans_in_window: int = 0
    statuses: Counter = field(default_factory=Counter)   # non-OK by status code, or by exception name
    first_errors: dict = field(default_factory=dict)      # the first message of each of those
    latencies_ms: list[float] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)  # monotonic time of each in-window OK
    sent: int = 0
    ran_out: bool = False               # hit the request cap before the deadline
    built_bytes: int = 0
    built: int = 0
    first_sent: float = float("inf")
    last_acked: float = 0.0


# A send returns (None, rejected spans, "") for OK, or (status code or exception name, 0, message).
Send = Callable[[bytes], Awaitable[tuple[str | int | None, int, str]]]


async def drive(send: Send, payloads: list[Payload], in_flight: int, measure_from: float,
                stop_at: float) -> ExporterResult:
    result = ExporterResult(built=len(payloads), built_bytes=sum(len(p.body) for p in payloads))
    next_payload = iter(payloads)

    async def worker() -> None:
        while time.monotonic() < stop_at:
            payload = next(next_payload, None)
            if payload is None:
                result.ran_out = True
                return
            result.sent += 1
            started = time.monotonic()
            result.first_sent = min(result.first_sent, started)
            failure, rejected, message = await send(payload.body)
            done = time.monotonic()
            if failure is not None:
                result.statuses[failure] += 1
                result.first_errors.setdefault(failure, message)
                continue
            if rejected:  # OK, but the server refused some spans
                result.statuses["partial_success"] += 1
                result.first_errors.setdefault("partial_success", message)
            result.acked += 1
            result.acked_spans += payload.spans - rejected
            result.acked_traces += 0 if rejected else payload.traces
            result.last_acked = max(result.last_acked, done)
            if measure_from <= done <= stop_at:
                result.acked_in_window += 1
                result.acked_spans_in_window += payload.spans - rejected
                result.latencies_ms.append((done - started) * 1000)
                result.completions.append(done)

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return result


class _PreSerialized:
    """A channel for TraceServiceStub whose calls send bytes as they are, so serializing stays out of the window."""

    def __init__(self, channel: grpc.aio.Channel):
        self._channel = channel

    def unary_unary(self, method: str, request_serializer=None, response_deserializer=None, **kwargs):
        return self._channel.unary_unary(method, None, response_deserializer, **kwargs)


async def drive_grpc(target: str, payloads: list[Payload], in_flight: int, measure_from: float,
                     stop_at: float) -> ExporterResult:
    """One channel (one HTTP/2 connection), as an OTLPSpanExporter has; its calls share it."""
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    async with grpc.aio.insecure_channel(target, options=options) as channel:
        export = TraceServiceStub(_PreSerialized(channel)).Export

        async def send(body: bytes) -> tuple[str | None, int, str]:
            try:
                response = await export(body, timeout=TIMEOUT_SECONDS)
            except grpc.aio.AioRpcError as exc:
                return exc.code().name, 0, exc.details() or ""
            return None, response.partial_success.rejected_spans, response.partial_success.error_message

        return await drive(send, payloads, in_flight, measure_from, stop_at)


def _status_message(body: bytes) -> str:
    """An OTLP/HTTP error body is a google.rpc.Status; anything else is shown as text."""
    try:
        return RpcStatus.FromString(body).message or body[:200].decode(errors="replace")
    except DecodeError:
        return body[:200].decode(errors="replace")


async def drive_http(url: str, payloads: list[Payload], in_flight: int, measure_from: float,
                     stop_at: float) -> ExporterResult:
    """One kept-alive connection per export in flight."""
    connector = aiohttp.TCPConnector(limit=in_flight)
    headers = {"Content-Type": "application/x-protobuf"}
    async with aiohttp.ClientSession(base_url=url, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as session:

        async def send(body: bytes) -> tuple[int | str | None, int, str]:
            try:
                async with session.post("/v1/traces", data=body, headers=headers) as response:
                    answer = await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                return type(exc).__name__, 0, str(exc)
            if status != 200:
                return status, 0, _status_message(answer)
            partial = ExportTraceServiceResponse.FromString(answer).partial_success
            return None, partial.rejected_spans, partial.error_message

        return await drive(send, payloads, in_flight, measure_from, stop_at)


def exporter_main(transport: str, address: str, count: int, spans: int, in_flight: int, seed: int,
                  ready, go, times, results) -> None:
    """Build and serialize this exporter's requests first, so the timed window only sends bytes."""
    payloads = build_payloads(count, spans, seed)
    ready.put(len(payloads))
    go.wait()
    measure_from, stop_at = times[0], times[1]
    # grpc.aio drives its own I/O from the default asyncio loop; aiohttp gets uvloop when it is installed.
    factory = uvloop.new_event_loop if uvloop and transport == "http" else None
    drive_transport = drive_grpc if transport == "grpc" else drive_http
    with asyncio.Runner(loop_factory=factory) as runner:
        results.put(runner.run(drive_transport(address, payloads, in_flight, measure_from, stop_at)))


# ---------------------------------------------------------------- run and report

@dataclass
class Measured:
    """One transport against its own server."""

    transport: str
    results: list[ExporterResult]
    start: float
    stop: float
    observed: dict
    stored: dict[str, int]
    exit_code: int

    @property
    def acked_spans(self) -> int:
        return sum(r.acked_spans for r in self.results)

    @property
    def acked_traces(self) -> int:
        return sum(r.acked_traces for r in self.results)

    @property
    def expected(self) -> dict[str, int]:
        # Every trace is one run; every span but its invoke_agent root is an LLM or tool call, so one event.
        return {"spans": self.acked_spans, "runs": self.acked_traces, "events": self.acked_spans - self.acked_traces}

    @property
    def consistent(self) -> bool:
        """The file holds exactly what was acknowledged, and something was: a run of only errors measures nothing."""
        return self.stored == self.expected and self.acked_spans > 0


def count_in_file(db: Path) -> dict[str, int]:
    """What a fresh process finds in the file, whether or not the server checkpointed before exiting."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {"spans": con.execute("SELECT count(*) FROM spans").fetchone()[0],
                "runs": con.execute("SELECT count(*) FROM runs WHERE source = 'otlp'").fetchone()[0],
                "events": con.execute("SELECT count(*) FROM events WHERE source = 'otlp'").fetchone()[0]}


def measure(transport: str, args: argparse.Namespace) -> Measured:
    with tempfile.TemporaryDirectory(prefix=f"bench-otlp-{transport}-") as tmp:
        db = Path(tmp) / "bench.duckdb"
        server = Collector(db, Path(tmp) / "collector.log").start()
        try:
            require_loopback(server.url, server.grpc_target)
            address = server.grpc_target if transport == "grpc" else server.url
            per_exporter = -(-args.max_requests // args.exporters)
            client_args = [(transport, address, per_exporter, args.spans_per_request, args.in_flight, i)
                           for i in range(args.exporters)]
            results, start, stop, observed = run_clients(exporter_main, client_args, args.warmup, args.seconds,
                                                         server.proc.pid)
        finally:
            exit_code = server.stop()
        stored = count_in_file(db)
    return Measured(transport, results, start, stop, observed, stored, exit_code)


def transport_rows(args: argparse.Namespace, m: Measured) -> list[tuple[str, str]]:
    results, seconds = m.results, m.stop - m.start
    acked_spans_in_window = sum(r.acked_spans_in_window for r in results)
    failures = sum((r.statuses for r in results), Counter())
    errors = {code: message for r in results for code, message in r.first_errors.items()}
    latencies = sorted(x for r in results for x in r.latencies_ms)
    sent = f"{sum(r.sent for r in results)}" + ("  (hit --max-requests)" if any(r.ran_out for r in results) else "")
    by_quarter = slices([t for r in results for t in r.completions], m.start, seconds)
    loaded = max((r.last_acked for r in results), default=0.0) - min(r.first_sent for r in results)
    request_kib = sum(r.built_bytes for r in results) / max(1, sum(r.built for r in results)) / 1024

    def verdict(table: str) -> str:
        stored, expected = m.stored[table], m.expected[table]
        return f"{stored:,}, equal: " + ("yes" if stored == expected else f"NO ({stored - expected:+,d})")

    rows = [
        ("transport", TRANSPORTS[m.transport]),
        ("request size", f"{request_kib:,.0f} KiB"),
        ("requests sent", sent),
        ("acknowledged, total", f"{sum(r.acked for r in results):,} req, {m.acked_spans:,} spans, "
                                f"{m.acked_traces:,} traces"),
        ("not acknowledged", ", ".join(f"{k}: {v}" for k, v in sorted(failures.items(), key=str)) or "none"),
        *((f"first {code}", errors[code][:70]) for code in sorted(errors, key=str)),
        ("spans/s acknowledged", f"{acked_spans_in_window / seconds:,.0f}"),
        ("spans/s by quarter", "  ".join(f"{x * args.spans_per_request:,.0f}" for x in by_quarter)),
        # Everything stored over the whole load, first request to last acknowledgement, warm-up and drain included.
        ("spans/s stored, whole run", f"{m.stored['spans'] / loaded:,.0f}" if loaded > 0 else "-"),
        ("latency p50/p95/p99 ms", " / ".join(f"{percentile(latencies, q):,.0f}" for q in (0.50, 0.95, 0.99))
                                  + (f"  (mean {statistics.fmean(latencies):,.0f})" if latencies else "")),
        ("spans in file after stop", verdict("spans")),
        ("runs (otlp) = traces", verdict("runs")),
        ("events (otlp) = child spans", verdict("events")),
        ("server exit status on SIGTERM", f"{m.exit_code}"),
    ]
    if m.observed:
        server_seconds = m.observed["server_cpu"] * seconds
        per_thousand = server_seconds / (acked_spans_in_window / 1000) if acked_spans_in_window else float("nan")
        client_total = sum(m.observed["client_cpu"])
        others = m.observed["machine_cpu"] - m.observed["server_cpu"] - client_total
        rows += [*observed_rows(m.observed)[:2],
                 ("server CPU s / 1,000 spans", f"{per_thousand:.3f}"),
                 ("client CPU, all exporters", f"{client_total:.0%} of one core"),
                 *observed_rows(m.observed)[2:4],
                 # Anything else running on the machine competes with the server: its share says how clean a run was.
                 ("other processes' CPU", f"{max(others, 0.0):.0%} of one core"),
                 *observed_rows(m.observed)[4:]]
    else:
        rows += observed_rows(m.observed)
    return rows


def side_by_side(columns: list[list[tuple[str, str]]]) -> list[tuple[str, ...]]:
    """One row per name, one value per transport ("" where a transport has no such row, as an error's message)."""
    names: list[str] = []
    for rows in columns:
        for i, (name, _) in enumerate(rows):
            if name not in names:
                names.insert(names.index(rows[i - 1][0]) + 1 if i else 0, name)
    return [(name, *(dict(rows).get(name, "") for rows in columns)) for name in names]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transport", choices=("grpc", "http", "both"), default="both",
                        help="both runs gRPC, then HTTP, each against a fresh server and database "
                             "(default %(default)s)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of load before the window; stored but not timed (default %(default)s)")
    parser.add_argument("--exporters", type=int, default=4,
                        help="exporter processes, each one connection and its own event loop (default %(default)s)")
    parser.add_argument("--in-flight", type=int, default=1,
                        help="exports each exporter has in flight; an SDK's BatchSpanProcessor sends one at a time "
                             "(default %(default)s)")
    parser.add_argument("--spans-per-request", type=int, default=512,
                        help="spans per ExportTraceServiceRequest, the SDK's max_export_batch_size "
                             "(default %(default)s)")
    parser.add_argument("--max-requests", type=int,
                        help="hard cap on requests per transport, all pre-built before the window (default: enough "
                             f"for {CEILING_SPANS_PER_SECOND:,} spans/s through warm-up and window)")
    args = parser.parse_args(argv)
    if args.max_requests is None:
        budget = CEILING_SPANS_PER_SECOND * (args.warmup + args.seconds)
        args.max_requests = max(args.exporters, -(-int(budget) // args.spans_per_request))
    if (args.seconds <= 0 or args.warmup < 0 or args.exporters < 1 or args.in_flight < 1
            or args.spans_per_request < 1 or args.max_requests < args.exporters):
        parser.error("need --seconds > 0, --warmup >= 0, --exporters, --in-flight and --spans-per-request >= 1, "
                     "and --max-requests >= --exporters")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    transports = list(TRANSPORTS) if args.transport == "both" else [args.transport]
    measured = [measure(transport, args) for transport in transports]
    columns = [transport_rows(args, m) for m in measured]
    low, high = TRACE_SPANS
    print_table(TITLE, [
        command_row(MODULE),
        machine_row(),
        ("load", f"{args.exporters} exporter process(es) x {args.in_flight} export(s) in flight, "
                 f"{args.spans_per_request} spans/request in complete traces of {low}-{high} spans, "
                 f"{args.warmup:g} s warm-up + {args.seconds:g} s measured, fresh server and database each"),
        *side_by_side(columns),
    ])
    return 0 if all(m.consistent for m in measured) else 1


if __name__ == "__main__":
    sys.exit(main())
