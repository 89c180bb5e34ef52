"""Every query route with hostile parameters: pages past 64 bits, windows at and past the calendar's ends,
unknown ids with odd characters, wrong methods, and abused headers."""

from __future__ import annotations

from urllib.parse import quote

from tests.reliability.cases import Case, Expect, exactly, http

AGENT = "reliability-agent"
WIDE = "start_time=0001-01-02T00:00:00Z&end_time=9999-12-30T00:00:00Z"
METRICS = ("response_time/average", "response_time/percentiles", "response_time/trend", "token_usage/total",
           "token_usage/average", "token_usage/by_model", "security/alerts/count", "security/risk_level",
           "security/alerts/by_category", "security/alerts/trend", "usage/requests/by_agent",
           "usage/frameworks/distribution", "usage/events/distribution", "usage/sessions/count")
METRIC_PATHS = tuple(f"/api/v1/metrics/{metric}" for metric in METRICS)

# Every GET route with parameters that must answer 200: read back after the corpus, and refused without a key.
READ_ROUTES = (
    "/health", "/v1/capabilities", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect",
    "/v1/runs", "/v1/runs?limit=1000", f"/v1/runs?agent_id={AGENT}&status=completed", "/v1/agents", "/v1/stats",
    "/v1/stats?since=0001-01-01T00:00:00Z", "/v1/tools", "/v1/tools?since=0001-01-01T00:00:00Z",
    "/v1/security/findings", "/v1/security/findings?limit=1000", "/api/v1/agents", "/api/v1/agents/?limit=1000",
    f"/api/v1/agents/{AGENT}", f"/api/v1/events/{AGENT}/events?limit=1000", "/api/v1/alerts",
    "/api/v1/alerts/?limit=100", "/api/v1/metrics/test",
    *METRIC_PATHS, *(f"{path}?{WIDE}" for path in METRIC_PATHS),
    f"/api/v1/metrics/response_time/trend?{WIDE}&interval=minute",
    f"/api/v1/metrics/security/alerts/trend?{WIDE}&interval=minute",
)
# Read after every accepted case, to name the case that first breaks them: the routes that sum and average
# tokens, costs and durations over everything stored.
WATCHED = ("/v1/stats", "/v1/agents", f"/api/v1/metrics/token_usage/by_model?{WIDE}",
           f"/api/v1/metrics/response_time/average?{WIDE}", "/api/v1/agents/?limit=1000")

OK_OR_422 = exactly(200, 422)
ANSWERED = Expect("200 or any 4xx", lambda status: status == 200 or (isinstance(status, int) and 400 <= status < 500))

# (route, largest limit)
PAGED = (("/v1/runs", 1000), ("/v1/security/findings", 1000), ("/api/v1/agents/", 1000),
         (f"/api/v1/events/{AGENT}/events", 1000), ("/api/v1/alerts/", 100))


def _page_params(most: int) -> dict[str, tuple[str, Expect]]:
    return {
        "offset 2**63": (f"offset={2**63}", exactly(422)),
        "offset 2**70": (f"offset={2**70}", exactly(422)),
        "offset 2**63-1": (f"offset={2**63 - 1}", OK_OR_422),
        "offset -1": ("offset=-1", exactly(422)),
        "offset 1.5": ("offset=1.5", exactly(422)),
        "offset 1e3": ("offset=1e3", exactly(422)),
        "offset abc": ("offset=abc", exactly(422)),
        "offset empty": ("offset=", OK_OR_422),
        "offset given twice": ("offset=0&offset=5", OK_OR_422),
        "offset NUL": ("offset=%00", exactly(422)),
        "limit -1": ("limit=-1", exactly(422)),
        "limit 0": ("limit=0", exactly(422)),
        "limit one past its maximum": (f"limit={most + 1}", exactly(422)),
        "limit 2**63": (f"limit={2**63}", exactly(422)),
        "limit NaN": ("limit=NaN", exactly(422)),
        "limit at its maximum, offset 2**63-1": (f"limit={most}&offset={2**63 - 1}", OK_OR_422),
    }


