"""The gRPC answer to a full writer queue: UNAVAILABLE with a RetryInfo detail, so clients retry instead of dropping."""

from __future__ import annotations

import grpc
from google.protobuf.any_pb2 import Any as AnyDetail
from google.protobuf.duration_pb2 import Duration
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from collector.writer import RETRY_AFTER_SECONDS


def unavailable(reason: Exception) -> grpc.Status:
    retry_info = AnyDetail()
    retry_info.Pack(error_details_pb2.RetryInfo(retry_delay=Duration(seconds=RETRY_AFTER_SECONDS)))
    return rpc_status.to_status(status_pb2.Status(code=code_pb2.UNAVAILABLE, message=f"{reason}; retry later",
                                                  details=[retry_info]))
