#!/usr/bin/env python3
"""Emulator latency and throughput, measured in one run against ``cdk-smsvoice emulator`` in a
child process (its own data dir in a temporary directory, so every change is fsynced as usual).

* Keep-alive latency: one connection, ``--requests`` calls each of DescribeConfigurationSets and
  CreateConfigurationSet (a new name each time): p50, p99 and max in milliseconds. The account
  holds :data:`BASE_SETS` sets; each timed create is followed by an untimed delete, so every
  create saves a state of the same size (a save writes the whole state and fsyncs it twice).
* Throughput: 1, 8 and 32 clients, each on its own keep-alive connection, for ``--seconds``
  each, calling DescribeConfigurationSets, then CreateConfigurationSet followed by its
  DeleteConfigurationSet (a pair counts as one request): requests a second.

Requests are raw JSON 1.0 over ``http.client`` (``TCP_NODELAY`` set, as urllib3 sets it), so the
figures are the emulator's, not botocore's signing and parsing. The goal is a p50 under 10 ms.
Run it with ``make bench-emulator``; ``--json PATH`` also writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

GOAL_P50_MS = 10.0
BASE_SETS = 20
CLIENTS = (1, 8, 32)
_names = itertools.count()
_names_lock = threading.Lock()


class Connection:
    """One keep-alive connection to the emulator's v2 API."""

    def __init__(self, port: int) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.http.connect()
        self.http.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, operation: str, params: dict[str, Any]) -> None:
        body = json.dumps(params).encode()
        headers = {
            "X-Amz-Target": f"PinpointSMSVoiceV2.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
        }
        self.http.request("POST", "/", body=body, headers=headers)
        response = self.http.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{operation}: {response.status} {payload[:200]!r}")

    def close(self) -> None:
        self.http.close()


def _params(operation: str) -> dict[str, Any]:
    if operation == "CreateConfigurationSet":
        with _names_lock:
            return {"ConfigurationSetName": f"bench-{next(_names):07d}"}
    return {"MaxResults": 5}


def _undo(connection: Connection, operation: str, params: dict[str, Any]) -> None:
    if operation == "CreateConfigurationSet":
        connection.call("DeleteConfigurationSet", params)


def latency(port: int, operation: str, requests: int) -> dict[str, float]:
    """Milliseconds per call on one keep-alive connection."""
    connection = Connection(port)
    try:
        for _ in range(20):  # warm up
            connection.call("DescribeConfigurationSets", {"MaxResults": 5})
        samples = []
        for _ in range(requests):
            params = _params(operation)
            start = time.perf_counter()
            connection.call(operation, params)
            samples.append((time.perf_counter() - start) * 1000)
            _undo(connection, operation, params)
    finally:
        connection.close()
    cuts = statistics.quantiles(samples, n=100)
    return {"p50": cuts[49], "p99": cuts[98], "max": max(samples), "requests": requests}


def throughput(port: int, operation: str, clients: int, seconds: float) -> float:
    """Requests a second answered to ``clients`` concurrent keep-alive clients."""
    done = [0] * clients
    start_line = threading.Barrier(clients + 1)
    stop = threading.Event()
    failures: list[BaseException] = []

    def client(index: int) -> None:
        connection = Connection(port)
        try:
            start_line.wait()
            while not stop.is_set():
                params = _params(operation)
                connection.call(operation, params)
                _undo(connection, operation, params)
                done[index] += 1
        except BaseException as error:
            failures.append(error)
            stop.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"a client failed: {failures[0]}")
    return sum(done) / (time.perf_counter() - began)


def durable_write_floor(directory: Path, writes: int = 100) -> float:
    """p50 milliseconds of the disk work one save needs (temporary file, fsync, rename, fsync
    of the directory) for a small file in ``directory``: what a create costs at the least.
    """
    from cdk_smsvoice.durable_files import write_json_atomically

    samples = []
    for i in range(writes):
        start = time.perf_counter()
        write_json_atomically(directory / "floor.json", {"i": i})
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def start_emulator(data_dir: Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cdk_smsvoice.emulator", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"the emulator did not start: {url!r}")
    return process, int(url.rsplit(":", 1)[1])


def run(requests: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="emulator-bench-") as tmp:
        floor = durable_write_floor(Path(tmp))
        process, port = start_emulator(Path(tmp) / "data")
        try:
            setup = Connection(port)
            for _ in range(BASE_SETS):
                setup.call("CreateConfigurationSet", _params("CreateConfigurationSet"))
            setup.close()
            result: dict[str, Any] = {"latency_ms": {}, "throughput_rps": {}}
            for operation in ("DescribeConfigurationSets", "CreateConfigurationSet"):
                result["latency_ms"][operation] = latency(port, operation, requests)
            for operation in ("DescribeConfigurationSets", "CreateConfigurationSet"):
                result["throughput_rps"][operation] = {
                    str(n): throughput(port, operation, n, seconds) for n in CLIENTS
                }
        finally:
            process.terminate()
            process.wait(timeout=30)
    result["durable_write_floor_ms"] = floor
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg()[0],
    }
    return result


def report(result: dict[str, Any]) -> None:
    print("Emulator keep-alive latency (ms, one connection)")
    print(f"  {'operation':<28}{'p50':>8}{'p99':>8}{'max':>8}   goal p50 < {GOAL_P50_MS:g} ms")
    for operation, ms in result["latency_ms"].items():
        verdict = "met" if ms["p50"] < GOAL_P50_MS else "MISSED"
        print(f"  {operation:<28}{ms['p50']:>8.2f}{ms['p99']:>8.2f}{ms['max']:>8.2f}   {verdict}")
    floor = result["durable_write_floor_ms"]
    print(f"  (one durable save on this disk alone, p50: {floor:.2f} ms; each create makes one)")
    print("\nThroughput (requests/s) by concurrent keep-alive clients")
    header = "".join(f"{f'{n} client' + ('s' if n > 1 else ''):>12}" for n in CLIENTS)
    print(f"  {'operation':<28}{header}{'32 vs 1':>10}")
    for operation, by_clients in result["throughput_rps"].items():
        cells = "".join(f"{by_clients[str(n)]:>12.0f}" for n in CLIENTS)
        scale = by_clients[str(CLIENTS[-1])] / by_clients[str(CLIENTS[0])]
        print(f"  {operation:<28}{cells}{scale:>9.2f}x")
    machine = result["machine"]
    print(
        f"\n(Python {machine['python']}, {machine['cpus']} CPUs, load {machine['load']:.1f}; "
        f"{BASE_SETS} sets in the account; "
        "every create and delete is saved and fsynced before it is answered)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="latency samples (default 500)")
    parser.add_argument("--seconds", type=float, default=2.0, help="per throughput run (default 2)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    result = run(args.requests, args.seconds)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
