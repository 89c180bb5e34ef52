"""The JSON ingest routes as the corpus sees them: a valid document per uid, and the rows an accepted one leaves."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.reliability import ingest, payloads
from tests.reliability.cases import ACCEPTED, JSON, Case, Expect, Headers, Lookup, http
from tests.reliability.payloads import uid_of

Document = Any  # a JSON document: dict or list


@dataclass(frozen=True)
class JsonRoute:
    label: str
    path: str  # "{uid}" is replaced by the case's uid
    valid: Callable[[str], Document]
    stored: Callable[[Document, str], tuple[Lookup, ...]]  # what an accepted (document, uid) leaves in the file
    otlp: bool = False

    def case(self, what: str, change: Callable[[Document], Document] | None = None, expect: Expect | None = None,
             body: Callable[[bytes], bytes] | None = None, headers: Headers = JSON, stores: bool = True) -> Case:
        """`label: what`: the valid document, changed, then its JSON text changed; its rows are looked up if it
        is accepted, unless `stores` is False (a body that no longer holds the document)."""
        name = f"{self.label}: {what}"
        uid = uid_of(name)
        document = self.valid(uid)
        if change is not None:
            document = change(document)
        text = json.dumps(document).encode()
        if body is not None:
            text = body(text)
        return http(name, f"POST {self.path.format(uid=uid)}", text, headers, expect or ACCEPTED,
                    self.stored(document, uid) if stores else ())


def _safe(rows: Callable[[Document, str], tuple[Lookup, ...]]) -> Callable[[Document, str], tuple[Lookup, ...]]:
    """Rows of a document that may have been mangled: none when its ids are not where they belong."""
    def stored(document: Document, uid: str) -> tuple[Lookup, ...]:
        try:
            found = rows(document, uid)
        except (KeyError, IndexError, TypeError, AttributeError):
            return ()
        return tuple(row for row in found if isinstance(row[2], str))
    return stored


def _agent_end_run(event: dict) -> str:
    return event.get("event_id") or event["trace_id"]


def _telemetry_run(event: dict) -> str:
    trace = event.get("trace_id")
    if trace and trace != "null-trace":
        return trace
    return event["attributes"].get("session.id") or event.get("agent_id")


def _legacy_run(event: dict) -> str | None:
    """An event without a session joins whichever run of its agent is open then: no run id to look up."""
    return f"{event['agent_id']}:{event['session_id']}" if event.get("session_id") else None


AGENTD_RUN = JsonRoute("AgentD run", "/v1/runs", payloads.agentd_run,
                       _safe(lambda doc, uid: ingest.run_rows(doc["run_id"])))
AGENTD_EVENT = JsonRoute("AgentD event", "/v1/runs/{uid}/events", payloads.agentd_event,
                         _safe(lambda doc, uid: (("events", "event_id", doc["event_id"]),)))
AGENT_END = JsonRoute("agentmetrics event", "/v1/events", payloads.agent_end,
                      _safe(lambda doc, uid: ingest.run_rows(_agent_end_run(doc))))
AGENT_END_BATCH = JsonRoute("agentmetrics batch", "/v1/events/batch",
                            lambda uid: {"events": [payloads.agent_end(uid)]},
                            _safe(lambda doc, uid: tuple(row for event in doc["events"]
                                                         for row in ingest.run_rows(_agent_end_run(event)))))
TELEMETRY = JsonRoute("Cylestio event", "/v1/telemetry", payloads.telemetry,
                      _safe(lambda doc, uid: (("events", "run_id", _telemetry_run(doc)),)))
TELEMETRY_BATCH = JsonRoute("Cylestio batch", "/v1/telemetry/batch", lambda uid: {"events": [payloads.telemetry(uid)]},
                            _safe(lambda doc, uid: tuple(("events", "run_id", _telemetry_run(event))
                                                         for event in doc["events"])))
LEGACY = JsonRoute("Cylestio 0.1.4 event", "/api/v1/telemetry", payloads.legacy,
                   _safe(lambda doc, uid: (("events", "run_id", _legacy_run(doc)),)))
LEGACY_SLASH = JsonRoute("Cylestio 0.1.4 event (slash)", "/api/v1/telemetry/", payloads.legacy, LEGACY.stored)
LEGACY_BATCH = JsonRoute("Cylestio 0.1.4 batch", "/api/v1/telemetry/batch", lambda uid: [payloads.legacy(uid)],
                         _safe(lambda doc, uid: tuple(("events", "run_id", _legacy_run(event)) for event in doc)))


def _otlp_route(signal: str, path: str, request: Callable[[str], Any], rows: Callable[[str], tuple]) -> JsonRoute:
    return JsonRoute(f"OTLP/HTTP JSON {signal}", path, lambda uid: payloads.otlp_document(request(uid)),
                     lambda doc, uid: rows(uid), otlp=True)


OTLP_JSON = tuple(_otlp_route(signal, path, request, rows) for signal, _, path, request, rows in ingest.SIGNALS)

ROUTES = (AGENTD_RUN, AGENTD_EVENT, AGENT_END, AGENT_END_BATCH, TELEMETRY, TELEMETRY_BATCH, LEGACY, LEGACY_SLASH,
          LEGACY_BATCH, *OTLP_JSON)
