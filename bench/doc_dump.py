#!/usr/bin/env python3
"""A JSONL dump of manual pages and package documentation, as a crawl of a
distribution's documentation would give one: the scale test of `mimeo pairs
--mode copy` on real text (issue 18's 200,000-document dump).

    python3 bench/doc_dump.py --real build/real-eval/real --out dump.jsonl

What goes in, one JSON line per document ({"id": ..., "text": ...}), in a
fixed order:

  * every file of the documentation corpora bench/real_corpora.sh built
    under --real (changelog, copyright, debian-desc, erlang-doc,
    gcloud-man, git-relnotes, headers, man, npm-readme, postgresql-doc,
    python-doc, python-src, qt-doc), as they are: HTML pages keep their
    markup, as a crawler's text field would;
  * the manual pages under /usr/share/man and those of the translated
    manual page packages (manpages-de, -fr, -ja, -zh and the others below,
    downloaded with `apt-get download`, not installed), as troff source;
  * the description of every package in every language apt has a
    Translation list for (fetch them first with `apt-get update -o
    Acquire::Languages=en,de,fr,...`), one document per package and
    language.

Texts are read as UTF-8 with undecodable bytes replaced; files with a NUL
byte are left out. Prints the count of each part to stderr.
"""

import argparse
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile

DOC_CORPORA = ["changelog", "copyright", "debian-desc", "erlang-doc",
               "gcloud-man", "git-relnotes", "headers", "man", "npm-readme",
               "postgresql-doc", "python-doc", "python-src", "qt-doc"]
MAN_PACKAGES = ["manpages", "manpages-dev", "manpages-de", "manpages-fr",
                "manpages-es", "manpages-it", "manpages-pl", "manpages-ru",
                "manpages-nl", "manpages-pt-br", "manpages-ro", "manpages-uk",
                "manpages-ja", "manpages-zh", "manpages-fi", "manpages-sv",
                "manpages-da", "manpages-cs", "manpages-hu", "manpages-el",
                "manpages-vi", "manpages-mk"]


def read_text(data):
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def files_under(root):
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path


def man_pages(root, prefix, out):
    n = 0
    for path in files_under(root):
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith(".gz"):
            try:
                data = gzip.decompress(data)
            except OSError:
                continue
        text = read_text(data)
        if text and text.strip():
            out(prefix + os.path.relpath(path, root), text)
            n += 1
    return n


def descriptions(out):
    lists = sorted(glob.glob(
        "/var/lib/apt/lists/*_debian_dists_bookworm_main_i18n_Translation-*"))
    n = 0
    for path in lists:
        lang = path.rsplit("Translation-", 1)[1].split(".")[0]
        text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path],
                              check=True, capture_output=True).stdout
        package, lines = None, []

        def flush():
            nonlocal n
            if package and lines:
                body = [lines[0]] + ["" if l == " ." else l[1:]
                                     for l in lines[1:]]
                out("desc/%s/%s" % (lang, package), "\n".join(body) + "\n")
                n += 1
        for line in text.decode("utf-8", errors="replace").split("\n"):
            if line.startswith("Package: "):
                flush()
                package, lines = line[9:], []
            elif line.startswith("Description-") and ": " in line:
                lines = [line.split(": ", 1)[1]]
            elif line.startswith(" ") and lines:
                lines.append(line)
        flush()
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", required=True,
                        help="the tree bench/real_corpora.sh built")
    parser.add_argument("--out", required=True, help="the JSONL to write")
    args = parser.parse_args()
    seen = set()
    with open(args.out, "w", encoding="utf-8") as sink:
        def out(doc_id, text):
            if doc_id in seen:
                return
            seen.add(doc_id)
            sink.write(json.dumps({"id": doc_id, "text": text},
                                  ensure_ascii=False) + "\n")
        for corpus in DOC_CORPORA:
            root = os.path.join(args.real, corpus)
            n = 0
            for path in files_under(root):
                with open(path, "rb") as f:
                    text = read_text(f.read())
                if text and text.strip():
                    out(corpus + "/" + os.path.relpath(path, root), text)
                    n += 1
            print("%s: %d" % (corpus, n), file=sys.stderr)
        print("usr-share-man: %d" % man_pages("/usr/share/man", "man-local/",
                                               out), file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            got = subprocess.run(["apt-get", "download", "-qq"] + MAN_PACKAGES,
                                 cwd=tmp, capture_output=True)
            if got.returncode != 0:
                print("apt-get download failed: translated manual pages "
                      "left out", file=sys.stderr)
            for deb in sorted(glob.glob(os.path.join(tmp, "*.deb"))):
                subprocess.run(["dpkg-deb", "-x", deb,
                                os.path.join(tmp, "x")], check=True)
            print("manpages packages: %d" % man_pages(
                os.path.join(tmp, "x", "usr", "share", "man"), "man-l10n/",
                out), file=sys.stderr)
        print("descriptions: %d" % descriptions(out), file=sys.stderr)
    print("documents: %d" % len(seen), file=sys.stderr)


if __name__ == "__main__":
    main()
