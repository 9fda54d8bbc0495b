"""Extraction speed: the full khabar pipeline against the bare spaCy model, same texts, same run.

The baseline is what any spaCy user pays: `nlp.pipe(texts)` with the same English model and batch size.
The full pipeline adds re-flowing, language check, actor/place/time/quantity/event/claim stages and the
conversion to Extraction records. Runs alternate (bare, full, bare, full, ...) and the best of each is
kept, so a busy shared machine hurts both sides alike. Target: full <= 1.3x bare.

--workers N (N > 1) also runs khabar.scale.engine.extract_stream with N worker processes and checks
that every record is identical to the one-worker result. --stream N measures resident memory while
streaming N documents (the corpus repeated) through extract_stream: it should stay flat.

Corpus: the texts of ../shared/benchmarks/geowebnews.jsonl and re3d.jsonl (read in place, never copied
into the repository) plus the sample article, or any JSONL with a "text" field / folder of .txt files.

    .venv/bin/python benchmarks/extract.py [--corpus PATH ...] [--limit N] [--repeat 2] [--batch-size 32]
                                           [--workers N] [--stream N] [--out benchmarks/results/extract.md]

Not a test: it prints a markdown table (and writes it to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
DEFAULT_CORPORA = [SHARED / "geowebnews.jsonl", SHARED / "re3d.jsonl", ROOT / "src/khabar/samples"]


def load_texts(paths: list[Path], limit: int | None) -> list[str]:
    texts: list[str] = []
    for path in paths:
        if not path.exists():
            print(f"skipped {path}: not found", file=sys.stderr)
            continue
        if path.is_dir():
            texts += [p.read_text(encoding="utf-8") for p in sorted(path.glob("*.txt"))]
            continue
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                try:
                    text = json.loads(line).get("text")
                except (json.JSONDecodeError, AttributeError):
                    print(f"{path}:{n}: not a JSON object, skipped", file=sys.stderr)
                    continue
                if isinstance(text, str) and text.strip():
                    texts.append(text)
    return texts[:limit] if limit else texts


def rss_mb() -> float:
    """Current resident set size (Linux /proc), else the peak from getrusage."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_bare(nlp, texts: list[str], batch_size: int) -> tuple[float, float, int]:  # noqa: ANN001
    """(wall seconds, CPU seconds of this process, tokens)."""
    t0, c0 = time.perf_counter(), time.process_time()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size))
    return time.perf_counter() - t0, time.process_time() - c0, tokens


def time_full(pipeline, docs: list, batch_size: int) -> tuple[float, float, list]:  # noqa: ANN001
    t0, c0 = time.perf_counter(), time.process_time()
    out = list(pipeline.pipe(docs, batch_size=batch_size))
    return time.perf_counter() - t0, time.process_time() - c0, out


def comparable(ext) -> dict:  # noqa: ANN001
    return json.loads(json.dumps(asdict(ext), sort_keys=True, default=str))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, nargs="*", default=DEFAULT_CORPORA)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=2, help="alternating runs per side; the best counts")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--stream", type=int, default=0, help="documents to stream for the memory check")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    from khabar.extract.nlp import fresh_base, model_package
    from khabar.extract.pipeline import load_pipeline
    from khabar.model import Document

    texts = load_texts(args.corpus, args.limit)
    if not texts:
        print("no texts to run on", file=sys.stderr)
        return 2
    docs = [Document(id=f"b{i}", text=t) for i, t in enumerate(texts)]
    bare = fresh_base()
    pipeline = load_pipeline()
    # warm-up: first calls load lexicons, gazetteers and BLAS threads
    list(bare.pipe(texts[:4]))
    list(pipeline.pipe(docs[:4]))

    bare_wall = full_wall = bare_cpu = full_cpu = float("inf")
    tokens = 0
    results: list = []
    for _ in range(max(args.repeat, 1)):
        wall, cpu, tokens = time_bare(bare, texts, args.batch_size)
        bare_wall, bare_cpu = min(bare_wall, wall), min(bare_cpu, cpu)
        wall, cpu, results = time_full(pipeline, docs, args.batch_size)
        full_wall, full_cpu = min(full_wall, wall), min(full_cpu, cpu)

    n = len(texts)
    rows = [
        ("bare spaCy (" + model_package() + ")", bare_wall, bare_cpu),
        ("khabar full extraction", full_wall, full_cpu),
    ]
    lines = [
        f"Extraction speed - {n} documents, {tokens} tokens, batch {args.batch_size}, best of {args.repeat} "
        f"alternating runs, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs",
        "",
        "| pipeline | wall s | CPU s | docs/s | tokens/s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {name} | {w:.2f} | {c:.2f} | {n / w:.1f} | {tokens / w:,.0f} |" for name, w, c in rows]
    lines += [
        "",
        f"ratio full / bare: **{full_cpu / bare_cpu:.2f}x** CPU time, {full_wall / bare_wall:.2f}x wall time "
        "(target <= 1.3x; CPU time is the steadier measure on a shared machine)",
    ]
    events = sum(len(e.events) for e in results)
    claims = sum(len(e.claims) for e in results)
    lines.append(f"records: {events} events, {claims} claims, stages {results[0].stages_run}")

    if args.workers > 1:
        from khabar.scale.engine import extract_stream

        t0 = time.perf_counter()
        one = [comparable(e) for e in extract_stream(docs, workers=1, batch_size=args.batch_size)]
        t_one = time.perf_counter() - t0
        t0 = time.perf_counter()
        many = [comparable(e) for e in extract_stream(docs, workers=args.workers, batch_size=args.batch_size)]
        t_many = time.perf_counter() - t0
        same = one == many
        diff = next((i for i, (a, b) in enumerate(zip(one, many, strict=False)) if a != b), None)
        lines += [
            "",
            f"extract_stream workers=1: {t_one:.2f}s ({n / t_one:.1f} docs/s); workers={args.workers}: "
            f"{t_many:.2f}s ({n / t_many:.1f} docs/s, {t_one / t_many:.2f}x, pool start-up included)",
            f"results identical to one worker: **{same}**"
            + ("" if same else f" (first difference at document {diff})"),
        ]

    if args.stream:
        from khabar.scale.engine import extract_stream

        def endless():  # noqa: ANN202
            for i in range(args.stream):
                yield Document(id=f"s{i}", text=texts[i % n])

        marks = []
        t0 = time.perf_counter()
        step = max(args.stream // 10, 1)
        for i, _ext in enumerate(extract_stream(endless(), workers=1, batch_size=args.batch_size), 1):
            if i % step == 0:
                marks.append((i, rss_mb()))
        t = time.perf_counter() - t0
        lines += [
            "",
            f"stream of {args.stream} documents in {t:.1f}s: resident memory (MB) "
            + ", ".join(f"{i}: {m:.0f}" for i, m in marks),
            f"growth from the first to the last mark: {marks[-1][1] - marks[0][1]:+.0f} MB",
        ]

    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
