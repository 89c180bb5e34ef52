"""Real instrumentation libraries end to end (issue 18): each drives a tiny tool-calling agent against the fake LLM
server (tests/fake_llm.py) and exports to a real collector subprocess over OTLP/gRPC and OTLP/HTTP; the stored run,
events and tool calls are read back through the query routes and compared by value with what the fake server said.

The libraries' pins fight each other, so each runs in its own environment (tests/producer_envs.py, built in the
background from the start of the session and reused across runs), through a driver in tests/producers/. Every case
runs at once against one collector, each under agent and service names of its own (PRODUCER_TAG), so that its run,
tools and framework are told apart from the others'.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from collector import pricing
from tests import fake_llm, producer_envs
from tests.server import Collector

pytestmark = pytest.mark.timeout(producer_envs.BUILD_TIMEOUT + 600)  # the first test waits for builds and drivers

OPENAI_MODEL = "gpt-4o-mini-2024-07-18"  # the fake answers this for the requested gpt-4o-mini
ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929"  # and this for claude-sonnet-4-5
AGENT, TOOL = "weather-agent", fake_llm.TOOL_NAME
QUESTION = "What is the weather in Paris?"  # what every driver asks (tests/producers/common.py)


@dataclass(frozen=True)
class Producer:
    env: str
    driver: str
    api: str  # "openai" or "anthropic": which fake the agent talks to
    agent_id: str  # before the case's tag
    framework: str
    cached: bool = True  # the instrumentation reports cached prompt tokens
    reports_cost: bool = False  # its spans carry a real (non-zero) cost
    tool_error_ends_run: bool = False  # a tool that raises ends the agent run (else the agent tells the model)
    args: tuple[str, ...] = ()

    @property
    def model(self) -> str:
        return OPENAI_MODEL if self.api == "openai" else ANTHROPIC_MODEL

    @property
    def provider(self) -> str:
        return self.api


PRODUCERS = {
    "pydantic_ai_openai": Producer("pydantic_ai", "drive_pydantic_ai.py", "openai", AGENT, "pydantic-ai",
                                   reports_cost=True, tool_error_ends_run=True, args=("openai",)),
    "pydantic_ai_anthropic": Producer("pydantic_ai", "drive_pydantic_ai.py", "anthropic", AGENT, "pydantic-ai",
                                      reports_cost=True, tool_error_ends_run=True, args=("anthropic",)),
    # The agent is an OpenInference AGENT span named after the agent (OITracer puts the name nowhere else).
    "openinference_openai": Producer("openinference_openai", "drive_openinference_openai.py", "openai", AGENT,
                                     "openai"),
    # opentelemetry-instrumentation-openai-v2 2.4b0 reports gen_ai.usage.input_tokens without the cached part.
    "openai_v2": Producer("openai_v2", "drive_openai_v2.py", "openai", AGENT, "openai", cached=False),
    # @agent(name=weather-agent) inside @workflow(name=weather-workflow): the agent's name wins.
    "traceloop": Producer("traceloop", "drive_traceloop.py", "openai", AGENT, "traceloop"),
    # openlit.start_trace(name) is a bare span (no GenAI attributes) and agent_context() only tags metrics, so the
    # agent is the service; OpenLIT reports gen_ai.usage.cost = 0 offline, which is no cost.
    "openlit": Producer("openlit", "drive_openlit.py", "openai", "openlit-service", "openai"),
}


def steps(producer: Producer, scenario: str) -> list[str]:
    """The LLM calls the agent makes: the tool request, then (unless the run ends first) the final answer."""
    if scenario == "llm_error" or (scenario == "tool_error" and producer.tool_error_ends_run):
        return ["tool"]
    return ["tool", "final"]


def call_tokens(producer: Producer, step: str) -> dict[str, int]:
    """One call's exclusive token buckets, from what the fake server reported (README: "Tokens")."""
    if producer.api == "anthropic":
        tokens, cache_read, cache_write, output = fake_llm.ANTHROPIC_USAGE[step]
        return {"input": tokens, "output": output, "cache_read": cache_read, "cache_write": cache_write,
                "reasoning": 0}
    prompt, cached, completion = fake_llm.OPENAI_USAGE[step]
    if not producer.cached:
        cached = 0  # not sent, so not known: the whole prompt is input
    return {"input": prompt - cached, "output": completion, "cache_read": cached, "cache_write": 0, "reasoning": 0}


def total(buckets: list[dict[str, int]]) -> dict[str, int]:
    return {key: sum(b[key] for b in buckets) for key in ("input", "output", "cache_read", "cache_write", "reasoning")}


def drive(collector: Collector, producer: Producer, transport: str, scenario: str, tag: str
          ) -> tuple[dict, list[int]]:
    """Run the producer's driver once against a fresh fake LLM; its report and the statuses the fake answered."""
    env = producer_envs.environment(producer.env)
    answer = fake_llm.openai_agent(OPENAI_MODEL) if producer.api == "openai" else fake_llm.anthropic_agent(
        ANTHROPIC_MODEL)
    if scenario == "llm_error":
        answer = fake_llm.failing(answer)
    endpoint = collector.grpc_target if transport == "grpc" else collector.url
    with fake_llm.FakeLLM(answer) as llm:
        done = env.run(producer.driver, *producer.args, endpoint, transport, llm.url, scenario,
                       env={"PRODUCER_TAG": tag})
        statuses = list(llm.statuses)
    assert done.returncode == 0, f"driver failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1]), statuses


