"""Part (b): the malformed-input corpus, table-driven, over every HTTP route and every gRPC method.

Each case (tests/reliability/cases_*.py) fails on a server error (a 5xx other than back-pressure, gRPC UNKNOWN or
INTERNAL), an answer slower than 2 s, an answer its expectation does not allow, or the server dying. After every
accepted case the read routes that sum and list what is stored are read again, so that the case that first breaks
one is named; at the end every read route must answer 200, and every accepted case's rows must be in the file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import quote

from tests.reliability import coverage, servers, stored
from tests.reliability.cases import Case
from tests.reliability.cases_auth import KEY, auth_cases
from tests.reliability.cases_fields import field_cases
from tests.reliability.cases_generic import generic_cases
from tests.reliability.cases_otlp import otlp_cases
from tests.reliability.cases_query import READ_ROUTES, WATCHED, query_cases
from tests.reliability.cases_runservice import runservice_cases
from tests.reliability.outcome import accepted, outcome
from tests.reliability.report import Part
from tests.reliability.wire import SLOW_SECONDS, Answer, Target

# Short mode (CI) sends every fourth case: each group of the corpus keeps a quarter of its cases.
SHORT_STRIDE = 4
READ_RUNS = 3


def all_cases(seed: int) -> list[Case]:
    """Ingest first, so that the query cases run over everything the ingest cases stored."""
    cases = (generic_cases() + field_cases() + otlp_cases(seed) + runservice_cases(seed) + query_cases()
             + auth_cases())
    repeated = [name for name, count in Counter(case.name for case in cases).items() if count > 1]
    if repeated:
        raise ValueError(f"corpus case names must be unique: {repeated[:5]}")
    return cases


class _Server:
    """One collector of the corpus, restarted on its file if a case kills it."""

    def __init__(self, workdir: Path, name: str, *args: str):
        self.db, self.workdir, self.name, self.args = workdir / f"{name}.duckdb", workdir, name, args
        self.starts = 0
        self.auth = {"Authorization": f"Bearer {KEY}"} if args else None
        self.acked: list[Case] = []
        self._start()

    def _start(self) -> None:
        self.collector = servers.start(self.db, self.workdir / f"{self.name}-{self.starts}.log", *self.args)
        self.starts += 1
        servers.warm(self.collector, self.auth)
        self.target = Target.of(self.collector, keepalive=False)

    def restart_if_dead(self) -> bool:
        """True if the server had died (and was started again)."""
        if servers.alive(self.collector):
            return False
        self.target.close()
        self.collector.stop()
        self._start()
        return True

    def stop(self) -> None:
        self.target.close()
        self.collector.stop()


def _judge(case: Case, answer: Answer) -> list[str]:
    reasons = []
    if answer.server_error:
        reasons.append("server error")
    if answer.slow:
        reasons.append(f"slower than {SLOW_SECONDS:.0f} s")
    if not case.expect.allows(outcome(case, answer)):
        reasons.append(f"expected {case.expect.text}")
    return reasons


class _Watch:
    """The read routes after each accepted case; a route is reported once, with the case that first broke it."""

    def __init__(self, part: Part):
        self.part = part
        self.broken: set[str] = set()

    def after(self, case: Case, server: _Server) -> None:
        routes = [route for route in WATCHED if route not in self.broken]
        # An accepted run must be readable by its id, a few per case; an empty id or one with a slash names
        # another route (an empty run id is reported as its own case).
        runs = [value for table, _, value in case.lookups if table == "runs" and value and "/" not in value]
        routes += [f"/v1/runs/{quote(value, safe='')}" for value in runs[:READ_RUNS]]
        for route in routes:
            answer = server.target.send(Case(f"read {route}", "http", f"GET {route}"))
            self.part.saw(f"GET {route[:80]}", answer)
            if answer.status != 200 or answer.slow:
                self.broken.add(route)
                self.part.fail(case.name, f"GET {route[:200]}", f"accepted ({case.route}), and then GET {route[:80]} "
                               f"answered {answer.status} in {answer.seconds:.2f} s", answer)


def run(workdir: Path, *, short: bool, seed: int, match: str | None = None) -> Part:
    """`match` keeps only the cases whose name contains it: one failure reproduced on fresh servers."""
    cases = all_cases(seed)
    if short:
        cases = cases[::SHORT_STRIDE]
    if match:
        cases = [case for case in cases if match in case.name]
    part = Part("corpus")
    watch = _Watch(part)
    open_server = _Server(workdir, "corpus")
    keyed_server = _Server(workdir, "corpus-keyed", "--api-key", KEY)
    try:
        for number, case in enumerate(cases, 1):
            server = keyed_server if case.keyed else open_server
            _send(case, server, part, watch)
            if number % 200 == 0:
                print(f"corpus: {number}/{len(cases)} cases, {part.failed} failed", flush=True)
        _read_back(open_server, part)
        if not short and not match:
            _check_coverage(open_server, cases, part)
    finally:
        open_server.stop()
        keyed_server.stop()
    for server in (open_server, keyed_server):
        _check_stored(server, part)
    part.notes.append(f"{len(cases)} cases over {len({case.route.split('?')[0] for case in cases})} routes and "
                      f"methods; {len(open_server.acked) + len(keyed_server.acked)} accepted, their rows looked up")
    return part


def _send(case: Case, server: _Server, part: Part, watch: _Watch) -> None:
    part.cases += 1
    answer = server.target.send(case)
    part.saw(case.route[:80], answer)
    reasons = _judge(case, answer)
    if server.restart_if_dead():
        reasons.append("the server died")
    if reasons:
        part.fail(case.name, case.route[:200], "; ".join(reasons), answer)
    if accepted(case, answer):
        server.acked.append(case)
        if not case.keyed:
            watch.after(case, server)
    if answer.slow or answer.no_answer:
        # Work the case left behind must not be blamed on the next one.
        servers.wait_idle(server.collector, server.auth)


def _read_back(server: _Server, part: Part) -> None:
    for route in READ_ROUTES:
        part.cases += 1
        case = Case(f"after the corpus: GET {route}", "http", f"GET {route}")
        answer = server.target.send(case)
        part.saw(f"GET {route[:80]}", answer)
        if answer.status != 200 or answer.slow:
            part.fail(case.name, case.route, "the read route does not answer 200 within 2 s after the corpus", answer)


def _check_coverage(server: _Server, cases: list[Case], part: Part) -> None:
    part.cases += 1
    openapi = server.target.http.get("/openapi.json").json()
    for route in coverage.uncovered(openapi, cases):
        part.fail("every route and gRPC method has cases", route, "no corpus case sends a request here")


def _check_stored(server: _Server, part: Part) -> None:
    owner = {lookup: case for case in server.acked for lookup in case.lookups}
    lost = stored.missing(server.db, owner)
    for table, column, value in sorted(lost):
        case = owner[table, column, value]
        part.fail(case.name, case.route[:200], f"accepted, but {table}.{column} = {value[:80]!r} is not stored")
    part.lost += len({owner[lookup].name for lookup in lost})
