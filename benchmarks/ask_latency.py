#!/usr/bin/env python
"""Ask latency: warm ``Library.ask`` p50/p95 and cold ``assistant ask`` wall time, with what dominates.

    python benchmarks/ask_latency.py [--corpus ../shared/corpus] [--out benchmarks/results/ask.json]

1. Builds a library of the corpus in a temporary folder with ``assistant add`` (a subprocess,
   so this process stays free of the encoder while the cold runs below are timed).
2. Cold: ``.venv/bin/assistant ask "QUESTION" --index DIR --json``, wall time from process start
   to exit, ``--cold-repeat`` times (default 3). Then what a cold ask spends its time on:
   - staged, in one fresh interpreter, cumulatively: interpreter up, import assistant.cli,
     import assistant.api, Library(), load the encoder, open Chroma, first ask, second ask
     (the stages sum to the whole; each includes the imports it triggers);
   - each heavy import alone in a fresh interpreter (these overlap);
   - ``python -X importtime`` of the real cold ask: import self-time summed per top-level package.
3. Warm: in this process, every question of evals/corpus.jsonl (with its history, so
   follow-ups are read in context) through ``Library.ask``, ``--rounds`` times (default 3)
   after one untimed first ask (which builds the BM25 index and page tables); p50/p95/mean/max,
   plus where a warm ask's time goes (dense query, BM25 + fusion, answer sentence encoding, ...).

Report ratios (cold/warm) rather than absolute times: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from functools import wraps
from pathlib import Path
from typing import Any, Callable

from common import DEFAULT_CORPUS, REPO, code_state, hooked, settings_state, timed, write_results  # noqa: E402  (puts the repo on sys.path)

DEFAULT_QUESTIONS = REPO / "evals" / "corpus.jsonl"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "ask.json"
COLD_QUESTION = "How many international migrants were there in 2019?"
VENV_BIN = REPO / ".venv" / "bin" if (REPO / ".venv" / "bin" / "assistant").exists() else Path(sys.executable).parent

STAGED = r"""
import json, sys, time
marks = [("interpreter up", time.time())]
def mark(name):
    marks.append((name, time.time()))
