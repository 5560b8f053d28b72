# The Dask example (python/examples/dask_dedup.py) gives the clusters of
# `mimeo cluster` on the same dump: the demo corpus with the input's rough
# edges, and a generated corpus of copies spread over many blocks.
import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR, demo_documents

pytest.importorskip("dask.bag", reason="Dask is not installed (Debian: python3-dask)")
pytest.importorskip("dask.distributed",
                    reason="dask.distributed is not installed (Debian: python3-distributed)")

MIMEO = os.environ.get("MIMEO_BINARY")
EXAMPLE = SOURCE_DIR / "python" / "examples" / "dask_dedup.py"
DATASETS = SOURCE_DIR.parent / "shared" / "datasets"

pytestmark = [
    pytest.mark.skipif(not MIMEO, reason="MIMEO_BINARY (the command) not set"),
    # Debian's distributed 2022.12 on its tornado.
    pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning"),
]


def _example():
    spec = importlib.util.spec_from_file_location("dask_dedup", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    with Client(cluster) as c:
        yield c
    cluster.close()


def _command(dump, *flags):
    """`mimeo cluster dump.jsonl -o out.jsonl`, run in the dump's folder."""
    subprocess.run([MIMEO, "cluster", dump.name, "-o", "out.jsonl", "--quiet", *flags],
                   check=True, cwd=dump.parent)
    text = (dump.parent / "out.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def _clusters(found):
    """Clusters as a set of (id set, representative)."""
    return {(frozenset(c["docs"]), c["representative"]) for c in found}


def _pairs(found):
    return {(p["a"], p["b"]): (p["jaccard"], p["containment_a_in_b"],
                               p["containment_b_in_a"])
            for c in found for p in c["pairs"]}


def _check(got, want):
    assert len(want) > 0
    assert _clusters(got) == _clusters(want)
    assert [c["docs"] for c in got] == [c["docs"] for c in want]
    got_pairs, want_pairs = _pairs(got), _pairs(want)
    assert got_pairs.keys() == want_pairs.keys()
    for key, figures in want_pairs.items():
        assert got_pairs[key] == pytest.approx(figures, abs=1e-12)


def _demo_dump(path):
    """The demo corpus as JSONL with what the command must cope with: ids
    missing, repeated and numeric, a blank line, a line that is not JSON,
    one without text; and 140 editions of one notice, whose LSH buckets are
    past the 128 documents that get all their pairs."""
    notice = " ".join("the harbour board gives notice that berth %d closes at "
                      "dusk for dredging works" % n for n in range(8))
    lines = [json.dumps({"id": "notice-%d" % n, "text": "%s edition %d" % (notice, n)})
             for n in range(140)]
    for n, (doc_id, text) in enumerate(demo_documents()):
        record = {"text": text}
        if n % 4 == 1:
            record["id"] = n  # a number: written in decimal
        elif n % 4 != 3:
            record["id"] = doc_id if n != 6 else demo_documents()[0][0]  # repeated
        lines.append(json.dumps(record, ensure_ascii=n % 2 == 0))
        if n == 2:
            lines += ["", "{not json", json.dumps({"id": "no-text", "body": "x"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_demo_corpus_gives_the_commands_clusters(tmp_path, client):
    dump = _demo_dump(tmp_path / "dump.jsonl")
    got = _example().deduplicate(str(dump), client, blocksize="16KiB",
                                 source="dump.jsonl")
    _check(got, _command(dump))


def test_generated_corpus_gives_the_commands_clusters(tmp_path, client):
    gen = pathlib.Path(MIMEO).parent / "mimeo_gen"
    if not (DATASETS / "bbc-news").is_dir() or not gen.exists():
        pytest.skip("needs %s and mimeo_gen" % (DATASETS / "bbc-news"))
    subprocess.run([str(gen), "--from", str(DATASETS / "bbc-news"), "--docs", "300",
                    "--seed", "1", "--out", str(tmp_path)], check=True,
                   capture_output=True)
    dump = tmp_path / "docs.jsonl"
    got = _example().deduplicate(str(dump), client, blocksize="128KiB",
                                 source="docs.jsonl")
    _check(got, _command(dump))
    # And with flags the two share: looser thresholds, another banding.
    flags = ["--threshold", "0.2", "--member-jaccard", "0.15",
             "--lsh-threshold", "0.3", "--boilerplate-docs", "5"]
    opts = _example().Options(threshold=0.2, member_jaccard=0.15, lsh_threshold=0.3,
                              boilerplate_docs=5)
    got = _example().deduplicate(str(dump), client, opts, blocksize="128KiB",
                                 source="docs.jsonl")
    _check(got, _command(dump, *flags))


def test_the_script_on_a_local_cluster_of_processes(tmp_path):
    dump = _demo_dump(tmp_path / "dump.jsonl")
    subprocess.run([sys.executable, str(EXAMPLE), "dump.jsonl", "-o", "dask.jsonl",
                    "--workers", "2", "--blocksize", "16KiB", "--quiet"],
                   check=True, cwd=tmp_path, timeout=120)
    text = (tmp_path / "dask.jsonl").read_text(encoding="utf-8")
    _check([json.loads(line) for line in text.splitlines()], _command(dump))
