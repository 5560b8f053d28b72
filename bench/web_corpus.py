#!/usr/bin/env python3
"""Writes a crawl of news sites with the features that real web pages have
and that make copy detection go wrong, built from real text (bbc-news
articles as what outlets write themselves, reuters21578 stories as the
wire copy they reprint):

  OUT/<host>/<section>/<slug>.html  one page a file, a folder a site
  OUT/held-by-many.tsv              the pages of each wire story reprinted
                                    by 20 or more sites, a line per story

What the pages hold, as news sites do:
  * every page of a site in its template: a menu, a cookie notice, a
    "most read" list and "related stories" teasers of the site's other
    articles of those days, a footer with the site's address and terms;
    the sites are built on three publishing systems, each adding its own
    footer line on every page of every site built on it, and share four
    cookie notices between them;
  * articles the site wrote (one bbc-news article each), with a byline;
  * wire stories reprinted by several sites within two days, each with
    its own first and last paragraphs, some cut short: most by 2 to 12
    sites, one in eight by 20 to 28 (copy held by more than the 20
    documents that make text common);
  * press releases carried whole by a few sites;
  * the same article again as a printer-friendly page (another template)
    and as an updated version with a new headline and a paragraph added
    (near-duplicates of the article);
  * briefs of one paragraph, little more than the template around them;
  * section front pages listing the latest headlines and first sentences;
  * head metadata as sites write it: a canonical link on every page, the
    publication time in a <meta> tag on two sites in three, the others
    giving the date in the byline only.

Dates run over a year. The corpus carries no labels: bench/oracle.cc scores
mimeo's output on it with exact figures, like the other real corpora.
Deterministic for a seed.

  bench/web_corpus.py --datasets ../shared/datasets --out DIR
                      [--pages 4000] [--seed 1]
"""
import argparse
import html
import os
import random
import re
import time

from corpus_text import paragraphs, shuffled_texts, write_held_by_many

WORDS = ["Daily", "Evening", "Morning", "Weekly", "Northern", "Coastal",
         "Valley", "City", "County", "Harbour", "River", "Metro", "Central",
         "Western", "Eastern", "Highland", "Lakeside", "Capital", "Border",
         "Island"]
NOUNS = ["Herald", "Courier", "Gazette", "Post", "Observer", "Chronicle",
         "Times", "Echo", "Tribune", "Ledger", "Sentinel", "Record", "Star",
         "Journal", "Mail", "Press"]
SECTIONS = ["news", "business", "world", "politics", "sport", "culture",
            "technology", "local"]
COOKIE_NOTICES = [
    "We use cookies to give you the best experience on our website. By "
    "continuing to browse you agree to our use of cookies. You can change "
    "your cookie settings at any time. Find out more in our cookie policy.",
    "This site uses cookies and similar technologies to personalise content "
    "and advertising, to provide social media features and to analyse our "
    "traffic. Accept all or manage your choices.",
    "Your privacy matters to us. We and our partners store and access "
    "information on your device, such as cookies, to measure audiences and "
    "show you relevant advertising. Click accept to consent.",
    "Cookies help us deliver our services. By using our services you agree "
    "to our use of cookies. Learn more about how we process your data in "
    "our privacy notice.",
]
SYSTEMS = [
    ("NewsPress", "Powered by NewsPress, the publishing platform trusted by "
     "more than two hundred local newsrooms. Hosting, analytics and "
     "subscriptions in one place."),
    ("Inkwell CMS", "Site built with Inkwell CMS. Inkwell is a registered "
     "trade mark of Inkwell Digital Limited. Accessibility statement and "
     "platform status available on request."),
    ("Presswire Sites", "This website is operated on the Presswire Sites "
     "network. Reader comments are the responsibility of their authors. "
     "Report abuse to the network moderation team."),
]
REPORTERS = ["Anna Berger", "Ben Costa", "Carla Dubois", "David Eriksen",
             "Elena Fischer", "Frank Garcia", "Greta Hansen", "Hugo Ivanov",
             "Irene Jansen", "Jonas Keller", "Karin Larsen", "Lars Moreau",
             "Maria Novak", "Nils Olsen", "Olga Peters", "Paul Quinn",
             "Rita Rossi", "Simon Schmidt", "Tanja Tanaka", "Uwe Weber"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]


def slug(text):
    words = re.findall(r"[a-z0-9]+", text.lower())[:8]
    return "-".join(words) or "page"


def first_sentence(text):
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


def esc(text):
    return html.escape(text, quote=True)