import assistant.cli; mark("import assistant.cli (CLI, click)")
from assistant.api import Library; mark("import assistant.api")
lib = Library(sys.argv[1]); mark("Library(dir) (settings, SQLite)")
lib.encoder.load(); mark("load the encoder (imports included)")
lib.vectors.collection; mark("open Chroma (imports included)")
answer = lib.ask(sys.argv[2]); mark("first ask (imports, BM25/idf/page tables, retrieve, answer)")
lib.ask(sys.argv[2]); mark("second ask, same process (warm)")
print(json.dumps({"marks": marks, "abstained": answer.abstained, "citations": len(answer.citations)}))
"""

IMPORT_ALONE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
ISOLATED_IMPORTS = ["assistant.api", "assistant.cli", "onnxruntime", "tokenizers", "torch", "sentence_transformers",
                    "nltk", "llama_index.core", "chromadb", "llama_index.vector_stores.chroma", "bm25s", "nltk", "pypdf"]


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "mean_ms": statistics.fmean(ms),
            "min_ms": min(ms), "max_ms": max(ms)}


def run(cmd: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, **kwargs)
    return time.perf_counter() - start, proc


# --- cold ---------------------------------------------------------------------------------------
def cold_asks(index: Path, question: str, repeat: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(repeat):
        wall, proc = run([str(VENV_BIN / "assistant"), "ask", question, "--index", str(index), "--json"])
        entry: dict[str, Any] = {"wall_s": wall, "exit": proc.returncode}
        try:
            answer = json.loads(proc.stdout)
            entry["cited"] = sorted({f"{c['paper']} p. {c['page']}" for c in answer["citations"]})
            entry["abstained"] = answer["abstained"]
        except (json.JSONDecodeError, KeyError):
            entry["stderr_tail"] = proc.stderr[-500:]
        out.append(entry)
    return out


def staged_cold(index: Path, question: str) -> dict[str, Any]:
    spawn = time.time()
    wall, proc = run([sys.executable, "-c", STAGED, str(index), question])
    if proc.returncode != 0:
        return {"error": proc.stderr[-800:]}
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    stages, previous = [], spawn
    for name, at in data["marks"]:
        stages.append({"stage": name, "s": at - previous})
        previous = at
    stages[0]["stage"] = "interpreter start (python + site-packages .pth)"
    return {"wall_s": wall, "stages": stages, "abstained": data["abstained"], "citations": data["citations"]}


def isolated_imports() -> dict[str, float]:
    timings = {}
    wall, _ = run([sys.executable, "-c", "pass"])
    timings["(bare interpreter, wall)"] = wall
    for module in ISOLATED_IMPORTS:
        _, proc = run([sys.executable, "-c", IMPORT_ALONE.format(module=module)])
        timings[module] = float(proc.stdout.strip()) if proc.returncode == 0 else float("nan")
    return timings


def importtime(index: Path, question: str) -> dict[str, Any]:
    """Self time of every module the real cold ask imports, summed per top-level package."""
    wall, proc = run([sys.executable, "-X", "importtime", str(VENV_BIN / "assistant"), "ask", question,
                      "--index", str(index), "--json"])
    per_package: dict[str, float] = defaultdict(float)
    line = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")
    for row in proc.stderr.splitlines():
        m = line.match(row)
        if m:
            per_package[m.group(4).split(".")[0]] += int(m.group(1)) / 1e6
    total = sum(per_package.values())
    top = sorted(per_package.items(), key=lambda kv: -kv[1])
    return {"wall_s_with_importtime": wall, "import_self_total_s": total,
            "imports_share_of_wall": total / wall if wall else None,
            "top_packages": [{"package": k, "s": v, "share_of_imports": v / total} for k, v in top[:15]],
            "modules_imported": sum(1 for r in proc.stderr.splitlines() if line.match(r)),
            "gradio_imported": "gradio" in per_package}


# --- warm ---------------------------------------------------------------------------------------
class Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.texts: dict[str, int] = defaultdict(int)
        self.in_query = False
        self.enabled = True

    def add(self, name: str, seconds: float, texts: int = 0) -> None:
        if not self.enabled:
            return
        self.seconds[name] += seconds
        self.calls[name] += 1
        self.texts[name] += texts

    def snapshot(self) -> dict[str, tuple[float, int, int]]:
        return {k: (self.seconds[k], self.calls[k], self.texts[k]) for k in self.seconds}


def hooked_with(target: Any, attr: str, wrapper: Callable[[Callable], Callable]):
    return hooked(target, attr, lambda original, raw: wrapper(original))


def timing(timers: Timers, name: str) -> Callable[[Callable], Callable]:
    def wrap(fn: Callable) -> Callable:
        return timed(fn, lambda seconds: timers.add(name, seconds))

    return wrap


def warm_hooks(library: Any, timers: Timers) -> ExitStack:
    """Stage timers for Library.ask (installed before the first ask, so the answerer binds them)."""
    from assistant import api
    from assistant.answer import ExtractiveAnswerer
    from assistant.index import VectorIndex
    from assistant.retrieve import Retriever

    def encode_wrap(fn: Callable) -> Callable:
        @wraps(fn)
        def timed(texts: list[str]) -> Any:
            start = time.perf_counter()
            try:
                return fn(texts)
            finally:
                name = "  encode: query vector" if timers.in_query else "  encode: answer sentences"
                timers.add(name, time.perf_counter() - start, len(texts))

        return timed

    def query_wrap(fn: Callable) -> Callable:
        @wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, timers.in_query = time.perf_counter(), True
            try:
                return fn(*args, **kwargs)
            finally:
                timers.in_query = False
                timers.add("  dense: VectorIndex.query (encode + Chroma)", time.perf_counter() - start)

        return timed

    stack = ExitStack()
    stack.enter_context(hooked_with(library, "_current_state", timing(timers, "state check / rebuild")))
    stack.enter_context(hooked_with(api, "condense", timing(timers, "condense (history)")))
    stack.enter_context(hooked_with(Retriever, "retrieve", timing(timers, "retrieve (dense + BM25 + fusion)")))
    stack.enter_context(hooked_with(VectorIndex, "query", query_wrap))
    stack.enter_context(hooked_with(ExtractiveAnswerer, "answer", timing(timers, "answer (extract, score, validate)")))
    stack.enter_context(hooked_with(library.encoder, "encode", encode_wrap))
    return stack


def load_questions(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [{"id": r["id"], "question": r["question"], "type": r.get("type", ""),
             "history": [{"role": t["role"], "content": t["content"]} for t in r.get("history") or []]} for r in rows]


def warm_asks(index: Path, questions: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    """Warm asks, ``rounds`` passes over the questions."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from assistant.api import Library

    library = Library(index)
    start = time.perf_counter()
    library.encoder.load()
    load_s = time.perf_counter() - start
    timers = Timers()
    with warm_hooks(library, timers):
        start = time.perf_counter()
        library.ask(questions[0]["question"], history=questions[0]["history"])
        first_s = time.perf_counter() - start
        first = timers.snapshot()
        timers.seconds.clear(), timers.calls.clear(), timers.texts.clear()
        latencies: list[float] = []
        per_question: dict[str, list[float]] = defaultdict(list)
        with_history: list[float] = []
        for _ in range(rounds):
            for q in questions:
                start = time.perf_counter()
                library.ask(q["question"], history=q["history"])
                took = time.perf_counter() - start
                latencies.append(took)
                per_question[q["id"]].append(took)
                if q["history"]:
                    with_history.append(took)
    n = len(latencies)
    total = sum(latencies)
    slowest = sorted(per_question.items(), key=lambda kv: -statistics.median(kv[1]))[:5]
    by_type: dict[str, list[float]] = defaultdict(list)
    kinds = {q["id"]: q["type"] for q in questions}
    for qid, values in per_question.items():
        by_type[kinds[qid]] += values
    return {
        "settings": settings_state(library.settings),
        "model_load_s": load_s,
        "encoder_backend": library.settings.embed.backend,
        "first_ask_s": first_s,
        "first_ask_stages": {k: {"s": v[0], "calls": v[1]} for k, v in first.items()},
        "questions": len(questions), "rounds": rounds,
        "latency": summary(latencies),
        "latency_follow_ups": summary(with_history) if with_history else None,
        "latency_by_type_p50_ms": {k: percentile([v * 1000 for v in vs], 50) for k, vs in sorted(by_type.items())},
        "slowest": [{"id": qid, "median_ms": statistics.median(v) * 1000} for qid, v in slowest],
        "stages": {k: {"ms_per_ask": 1000 * timers.seconds[k] / n, "share": timers.seconds[k] / total,
                       "calls_per_ask": timers.calls[k] / n, "texts_per_ask": timers.texts[k] / n}
                   for k in sorted(timers.seconds, key=lambda k: -timers.seconds[k])},
    }


