"""Generates the collector.contract package from runs.proto with grpcio-tools: python proto/generate.py [OUT_DIR]."""

from __future__ import annotations

import sys
import tempfile
from importlib import metadata, resources
from pathlib import Path

from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parent
SOURCE = "agent_collector/v1/runs.proto"
PACKAGE_DIR = PROTO_ROOT.parent / "collector" / "contract"
HEADER = (f"# Generated from proto/ by grpcio-tools {metadata.version('grpcio-tools')}; do not edit, "
          "regenerate with: python proto/generate.py\n")
PACKAGE_DOC = '"""The project\'s protobuf contract (run and event records, RunService), generated from proto/."""\n'

# protoc names Python modules after the proto's path (agent_collector.v1); the code lives in collector.contract.
# Each rewrite must match exactly once, so a change in protoc's output stops this script instead of slipping by.
REWRITES = {
    "runs_pb2.py": [("'agent_collector.v1.runs_pb2'", "'collector.contract.runs_pb2'")],
    "runs_pb2.pyi": [],
    "runs_pb2_grpc.py": [("from agent_collector.v1 import runs_pb2", "from collector.contract import runs_pb2")],
}


def generate(out_dir: Path) -> None:
    """Write __init__.py and the generated modules into out_dir; the same inputs always give the same bytes."""
    well_known_protos = resources.files("grpc_tools") / "_proto"
    with tempfile.TemporaryDirectory() as raw:
        status = protoc.main(["protoc", f"-I{PROTO_ROOT}", f"-I{well_known_protos}", f"--python_out={raw}",
                              f"--pyi_out={raw}", f"--grpc_python_out={raw}", str(PROTO_ROOT / SOURCE)])
        if status != 0:
            sys.exit(f"protoc failed with status {status}")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "__init__.py").write_text(HEADER + PACKAGE_DOC, newline="\n")
        for name, rewrites in REWRITES.items():
            text = (Path(raw) / Path(SOURCE).parent / name).read_text()
            for old, new in rewrites:
                if text.count(old) != 1:
                    sys.exit(f"expected {old!r} once in protoc's {name}; update REWRITES in proto/generate.py")
                text = text.replace(old, new)
            (out_dir / name).write_text(HEADER + text, newline="\n")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE_DIR)
