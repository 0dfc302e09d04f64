#!/usr/bin/env python
"""Ask latency, memory and disk at 1k / 10k / 100k chunks, on synthetic libraries (benchmarks/synth.py).

    python benchmarks/scale.py --sizes 1000 10000 [100000] [--workdir /tmp/scale] [--questions 60]

For each size: the library is generated once into WORKDIR/lib_N (kept, so a rerun only
measures), then a fresh interpreter opens it and asks: the first ask (which builds the
in-memory state: catalogue load, BM25 index, idf table, page table) is timed apart, then
``--questions`` warm asks (``synth.questions``: word spans of stored chunks) give p50/p95.
Stage times come from wrapping the functions the ask path calls (a function that has moved is
skipped with a note). RSS is the measuring process's peak (ru_maxrss) and its RSS after the
asks; disk is the library folder. Targets (issue 12): warm p95 <= 250 ms at 10k, <= 500 ms at
100k; RSS <= 1.5 GB at 100k.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from common import REPO, code_state, hooked, timed, write_results

DEFAULT_OUT = REPO / "benchmarks" / "results" / "scale.json"
TARGETS_P95_MS = {10_000: 250, 100_000: 500}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_mb(folder: Path) -> dict[str, float]:
    sizes: dict[str, float] = defaultdict(float)
    for path in folder.rglob("*"):
        if path.is_file():
            part = path.relative_to(folder).parts[0]
            sizes["chroma" if part == "chroma" else "catalogue" if part.startswith("library.db") else "other"] += \
                path.stat().st_size / 2**20
    return {k: round(v, 1) for k, v in sizes.items()} | {"total": round(sum(sizes.values()), 1)}


def stage_hooks(seconds: dict[str, list[float]]) -> list[tuple[Any, str, str]]:
    """(owner, attribute, stage name) of what the ask path calls; each call's seconds go to the stage."""
    from assistant import answer, catalogue, embedding, index, retrieve

    return [(catalogue.Catalogue, "snapshot", "catalogue snapshot"),
            (catalogue.Catalogue, "chunks", "catalogue chunks"),
            (retrieve.SparseIndex, "__init__", "BM25 build"),
            (answer, "idf_table", "idf table"),
            (retrieve.Retriever, "retrieve", "retrieve (dense + BM25 + fusion)"),
            (index.VectorIndex, "query", "  dense query (Chroma)"),
            (retrieve.SparseIndex, "query", "  BM25 query"),
            (embedding.Encoder, "encode", "encoder.encode"),
            (answer.ExtractiveAnswerer, "answer", "answerer")]