def make_sites(rng, n):
    sites, used = [], set()
    while len(sites) < n:
        name = "The %s %s" % (rng.choice(WORDS), rng.choice(NOUNS))
        if name in used:
            continue
        used.add(name)
        host = name[4:].lower().replace(" ", "") + rng.choice(
            [".example.com", ".example.co.uk", ".example.net"])
        town = rng.choice(["Leith", "Bristol", "Derby", "Hull", "Bangor",
                           "Truro", "Perth", "Carlisle", "Ely", "Wells"])
        sites.append({
            "name": name, "host": host,
            "system": rng.randrange(len(SYSTEMS)),
            "cookie": rng.randrange(len(COOKIE_NOTICES)),
            "meta_date": rng.random() < 2 / 3,
            "nav_element": rng.random() < 0.5,
            "footer": "%s, %d %s Street, %s. Registered in England and Wales "
                      "number %07d. %s is a member of the Independent Press "
                      "Standards Organisation. Contact the newsdesk, "
                      "advertise with us, terms and conditions, privacy "
                      "notice." % (name, rng.randint(1, 90),
                                   rng.choice(["High", "Market", "Church",
                                               "Station", "Mill"]),
                                   town, rng.randrange(10 ** 7), name),
            "pages": [],  # (date, headline, lede) of its articles
        })
    return sites


