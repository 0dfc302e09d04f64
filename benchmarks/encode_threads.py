#!/usr/bin/env python
"""Encoder latency by torch thread count, alone and next to one CPU-bound neighbour.

    python benchmarks/encode_threads.py [--threads 2 1] [--out benchmarks/results/encode_threads.json]

Why: on a small shared machine, torch's intra-op threads wait for each other at every op;
when another process holds one of the cores, a small encode (one query, a few dozen answer
sentences: what every ``ask`` does) can become many times slower with 2 threads than with 1.
This measures, in one run: 1 query and 40 sentences, per thread count, without and then with a
busy-loop child process (started here and stopped here, by its pid).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

QUERY = "How many international migrants were there in 2019?"
SENTENCES = [f"Sentence {i} on migration, security and the governance of borders between states, with a few more "
             "words so that it is about as long as a sentence in a paper." for i in range(40)]


def timed(encode, texts: list[str], repeat: int) -> float:
    encode(texts)
    start = time.perf_counter()
    for _ in range(repeat):
        encode(texts)
    return (time.perf_counter() - start) / repeat * 1000


def measure(encoder, threads: list[int]) -> dict[str, dict[str, float]]:
    import torch

    out = {}
    for n in threads:
        torch.set_num_threads(n)
        out[str(n)] = {"query_ms": timed(encoder.encode, [QUERY], 10), "sentences40_ms": timed(encoder.encode, SENTENCES, 3)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "encode_threads.json")
    args = parser.parse_args(argv)

    import torch

    from assistant.embedding import Encoder
    from assistant.settings import EmbedSettings

    default = torch.get_num_threads()
    encoder = Encoder(EmbedSettings())
    encoder.model
    report = {"default_threads": default, "cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()[0]}
    report["alone"] = measure(encoder, args.threads)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        report["with_busy_neighbour"] = measure(encoder, args.threads)
    finally:
        busy.terminate()
        busy.wait()
    report["loadavg_at_end"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"{os.cpu_count()} CPUs, torch default {default} threads, 1-min load {report['loadavg_at_start']:.2f} at start",
             f"{'':22} {'threads':>7} {'1 query ms':>11} {'40 sentences ms':>16}"]
    for case in ("alone", "with_busy_neighbour"):
        for n, v in report[case].items():
            lines.append(f"{case:22} {n:>7} {v['query_ms']:11.1f} {v['sentences40_ms']:16.0f}")
    args.out.with_suffix(".txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {args.out} and {args.out.with_suffix('.txt').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