def measure(library_dir: Path, n_questions: int) -> dict[str, Any]:
    """In a fresh interpreter: open the library, first ask, then warm asks."""
    import synth

    started = time.perf_counter()
    from assistant.api import Library

    library = Library(library_dir)
    open_s = time.perf_counter() - started
    seconds: dict[str, list[float]] = defaultdict(list)
    asks = list(synth.questions(library_dir, n_questions + 1))
    with ExitStack() as stack:
        for owner, attr, name in stage_hooks(seconds):
            stack.enter_context(hooked(owner, attr, lambda original, raw, name=name:
                                       timed(original, seconds[name].append)))
        start = time.perf_counter()
        library.ask(asks[0])
        first_s = time.perf_counter() - start
        first = {name: sum(v) for name, v in seconds.items()}
        rss_after_first = rss_mb()
        for calls in seconds.values():  # in place: each hook holds its stage's list
            calls.clear()
        warm, abstained = [], 0
        for question in asks[1:]:
            start = time.perf_counter()
            abstained += library.ask(question).abstained
            warm.append(time.perf_counter() - start)
    per_ask = {name: statistics.median(v) * 1000 for name, v in seconds.items() if v}
    ms = [w * 1000 for w in warm]
    return {"open_s": open_s, "first_ask_s": first_s, "first_ask_stages_s": first,
            "warm": {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "max_ms": max(ms),
                     "abstained": abstained},
            "warm_stage_median_ms": per_ask,
            "rss_mb": {"after_first_ask": rss_after_first, "after_warm": rss_mb(),
                       "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}


def measure_retrieval(library_dir: Path, n_questions: int) -> dict[str, Any]:
    """Retrieval alone (no page table, no answerer): what ask costs at a size whose full state does not fit."""
    import synth

    from assistant.api import Library
    from assistant.retrieve import Retriever, SparseIndex, terms

    library = Library(library_dir)
    terms("imports (nltk, bm25s) are not part of the build"), SparseIndex([])
    start = time.perf_counter()
    chunks = library.catalogue.chunks()
    load_s = time.perf_counter() - start
    sparse = SparseIndex(chunks)
    bm25_s = time.perf_counter() - start - load_s
    retriever = Retriever(library.settings.retrieve, library.vectors, sparse)
    asks = list(synth.questions(library_dir, n_questions + 1))
    retriever.retrieve(asks[0])
    took = []
    for question in asks[1:]:
        start = time.perf_counter()
        retriever.retrieve(question)
        took.append((time.perf_counter() - start) * 1000)
    return {"chunks_load_s": load_s, "bm25_build_s": bm25_s,
            "retrieve": {"n": len(took), "p50_ms": percentile(took, 50), "p95_ms": percentile(took, 95)},
            "rss_mb": {"after": rss_mb(), "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}


def run_size(n: int, workdir: Path, n_questions: int, retrieval_only: bool = False) -> dict[str, Any]:
    library = workdir / f"lib_{n}"
    python = sys.executable
    generated = None
    if not (library / "synth.json").exists():
        start = time.perf_counter()
        subprocess.run([python, str(Path(__file__).with_name("synth.py")), str(library), "--chunks", str(n)],
                       check=True, cwd=REPO)
        generated = time.perf_counter() - start
    mode = ["--retrieval-only"] if retrieval_only else []
    done = subprocess.run([python, __file__, "--measure", str(library), "--questions", str(n_questions), *mode],
                          check=True, cwd=REPO, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"chunks": n, "library": json.loads((library / "synth.json").read_text()), "generate_s": generated,
            "disk_mb": disk_mb(library), **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-scale"))
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--retrieval-only", action="store_true",
                        help="time retrieval alone (chunks, BM25 build, dense + BM25 queries), e.g. at 100k chunks")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: one fresh-process measurement
    args = parser.parse_args(argv)
    if args.measure:
        measured = measure_retrieval if args.retrieval_only else measure
        print(json.dumps(measured(args.measure, args.questions)))
        return 0
    load = [round(x, 2) for x in os.getloadavg()]
    runs = [run_size(n, args.workdir, args.questions, args.retrieval_only) for n in args.sizes]
    report = {"benchmark": "scale", "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "loadavg_at_start": load,
                          "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
              "code": code_state(), "targets_p95_ms": TARGETS_P95_MS, "runs": runs}
    write_results(args.out, report, print_table)
    return 0


def print_table(r: dict[str, Any]) -> None:
    if "retrieve" in r["runs"][0]:
        for run in r["runs"]:
            print(f"{run['chunks']} chunks, retrieval only: retrieve p50 {run['retrieve']['p50_ms']:.0f} ms, "
                  f"p95 {run['retrieve']['p95_ms']:.0f} ms; chunks load {run['chunks_load_s']:.1f} s, BM25 build "
                  f"{run['bm25_build_s']:.1f} s; RSS peak {run['rss_mb']['peak']:.0f} MB; disk {run['disk_mb']}")
        return
    m = r["machine"]
    print(f"\nscale benchmark  {r['date']}  HEAD {r['code']['head']} + {len(r['code']['modified'])} files edited; "
          f"{m['cpus']} CPUs, 1-min load {m['loadavg_at_start'][0]} -> {m['loadavg_at_end'][0]}")
    print(f"\n{'chunks':>7} {'papers':>6} {'warm p50':>9} {'p95':>7} {'target':>7} {'first ask':>9} {'BM25 build':>10} "
          f"{'RSS peak':>9} {'disk':>8}")
    for run in r["runs"]:
        target = r["targets_p95_ms"].get(str(run["chunks"]), r["targets_p95_ms"].get(run["chunks"]))
        bm25 = run["first_ask_stages_s"].get("BM25 build", float("nan"))
        print(f"{run['chunks']:7d} {run['library']['papers']:6d} {run['warm']['p50_ms']:7.0f}ms "
              f"{run['warm']['p95_ms']:5.0f}ms {str(target or '-'):>7} {run['first_ask_s']:8.2f}s {bm25:9.2f}s "
              f"{run['rss_mb']['peak']:7.0f}MB {run['disk_mb']['total']:6.0f}MB")
    for run in r["runs"]:
        print(f"\n{run['chunks']} chunks ({run['library']['vectors']}; {run['warm']['n']} warm asks, "
              f"{run['warm']['abstained']} abstained)")
        print("  first ask: " + ", ".join(f"{k.strip()} {v:.2f}s" for k, v in run["first_ask_stages_s"].items()))
        print("  warm ask, median per stage: " + ", ".join(f"{k.strip()} {v:.0f}ms"
                                                          for k, v in run["warm_stage_median_ms"].items()))
        print(f"  disk: {run['disk_mb']}")


if __name__ == "__main__":
    sys.exit(main())