def _window_params(reversed_window: Expect) -> dict[str, tuple[str, Expect]]:
    return {
        "start_time garbage": ("start_time=yesterday", exactly(422)),
        "start_time equal to end_time": ("start_time=2026-01-01T00:00:00Z&end_time=2026-01-01T00:00:00Z",
                                         reversed_window),
        "start_time after end_time": ("start_time=2026-02-01T00:00:00Z&end_time=2026-01-01T00:00:00Z",
                                      reversed_window),
        "the whole calendar": ("start_time=0001-01-01T00:00:00Z&end_time=9999-12-31T23:59:59.999999Z", exactly(200)),
        "end_time year 1, no start_time": ("end_time=0001-01-01T00:00:00Z", ANSWERED),
        "start_time before year 1 in UTC": ("start_time=0001-01-01T00:00:00%2B01:00", exactly(422)),
        "end_time past 9999 in UTC": ("end_time=9999-12-31T23:59:59-01:00", exactly(422)),
        "an offset of +99:00": ("start_time=2026-01-01T00:00:00%2B99:00", exactly(422)),
        "start_time in epoch seconds": ("start_time=1700000000", OK_OR_422),
        "start_time NaN": ("start_time=NaN", exactly(422)),
        "start_time of 10,000 digits": ("start_time=" + "9" * 10_000, exactly(422)),
        "start_time with nanoseconds": ("start_time=2026-01-01T00:00:00.123456789Z", OK_OR_422),
        "agent_id of 10 KB": ("agent_id=" + "a" * 10_000, exactly(200)),
        "agent_id NUL": ("agent_id=%00", exactly(200)),
        "session_id an RTL override": ("session_id=%E2%80%AE", exactly(200)),
    }


WINDOWED = (*((path, exactly(400)) for path in METRIC_PATHS), ("/api/v1/agents/", exactly(422)),
            (f"/api/v1/events/{AGENT}/events", exactly(422)), ("/api/v1/alerts/", exactly(422)),
            ("/v1/security/findings", exactly(422)))

# Route-specific parameters: (route, what, query, expectation).
SPECIFIC = [
    *((f"/api/v1/metrics/response_time/percentiles?{WIDE}", what, query, expect) for what, query, expect in (
        ("percentile 101", "percentiles=101", exactly(422)), ("percentile -1", "percentiles=-1", exactly(422)),
        ("percentile 50.5", "percentiles=50.5", exactly(422)), ("percentile p50", "percentiles=p50", exactly(422)),
        ("percentile 50, 1,000 times", "&".join(["percentiles=50"] * 1000), exactly(200)))),
    *((f"/api/v1/metrics/{metric}?{WIDE}", what, query, expect)
      for metric in ("response_time/trend", "security/alerts/trend") for what, query, expect in (
          ("interval week", "interval=week", exactly(422)), ("interval empty", "interval=", exactly(422)),
          ("interval minute", "interval=minute", exactly(200)))),
    *((f"/api/v1/metrics/{metric}?{WIDE}", what, query, expect)
      for metric in ("token_usage/by_model", "usage/requests/by_agent", "usage/frameworks/distribution",
                     "usage/events/distribution") for what, query, expect in (
          ("top_n 0", "top_n=0", exactly(422)), ("top_n -1", "top_n=-1", exactly(422)),
          ("top_n 2**63", f"top_n={2**63}", exactly(422)), ("top_n 1001", "top_n=1001", exactly(422)),
          ("top_n 1000", "top_n=1000", exactly(200)))),
    (f"/api/v1/metrics/token_usage/by_model?{WIDE}", "model_name of 10 KB", "model_name=" + "m" * 10_000,
     exactly(200)),
    ("/api/v1/agents/", "sort_by bogus", "sort_by=bogus", exactly(422)),
    ("/api/v1/agents/", "sort_order sideways", "sort_order=sideways", exactly(422)),
    *(("/api/v1/agents/", f"sort_by {key}", f"sort_by={key}&sort_order=asc", exactly(200))
      for key in ("last_seen", "first_seen", "agent_id", "event_count")),
    (f"/api/v1/events/{AGENT}/events", "channel bogus", "channel=bogus", exactly(200)),
    (f"/api/v1/events/{AGENT}/events", "event_type of 10 KB", "event_type=" + "e" * 10_000, exactly(200)),
    (f"/api/v1/events/{AGENT}/events", "sort_order sideways", "sort_order=sideways", exactly(422)),
    ("/api/v1/alerts/", "severity bogus", "severity=bogus", exactly(422)),
    ("/api/v1/alerts/", "status bogus", "status=bogus", exactly(422)),
    ("/v1/security/findings", "severity bogus", "severity=bogus", exactly(422)),
    ("/v1/security/findings", "detector bogus", "detector=bogus", exactly(422)),
    ("/v1/security/findings", "category of 10 KB", "category=" + "c" * 10_000, exactly(200)),
    ("/v1/security/findings", "run_id NUL", "run_id=%00", exactly(200)),
    ("/v1/runs", "status paused", "status=paused", exactly(422)),
    ("/v1/runs", "agent_id NUL", "agent_id=%00", exactly(200)),
    ("/v1/runs", "trace_id of 10 KB", "trace_id=" + "t" * 10_000, exactly(200)),
    ("/v1/runs", "model an RTL override", "model=%E2%80%AE", exactly(200)),
    *((route, what, query, expect) for route in ("/v1/stats", "/v1/tools") for what, query, expect in (
        ("since garbage", "since=last-week", exactly(422)), ("since year 1", "since=0001-01-01T00:00:00Z",
                                                              exactly(200)),
        ("since past 9999 in UTC", "since=9999-12-31T23:59:59-01:00", exactly(422)),
        ("since of 10,000 digits", "since=" + "9" * 10_000, exactly(422)),
        ("agent_id of 10 KB", "agent_id=" + "a" * 10_000, exactly(200)))),
]