# --- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="PDF folder (default %(default)s)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSONL (default %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions, warm (default 3)")
    parser.add_argument("--cold-repeat", type=int, default=3, help="cold `assistant ask` runs (default 3)")
    parser.add_argument("--question", default=COLD_QUESTION, help="the cold question (default %(default)r)")
    args = parser.parse_args(argv)

    questions = load_questions(args.questions)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        index = Path(tmp) / "lib"
        add_s, proc = run([str(VENV_BIN / "assistant"), "add", str(args.corpus), "--index", str(index)])
        if proc.returncode != 0:
            print(f"assistant add failed ({proc.returncode}): {proc.stderr[-800:]}", file=sys.stderr)
            return 1
        print(f"library built with `assistant add` in {add_s:.1f} s", file=sys.stderr)
        cold = cold_asks(index, args.question, args.cold_repeat)
        print("cold asks: " + ", ".join(f"{c['wall_s']:.1f} s" for c in cold), file=sys.stderr)
        staged = staged_cold(index, args.question)
        alone = isolated_imports()
        imports = importtime(index, args.question)
        print("cold breakdown done; warm asks...", file=sys.stderr)
        warm = warm_asks(index, questions, args.rounds)

    cold_walls = [c["wall_s"] for c in cold]
    cold_median = statistics.median(cold_walls)
    warm_p50_s = warm["latency"]["p50_ms"] / 1000
    report = {
        "benchmark": "ask_latency",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "loadavg_at_start": load_at_start, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
                    "note": "shared machine with other jobs: read the ratios, not the absolute times"},
        "code": code_state(),
        "settings": warm.pop("settings"),
        "corpus": str(args.corpus), "questions_file": str(args.questions), "cold_question": args.question,
        "cold_cli_add_s": add_s,
        "warm": warm,
        "cold": {"runs": cold, "median_s": cold_median, "min_s": min(cold_walls), "max_s": max(cold_walls),
                 "staged": staged, "imports_alone_s": alone, "importtime": imports},
        "ratios": {"cold_vs_warm_p50": cold_median / warm_p50_s,
                   "cold_vs_warm_p95": cold_median / (warm["latency"]["p95_ms"] / 1000),
                   "warm_p95_vs_p50": warm["latency"]["p95_ms"] / warm["latency"]["p50_ms"],
                   "first_ask_in_process_vs_warm_p50": warm["first_ask_s"] / warm_p50_s},
    }
    if "stages" in staged:
        wall = staged["wall_s"]
        report["cold"]["staged_shares"] = {s["stage"]: s["s"] / wall for s in staged["stages"]}
    write_results(args.out, report, print_table)
    return 0


