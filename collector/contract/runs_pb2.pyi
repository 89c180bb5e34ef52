# Generated from proto/ by grpcio-tools 1.85.1; do not edit, regenerate with: python proto/generate.py
import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STATUS_UNSPECIFIED: _ClassVar[RunStatus]
    RUN_STATUS_RUNNING: _ClassVar[RunStatus]
    RUN_STATUS_COMPLETED: _ClassVar[RunStatus]
    RUN_STATUS_FAILED: _ClassVar[RunStatus]
    RUN_STATUS_TIMEOUT: _ClassVar[RunStatus]

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_RUN_START: _ClassVar[EventType]
    EVENT_TYPE_ASSISTANT_MESSAGE: _ClassVar[EventType]
    EVENT_TYPE_THINKING: _ClassVar[EventType]
    EVENT_TYPE_TOOL_CALL: _ClassVar[EventType]
    EVENT_TYPE_TOOL_RESULT: _ClassVar[EventType]
    EVENT_TYPE_ERROR: _ClassVar[EventType]
    EVENT_TYPE_API_ERROR: _ClassVar[EventType]
    EVENT_TYPE_RUN_END: _ClassVar[EventType]
    EVENT_TYPE_STREAM_EVENT: _ClassVar[EventType]
    EVENT_TYPE_SYSTEM_MESSAGE: _ClassVar[EventType]
    EVENT_TYPE_USER_MESSAGE: _ClassVar[EventType]
RUN_STATUS_UNSPECIFIED: RunStatus
RUN_STATUS_RUNNING: RunStatus
RUN_STATUS_COMPLETED: RunStatus
RUN_STATUS_FAILED: RunStatus
RUN_STATUS_TIMEOUT: RunStatus
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_RUN_START: EventType
EVENT_TYPE_ASSISTANT_MESSAGE: EventType
EVENT_TYPE_THINKING: EventType
EVENT_TYPE_TOOL_CALL: EventType
EVENT_TYPE_TOOL_RESULT: EventType
EVENT_TYPE_ERROR: EventType
EVENT_TYPE_API_ERROR: EventType
EVENT_TYPE_RUN_END: EventType
EVENT_TYPE_STREAM_EVENT: EventType
EVENT_TYPE_SYSTEM_MESSAGE: EventType
EVENT_TYPE_USER_MESSAGE: EventType

class TokenUsage(_message.Message):
    __slots__ = ("input", "output", "cache_read", "cache_write")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CACHE_READ_FIELD_NUMBER: _ClassVar[int]
    CACHE_WRITE_FIELD_NUMBER: _ClassVar[int]
    input: int
    output: int
    cache_read: int
    cache_write: int
    def __init__(self, input: _Optional[int] = ..., output: _Optional[int] = ..., cache_read: _Optional[int] = ..., cache_write: _Optional[int] = ...) -> None: ...

class ErrorInfo(_message.Message):
    __slots__ = ("type", "message", "stack")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STACK_FIELD_NUMBER: _ClassVar[int]
    type: str
    message: str
    stack: str
    def __init__(self, type: _Optional[str] = ..., message: _Optional[str] = ..., stack: _Optional[str] = ...) -> None: ...

class ToolCallSummary(_message.Message):
    __slots__ = ("tool", "count", "total_duration_ms", "success_count", "failure_count")
    TOOL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_COUNT_FIELD_NUMBER: _ClassVar[int]
    tool: str
    count: int
    total_duration_ms: int
    success_count: int
    failure_count: int
    def __init__(self, tool: _Optional[str] = ..., count: _Optional[int] = ..., total_duration_ms: _Optional[int] = ..., success_count: _Optional[int] = ..., failure_count: _Optional[int] = ...) -> None: ...