# Every producer over both transports; a failing tool for each (over HTTP); a failing LLM for the agent frameworks and
# one plain client instrumentation (each driver run costs seconds, so not every combination).
LLM_ERROR = ("pydantic_ai_openai", "pydantic_ai_anthropic", "openinference_openai", "traceloop")
CASES = ([(name, transport, "ok") for name in PRODUCERS for transport in ("grpc", "http")]
         + [(name, "http", "tool_error") for name in PRODUCERS]
         + [(name, "http", "llm_error") for name in LLM_ERROR])


DRIVERS_AT_ONCE = 3  # the drivers' start (imports) is CPU-bound: more than the cores only adds waiting


def tag(case: tuple[str, str, str]) -> str:
    return str(CASES.index(case))


@pytest.fixture(scope="module")
def shared_collector(tmp_path_factory):
    path = tmp_path_factory.mktemp("instrumentations")
    collector = Collector(path / "collector.duckdb", path / "collector.log").start()
    yield collector
    collector.stop()


@pytest.fixture(scope="module")
def driven(shared_collector) -> dict[tuple[str, str, str], Future]:
    """Every case's driver, run concurrently; each test waits for its own (and fails with its own driver's error)."""
    with ThreadPoolExecutor(DRIVERS_AT_ONCE) as pool:
        futures = {case: pool.submit(drive, shared_collector, PRODUCERS[case[0]], *case[1:], tag(case))
                   for case in CASES}
        yield futures


@pytest.mark.parametrize(("name", "transport", "scenario"), CASES, ids=["-".join(case) for case in CASES])
def test_instrumented_agent_becomes_one_run(shared_collector, driven, name, transport, scenario):
    producer = PRODUCERS[name]
    collector, case = shared_collector, (name, transport, scenario)
    report, statuses = driven[case].result()
    agent_id = f"{producer.agent_id}-{tag(case)}"
    expected_steps = steps(producer, scenario)
    # The fake answered exactly the calls the scenario makes (the driver's report says how the agent ended).
    assert len(statuses) == len(expected_steps), statuses
    assert (report["error"] is not None) == (scenario == "llm_error" or expected_steps == ["tool"]), report
    (trace_id,) = report["trace_ids"]

    http = collector.client()
    runs = http.get("/v1/runs", params={"trace_id": trace_id}).json()
    assert runs["total"] == 1, runs
    (listed,) = runs["data"]
    run = http.get(f"/v1/runs/{listed['run_id']}").json()
    events = http.get(f"/v1/runs/{listed['run_id']}/events").json()

    failed = scenario == "llm_error" or (scenario == "tool_error" and producer.tool_error_ends_run)
    succeeded_calls = [s for s in expected_steps if scenario != "llm_error"]
    calls = [call_tokens(producer, step) for step in succeeded_calls]
    expected_tokens = total(calls) if calls else total([call_tokens(producer, "tool")]) | {
        "input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
    observed = {
        "agent_id": run["agent_id"], "status": run["status"], "model": run["model"], "tokens": run["tokens"],
        "llm_calls": sum(e["type"] == "llm_call" for e in events),
    }
    expected = {
        "agent_id": agent_id, "status": "failed" if failed else "completed",
        "model": producer.model if calls else run["model"], "tokens": expected_tokens,
        "llm_calls": len(statuses),  # one llm_call per request the LLM server answered, never two
    }
    assert observed == expected

    if calls:
        if producer.reports_cost and report["reported_costs"]:
            # pydantic-ai prices each call itself (operation.cost); anthropic 2.x's own spans carry none.
            assert (run["cost_source"], run["cost_usd"]) == ("reported", pytest.approx(sum(report["reported_costs"])))
        else:
            costs = [pricing.cost(None, tokens, producer.model, producer.provider)[0] for tokens in calls]
            assert all(cost and cost > 0 for cost in costs), costs
            assert (run["cost_source"], run["cost_usd"]) == ("estimated", pytest.approx(sum(costs)))

    if calls:
        # What was asked and answered: the question in the first call's prompt, the tool call in its completion.
        first = next(e for e in events if e["type"] == "llm_call")["content"] or {}
        asked = [m["content"] for m in first.get("input", []) if m["role"] == "user"]
        answered = [c["name"] for m in first.get("output", []) for c in m.get("tool_calls", [])]
        assert (asked, answered) == ([QUESTION], [TOOL]), first

    tools = http.get("/v1/tools", params={"agent_id": agent_id}).json()
    if scenario == "llm_error":
        assert [t for t in tools if t["tool_name"] == TOOL] == []
    else:
        tool_ok = scenario != "tool_error"
        assert [(t["tool_name"], t["call_count"], t["success_count"], t["failure_count"]) for t in tools] == [
            (TOOL, 1, int(tool_ok), int(not tool_ok))]
        tool_events = [e for e in events if e["type"] in ("tool_call", "tool_result")]
        assert {e["tool_name"] for e in tool_events} == {TOOL}
        assert [e["tool_success"] for e in tool_events if e["tool_success"] is not None] == [tool_ok]

    assert (run.get("metadata") or {}).get("framework") == producer.framework


def test_frameworks_distribution_counts_every_run(shared_collector, driven):
    for future in driven.values():
        future.exception()  # wait; a failed driver is its own test's failure, and its run is missing here
    ran = [case for case, future in driven.items() if future.exception() is None]
    frameworks = shared_collector.client().get("/api/v1/metrics/usage/frameworks/distribution").json()["data"]
    assert frameworks["frameworks"] == dict(Counter(PRODUCERS[name].framework for name, _, _ in ran))