# Unknown ids, as they appear in the path (already percent-encoded); none is an id an ingest case stores.
IDS = {"unknown": "does-not-exist", "NUL": "%00", "invalid UTF-8": "%FF%FE",
       "SQL": quote("' OR '1'='1", safe=""), "path traversal (encoded slashes)": "..%2F..%2Fetc%2Fpasswd",
       "dot-dot (encoded)": "%2E%2E", "an RTL override": quote("\u202eabc", safe=""), "10,000 characters": "x" * 10_000,
       "60,000 characters": "x" * 60_000, "a space": "%20", "a percent sign": "%25", "a LIKE pattern": "%25_%25"}
# (method, path template, answer for an unknown id)
ID_ROUTES = (("GET", "/v1/runs/{}", 404), ("GET", "/v1/runs/{}/events", 200), ("DELETE", "/v1/runs/{}", 404),
             ("GET", "/v1/traces/{}", 404), ("GET", "/api/v1/agents/{}", 404), ("GET", "/api/v1/events/{}/events", 404),
             ("GET", "/api/v1/alerts/{}", 404))

METHODS = [("POST /v1/stats", 405), ("DELETE /v1/runs", 405), ("PATCH /v1/runs/x", 405), ("PUT /v1/agents", 405),
           ("OPTIONS /v1/runs", 405), ("POST /health", 405), ("GET /v1/nothing", 404),
           ("GET /api/v1/metrics/nothing", 404), ("GET /" + "n" * 60_000, 404)]
# Not more headers: httpx itself takes seconds to send 10,000 (the server answers them in 0.1 s).
HEADERS = {"a header of 100 KB": (("X-Reliability", "h" * 100_000),),
           "1,000 headers": tuple((f"X-Reliability-{i}", "h") for i in range(1000)),
           "2,000 headers": tuple((f"X-Reliability-{i}", "h") for i in range(2000)),
           "a header of non-ASCII bytes": (("X-Reliability", b"\xff\xfe\x80"),),
           "a Host of 10 KB": (("Host", "h" * 10_000),),
           "an API key the open server ignores": (("Authorization", "Bearer nobody"), ("X-API-Key", "nobody"))}


def _get(route: str, what: str, query: str, expect: Expect) -> Case:
    return http(f"{route} {what}", f"GET {route}{'&' if '?' in route else '?'}{query}", headers=(), expect=expect)


def query_cases() -> list[Case]:
    cases = [_get(route, what, query, expect)
             for route, most in PAGED for what, (query, expect) in _page_params(most).items()]
    cases += [_get(route, what, query, expect)
              for route, reversed_window in WINDOWED
              for what, (query, expect) in _window_params(reversed_window).items()]
    cases += [_get(route, what, query, expect) for route, what, query, expect in SPECIFIC]
    for name, identifier in IDS.items():
        for method, template, status in ID_ROUTES:
            cases.append(http(f"{method} {template} with an id: {name}", f"{method} {template.format(identifier)}",
                              headers=(), expect=exactly(status)))
    cases += [http(f"{route[:60]}: wrong method or route", route, headers=(), expect=exactly(status))
              for route, status in METHODS]
    # On a route that reads nothing stored, so that only the headers can break it.
    cases += [http(f"GET /v1/capabilities with {what}", "GET /v1/capabilities", headers=headers,
                   expect=exactly(200, 400, 431)) for what, headers in HEADERS.items()]
    return cases
