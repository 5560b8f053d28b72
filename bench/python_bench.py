"""Python-side throughput: mimeo.datasketch against datasketch (when it is
importable), and Engine.add_batch + cluster() against `mimeo cluster` on
the same corpus.

    PYTHONPATH=build/python python3 bench/python_bench.py \
        --mimeo build/tools/mimeo DIR

DIR is a folder of .txt files (read recursively, sorted paths as ids, the
way the command reads them). Prints one line per measurement.
"""
import argparse
import pathlib
import subprocess
import time

import mimeo
from mimeo import datasketch as mds


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def word_shingles(text, k=5):
    words = mimeo.tokenize(text)
    return [" ".join(words[i:i + k]).encode()
            for i in range(max(1, len(words) - k + 1))]


def bench_minhash(name, module, sets):
    def run():
        out = []
        for items in sets:
            m = module.MinHash(num_perm=128)
            m.update_batch(items)
            out.append(m)
        return out

    seconds, minhashes = timed(run)
    shingles = sum(len(s) for s in sets)
    print(f"{name} MinHash.update_batch: {shingles / seconds:,.0f} "
          f"shingles/s ({len(sets)} documents, {seconds:.3f} s)")

    lsh = module.MinHashLSH(threshold=0.5, num_perm=128)

    def insert():
        for i, m in enumerate(minhashes):
            lsh.insert(i, m)

    seconds, _ = timed(insert)
    print(f"{name} MinHashLSH.insert: {len(minhashes) / seconds:,.0f}/s")
    seconds, _ = timed(lambda: [lsh.query(m) for m in minhashes])
    print(f"{name} MinHashLSH.query: {len(minhashes) / seconds:,.0f}/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=pathlib.Path)
    parser.add_argument("--mimeo", help="the mimeo command, to compare")
    args = parser.parse_args()

    paths = sorted(args.corpus.rglob("*.txt"),
                   key=lambda p: str(p.relative_to(args.corpus)))
    docs = [(str(p.relative_to(args.corpus)), p.read_bytes()) for p in paths]
    print(f"{len(docs)} documents, "
          f"{sum(len(t) for _, t in docs) / 1e6:.1f} MB")

    sets = [word_shingles(t) for _, t in docs]
    bench_minhash("mimeo.datasketch", mds, sets)
    try:
        import datasketch
        bench_minhash("datasketch", datasketch, sets)
    except ImportError:
        print("datasketch is not installed: no comparison")

    def engine_run():
        engine = mimeo.Engine()
        engine.add_batch(docs)
        return engine.cluster()

    engine_run()  # warm the page cache and the allocator
    seconds, clustering = timed(engine_run)
    print(f"Engine.add_batch + cluster(): {seconds:.3f} s, "
          f"{len(clustering.clusters)} clusters")
    if args.mimeo:
        command = [args.mimeo, "cluster", str(args.corpus), "--format",
                   "jsonl"]
        subprocess.run(command, check=True, capture_output=True)
        cli_seconds, out = timed(lambda: subprocess.run(
            command, check=True, capture_output=True))
        clusters = sum(1 for line in out.stdout.splitlines() if line)
        print(f"mimeo cluster: {cli_seconds:.3f} s, {clusters} clusters; "
              f"Python overhead {100 * (seconds / cli_seconds - 1):+.1f}%")


if __name__ == "__main__":
    main()
