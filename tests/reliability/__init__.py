"""The reliability battery: the real collector under kill -9, hostile input, a full disk and one huge request.

`python -m tests.reliability` runs every part at full size and prints one table; `--short` is the CI-sized run that
tests/test_reliability.py makes, one test per part. Every part starts `python -m collector serve` as a subprocess
(tests/server.Collector) and talks to it over HTTP and gRPC as real clients do.
"""
