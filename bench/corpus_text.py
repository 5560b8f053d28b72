"""The real text that bench/mail_corpus.py and bench/web_corpus.py build
their corpora from: bbc-news articles and reuters21578 wire stories under
../shared/datasets, and the small helpers both lay text out with."""
import glob
import os
import re


def bbc_articles(datasets):
    """Every bbc-news article of three paragraphs or more, in path order,
    as (headline, [paragraph, ...])."""
    articles = []
    for path in sorted(glob.glob(os.path.join(datasets, "bbc-news", "bbc",
                                              "*", "*.txt"))):
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        paras = [p.strip() for p in text.split("\n\n") if p.strip()]
        if len(paras) >= 3:
            articles.append((paras[0], paras[1:]))
    return articles


def reuters_stories(datasets):
    """The bodies of reuters21578's stories of 150 to 600 words, each once,
    without the closing "Reuter"."""
    stories, seen = [], set()
    for path in sorted(glob.glob(os.path.join(datasets, "reuters21578",
                                              "data", "*.sgm"))):
        with open(path, encoding="latin-1") as f:
            for body in re.findall(r"<BODY>(.*?)</BODY>", f.read(), re.S):
                body = body.replace("&lt;", "<").replace("&amp;", "&")
                body = re.sub(r"(?i)\s*reuter\s*(&#3;|\x03)?\s*$", "",
                              body.strip())
                if 150 <= len(body.split()) <= 600 and body not in seen:
                    seen.add(body)  # the collection repeats some stories
                    stories.append(body)
    return stories


def shuffled_texts(datasets, rng, who):
    """bbc_articles() and reuters_stories() of `datasets`, each shuffled by
    `rng` in that order; exits naming `who` when either is missing."""
    articles = bbc_articles(datasets)
    stories = reuters_stories(datasets)
    if not articles or not stories:
        raise SystemExit("%s: bbc-news or reuters21578 not found under %s"
                         % (who, datasets))
    rng.shuffle(articles)
    rng.shuffle(stories)
    return articles, stories


def paragraphs(story):
    """A reuters21578 story's paragraphs: indented lines or blank lines
    start one."""
    return [p for p in re.split(r"\n\s*\n|\n    ", story) if p.strip()]


def wrap(text, width=72):
    """`text` with its lines filled to `width` columns."""
    out = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            if line and len(line) + 1 + len(word) > width:
                out.append(line)
                line = word
            else:
                line = (line + " " + word) if line else word
        out.append(line)
    return "\n".join(out)


def write_held_by_many(out, groups):
    """OUT/held-by-many.tsv: per story copied by more than the 20 documents
    that make text common, its documents' paths relative to OUT,
    tab-separated (a .tsv is not read as a document). An oracle counting
    rare shingles calls their text boilerplate; bench/real_eval.sh scores
    their pairs apart."""
    with open(os.path.join(out, "held-by-many.tsv"), "w") as f:
        for g in groups:
            if g:
                f.write("\t".join(g) + "\n")