def print_table(r: dict[str, Any]) -> None:
    w, c = r["warm"], r["cold"]
    lat = w["latency"]
    print(f"\nask latency  {r['date']}  shared {r['machine']['cpus']}-CPU machine "
          f"(1-min load {r['machine']['loadavg_at_start'][0]} at start, {r['machine']['loadavg_at_end'][0]} at end): "
          "read the ratios")
    code = r["code"]
    print(f"code: HEAD {code['head']} + {len(code['modified'])} files edited in the tree; "
          f"chunk settings {r['settings']['chunk']}")
    print(f"\nwarm Library.ask, {w['questions']} questions x {w['rounds']} rounds ({lat['n']} asks, history included)")
    print(f"  p50 {lat['p50_ms']:.0f} ms   p95 {lat['p95_ms']:.0f} ms   mean {lat['mean_ms']:.0f} ms   "
          f"max {lat['max_ms']:.0f} ms")
    if w["latency_follow_ups"]:
        f = w["latency_follow_ups"]
        print(f"  follow-ups (with history): p50 {f['p50_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms ({f['n']} asks)")
    print(f"  first ask in the process (builds BM25/idf/pages): {1000 * w['first_ask_s']:.0f} ms")
    print("  where a warm ask's time goes:")
    for name, st in w["stages"].items():
        extra = f", {st['texts_per_ask']:.0f} texts/ask" if st["texts_per_ask"] else ""
        print(f"    {name:46} {st['ms_per_ask']:7.1f} ms/ask {100 * st['share']:5.1f}%"
              f"  ({st['calls_per_ask']:.1f} calls/ask{extra})")
    print(f"\ncold `assistant ask ... --index DIR --json`, {len(c['runs'])} runs: "
          + ", ".join(f"{x['wall_s']:.2f} s" for x in c["runs"]) + f"  (median {c['median_s']:.2f} s)")
    cited = c["runs"][0].get("cited")
    print(f"  answer check: exit {c['runs'][0]['exit']}, cites {cited}")
    if "stages" in c["staged"]:
        print(f"  staged in one fresh interpreter ({c['staged']['wall_s']:.2f} s wall; cumulative, sums to the whole):")
        for st in c["staged"]["stages"]:
            print(f"    {st['stage']:58} {st['s']:6.2f} s {100 * st['s'] / c['staged']['wall_s']:5.1f}%")
    print("  each import alone in a fresh interpreter (overlapping):")
    print("    " + ", ".join(f"{k} {v:.2f} s" for k, v in c["imports_alone_s"].items()))
    it = c["importtime"]
    print(f"  -X importtime of the real cold ask: imports {100 * it['imports_share_of_wall']:.0f}% of its wall time "
          f"({it['modules_imported']} modules; gradio imported: {it['gradio_imported']}); top packages by self time:")
    print("    " + ", ".join(f"{p['package']} {100 * p['share_of_imports']:.0f}%" for p in it["top_packages"][:10]))
    ratios = r["ratios"]
    print(f"\nratios  cold / warm p50 {ratios['cold_vs_warm_p50']:.0f}x   cold / warm p95 {ratios['cold_vs_warm_p95']:.0f}x"
          f"   warm p95 / p50 {ratios['warm_p95_vs_p50']:.2f}   first ask / warm p50 "
          f"{ratios['first_ask_in_process_vs_warm_p50']:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
