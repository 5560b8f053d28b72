#!/usr/bin/env python3
"""Writes the corpus of bench/README.md, "Walking a tree of small files".

    python3 bench/small_files.py TREE JSONL [--files 20000] [--folders 50]
        [--words 300] [--seed 1]

TREE gets FILES text files of WORDS random words each, spread over FOLDERS
folders (TREE/d00/f00000.txt ...); JSONL gets the same texts, one line each,
{"id": the file's path under TREE, "text": its text}, in the order a walk
of TREE reads them. Words are drawn from a vocabulary of made-up words, so
that no two texts are near copies. The same seed writes the same bytes.
"""

import argparse
import json
import os
import random


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree")
    parser.add_argument("jsonl")
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--folders", type=int, default=50)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = sorted({
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 8)))
        for _ in range(20000)
    })

    texts = {}
    for i in range(args.files):
        words = [rng.choice(vocabulary) for _ in range(args.words)]
        lines = [" ".join(words[at:at + 12])
                 for at in range(0, len(words), 12)]
        texts["d%02d/f%05d.txt" % (i % args.folders, i)] = "\n".join(lines) + "\n"

    for folder in range(args.folders):
        os.makedirs(os.path.join(args.tree, "d%02d" % folder), exist_ok=True)
    with open(args.jsonl, "w", encoding="utf-8") as out:
        # A walk reads the files in sorted order of their paths.
        for name in sorted(texts):
            with open(os.path.join(args.tree, name), "w",
                      encoding="utf-8") as f:
                f.write(texts[name])
            out.write(json.dumps({"id": name, "text": texts[name]}) + "\n")


if __name__ == "__main__":
    main()