class RunEvent(_message.Message):
    __slots__ = ("event_id", "type", "timestamp", "sequence_number", "tool_name", "tool_id", "tool_input", "tool_output", "tool_duration_ms", "tool_success", "content", "thinking", "tokens", "error")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TOOL_NAME_FIELD_NUMBER: _ClassVar[int]
    TOOL_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_INPUT_FIELD_NUMBER: _ClassVar[int]
    TOOL_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    TOOL_DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    TOOL_SUCCESS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    THINKING_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: EventType
    timestamp: _timestamp_pb2.Timestamp
    sequence_number: int
    tool_name: str
    tool_id: str
    tool_input: _struct_pb2.Struct
    tool_output: str
    tool_duration_ms: int
    tool_success: bool
    content: str
    thinking: str
    tokens: TokenUsage
    error: ErrorInfo
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[_Union[EventType, str]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sequence_number: _Optional[int] = ..., tool_name: _Optional[str] = ..., tool_id: _Optional[str] = ..., tool_input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tool_output: _Optional[str] = ..., tool_duration_ms: _Optional[int] = ..., tool_success: _Optional[bool] = ..., content: _Optional[str] = ..., thinking: _Optional[str] = ..., tokens: _Optional[_Union[TokenUsage, _Mapping]] = ..., error: _Optional[_Union[ErrorInfo, _Mapping]] = ...) -> None: ...

class Run(_message.Message):
    __slots__ = ("run_id", "agent_id", "session_id", "sdk_session_id", "started_at", "finished_at", "duration_ms", "api_duration_ms", "first_token_ms", "num_turns", "status", "tokens", "cost_usd", "cost_source", "sdk_cost_usd", "estimated_cost_usd", "model", "trace_id", "span_id", "parent_span_id", "error", "tool_calls", "events", "metadata", "prompt")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SDK_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    API_DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    FIRST_TOKEN_MS_FIELD_NUMBER: _ClassVar[int]
    NUM_TURNS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    COST_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SDK_COST_USD_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_COST_USD_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SPAN_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_SPAN_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    agent_id: str
    session_id: str
    sdk_session_id: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    duration_ms: int
    api_duration_ms: int
    first_token_ms: int
    num_turns: int
    status: RunStatus
    tokens: TokenUsage
    cost_usd: float
    cost_source: str
    sdk_cost_usd: float
    estimated_cost_usd: float
    model: str
    trace_id: str
    span_id: str
    parent_span_id: str
    error: ErrorInfo
    tool_calls: _containers.RepeatedCompositeFieldContainer[ToolCallSummary]
    events: _containers.RepeatedCompositeFieldContainer[RunEvent]
    metadata: _struct_pb2.Struct
    prompt: str
    def __init__(self, run_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., session_id: _Optional[str] = ..., sdk_session_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_ms: _Optional[int] = ..., api_duration_ms: _Optional[int] = ..., first_token_ms: _Optional[int] = ..., num_turns: _Optional[int] = ..., status: _Optional[_Union[RunStatus, str]] = ..., tokens: _Optional[_Union[TokenUsage, _Mapping]] = ..., cost_usd: _Optional[float] = ..., cost_source: _Optional[str] = ..., sdk_cost_usd: _Optional[float] = ..., estimated_cost_usd: _Optional[float] = ..., model: _Optional[str] = ..., trace_id: _Optional[str] = ..., span_id: _Optional[str] = ..., parent_span_id: _Optional[str] = ..., error: _Optional[_Union[ErrorInfo, _Mapping]] = ..., tool_calls: _Optional[_Iterable[_Union[ToolCallSummary, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[RunEvent, _Mapping]]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., prompt: _Optional[str] = ...) -> None: ...

class ExportRunsRequest(_message.Message):
    __slots__ = ("runs",)
    RUNS_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[Run]
    def __init__(self, runs: _Optional[_Iterable[_Union[Run, _Mapping]]] = ...) -> None: ...

class ExportRunsResponse(_message.Message):
    __slots__ = ("accepted_runs",)
    ACCEPTED_RUNS_FIELD_NUMBER: _ClassVar[int]
    accepted_runs: int
    def __init__(self, accepted_runs: _Optional[int] = ...) -> None: ...

class RunEventEntry(_message.Message):
    __slots__ = ("run_id", "event")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    event: RunEvent
    def __init__(self, run_id: _Optional[str] = ..., event: _Optional[_Union[RunEvent, _Mapping]] = ...) -> None: ...

class ExportEventsRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[RunEventEntry]
    def __init__(self, events: _Optional[_Iterable[_Union[RunEventEntry, _Mapping]]] = ...) -> None: ...

class ExportEventsResponse(_message.Message):
    __slots__ = ("accepted_events",)
    ACCEPTED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    accepted_events: int
    def __init__(self, accepted_events: _Optional[int] = ...) -> None: ...