def render(site, page, sites_pages):
    """One page as HTML: the site's template around page["body"]."""
    t = page["date"]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    g = time.gmtime(t)
    day = "%d %s %d" % (g.tm_mday, MONTHS[g.tm_mon - 1], g.tm_year)
    url = "https://www.%s/%s" % (site["host"], page["path"])
    head = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
            "<title>%s | %s</title>" % (esc(page["headline"]),
                                        esc(site["name"])),
            '<link rel="canonical" href="%s">' % esc(url),
            '<meta property="og:site_name" content="%s">' % esc(site["name"])]
    if site["meta_date"]:
        head.append('<meta property="article:published_time" content="%s">'
                    % stamp)
    head.append('<style>body{font-family:serif}</style></head>')
    body = ["<body>"]
    if page["kind"] == "print":
        body.append("<p>%s | Printed from www.%s</p>" % (esc(site["name"]),
                                                         site["host"]))
    else:
        body.append('<div class="cookie-banner"><p>%s</p>'
                    '<button>Accept</button></div>'
                    % COOKIE_NOTICES[site["cookie"]])
        menu = "".join('<li><a href="/%s/">%s</a></li>' % (s, s.title())
                       for s in SECTIONS)
        wrapper = "nav" if site["nav_element"] else 'div class="menu"'
        body.append('<header><div class="brand">%s</div><%s><ul>'
                    '<li><a href="/">Home</a></li>%s<li><a href="/subscribe">'
                    'Subscribe</a></li></ul></%s></header>'
                    % (esc(site["name"]), wrapper, menu,
                       wrapper.split()[0]))
    body.append("<main><article><h1>%s</h1>" % esc(page["headline"]))
    if page.get("byline"):
        body.append('<p class="byline">By %s, %s. Published %s</p>'
                    % (esc(page["byline"]), esc(site["name"]), day))
    elif page["kind"] != "front":
        body.append('<p class="byline">Published %s</p>' % day)
    body.extend("<p>%s</p>" % esc(p) for p in page["body"])
    body.append("</article>")
    if page["kind"] == "print":
        body.append("</main><p>Copyright %d %s. All rights reserved.</p>"
                    "</body></html>" % (g.tm_year, esc(site["name"])))
        return "\n".join(head + body) + "\n"
    # The site's other articles of the last fortnight: most read and
    # related, as the page was when crawled.
    recent = [p for p in sites_pages if t - 14 * 86400 <= p[0] < t and
              p[1] != page["headline"]]
    if recent:
        body.append('<aside><h2>Most read</h2><ol>%s</ol>' % "".join(
            '<li><a href="/%s/">%s</a></li>' % (slug(p[1]), esc(p[1]))
            for p in recent[-5:]))
        body.append("<h2>Related stories</h2>%s</aside>" % "".join(
            '<div class="teaser"><h3><a href="/%s/">%s</a></h3><p>%s</p>'
            '</div>' % (slug(p[1]), esc(p[1]), esc(p[2]))
            for p in recent[-8:-5]))
    body.append("</main><footer><p>%s</p><p>Sign up to our daily newsletter "
                "for the stories that matter to %s, delivered to your inbox "
                "every morning.</p><p>%s</p><p>Copyright %d.</p></footer>"
                "</body></html>"
                % (esc(site["footer"]), esc(site["name"]),
                   esc(SYSTEMS[site["system"]][1]), g.tm_year))
    return "\n".join(head + body) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pages", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    own, stories = shuffled_texts(args.datasets, rng, "web_corpus")
    # Wire copy to reprint, a quarter of the stories; the rest, and most
    # bbc-news articles, are what the sites write themselves; the other
    # bbc-news articles' paragraphs are the first and last paragraphs sites
    # write around a reprint. No text is used twice by chance.
    wire = stories[:len(stories) // 4]
    pool = [p for _, paras in own[:600] for p in paras]
    own = own[600:] + [(" ".join(s.split()[:10]).rstrip(",."),
                        [" ".join(p.split()) for p in paragraphs(s)])
                       for s in stories[len(stories) // 4:]]
    rng.shuffle(own)
    sites = make_sites(rng, 30)
    start = 1230768000  # 2009-01-01
    span = 365 * 86400
    pages = []  # dicts: site, date, kind, headline, body, byline

    def take_own():
        if not own:
            raise SystemExit("web_corpus: out of text for so many pages")
        return own.pop()

    def take_paragraph():
        if not pool:
            raise SystemExit("web_corpus: out of text for so many pages")
        return pool.pop()

    def take_story():
        if not wire:
            raise SystemExit("web_corpus: out of wire stories for so many "
                             "pages")
        paras = [" ".join(p.split()) for p in paragraphs(wire.pop())]
        return " ".join(paras[0].split()[:10]).rstrip(",."), paras

    groups = []
    while len(pages) < args.pages:
        kind = rng.random()
        t0 = start + rng.randrange(span)
        if kind < 0.6:  # an article the site wrote
            headline, paras = take_own()
            pages.append({"site": rng.choice(sites), "date": t0,
                          "kind": "article", "headline": headline,
                          "body": paras, "byline": rng.choice(REPORTERS)})
        elif kind < 0.67:  # a wire story reprinted by several sites
            headline, paras = take_story()
            many = rng.random() < 0.125
            k = rng.randint(20, 28) if many else rng.randint(2, 12)
            if many:
                groups.append([])
            for site in rng.sample(sites, k):
                text = paras
                if rng.random() < 0.3:  # cut short
                    text = paras[:max(1, len(paras) * 2 // 3)]
                # The site's own first and last paragraphs around it.
                body = [take_paragraph()] + text + (
                    [take_paragraph()] if rng.random() < 0.5 else []) + [
                    "Additional reporting by %s." % rng.choice(REPORTERS)]
                p = {"site": site, "date": t0 + rng.randrange(2 * 86400),
                     "kind": "reprint", "headline": headline, "body": body,
                     "byline": rng.choice(REPORTERS)}
                if many:
                    p["group"] = len(groups) - 1
                pages.append(p)
        elif kind < 0.7:  # a press release carried whole by a few
            headline, paras = take_story()
            for site in rng.sample(sites, rng.randint(3, 8)):
                pages.append({"site": site,
                              "date": t0 + rng.randrange(3 * 86400),
                              "kind": "release", "headline": headline,
                              "body": paras})
        elif kind < 0.82:  # a brief
            headline, paras = take_own()
            pages.append({"site": rng.choice(sites), "date": t0,
                          "kind": "brief", "headline": headline,
                          "body": paras[:1]})
        elif kind < 0.92:  # an article, then its print page or update
            headline, paras = take_own()
            site = rng.choice(sites)
            by = rng.choice(REPORTERS)
            pages.append({"site": site, "date": t0, "kind": "article",
                          "headline": headline, "body": paras, "byline": by})
            if rng.random() < 0.5:
                pages.append({"site": site, "date": t0, "kind": "print",
                              "headline": headline, "body": paras,
                              "byline": by})
            else:
                extra = take_paragraph()
                pages.append({"site": site,
                              "date": t0 + rng.randrange(3600, 2 * 86400),
                              "kind": "update",
                              "headline": "Update: " + headline,
                              "body": paras + [extra], "byline": by})
        else:  # a section front page, filled in below
            pages.append({"site": rng.choice(sites), "date": t0,
                          "kind": "front",
                          "headline": rng.choice(SECTIONS).title(),
                          "body": []})
    pages = pages[:args.pages]
    pages.sort(key=lambda p: p["date"])
    for p in pages:
        if p["kind"] in ("article", "reprint", "brief"):
            p["site"]["pages"].append((p["date"], p["headline"],
                                       first_sentence(p["body"][0])))
    for p in pages:
        if p["kind"] == "front":
            latest = [x for x in p["site"]["pages"] if x[0] < p["date"]][-10:]
            p["body"] = ["%s. %s" % (h, lede) for _, h, lede in latest]
    names = set()
    for i, p in enumerate(pages):
        site = p["site"]
        section = rng.choice(SECTIONS)
        name = "%s-%d" % (slug(p["headline"]), i)
        if p["kind"] == "print":
            name = "print/" + name
        p["path"] = "%s/%s.html" % (section, name)
        path = os.path.join(args.out, site["host"], p["path"])
        assert path not in names
        names.add(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(render(site, p, site["pages"]))
        if "group" in p:
            groups[p["group"]].append(os.path.relpath(path, args.out))
    write_held_by_many(args.out, groups)


if __name__ == "__main__":
    main()
