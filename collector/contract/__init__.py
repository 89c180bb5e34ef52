# Generated from proto/ by grpcio-tools 1.85.1; do not edit, regenerate with: python proto/generate.py
"""The project's protobuf contract (run and event records, RunService), generated from proto/."""
