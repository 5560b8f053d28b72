#!/usr/bin/env python3
"""Writes the demo corpus: short news-style texts the project wrote itself.

Three stories, each printed by several outlets with their own edits, plus
stories that are original. Run from anywhere; the files land beside this
script under texts/. Deterministic: no randomness.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "texts")

HARBOUR = (
    "The port authority of Lindqvist Bay said on Tuesday that the new "
    "container terminal would open in March, two years later than first "
    "planned, after storms damaged the outer breakwater last winter. "
    "Officials told reporters that repairs to the breakwater had cost more "
    "than forty million crowns and that insurers had covered about half of "
    "the bill. The terminal is expected to handle eight hundred thousand "
    "containers a year once fully running, making it the largest on the "
    "northern coast. Local fishing cooperatives have criticised the project, "
    "saying that dredging the channel drove herring away from grounds their "
    "members have worked for generations. The authority said it had "
    "commissioned an independent study of the herring stocks and would "
    "publish the results before the terminal opens."
)

COUNCIL = (
    "Members of the Ostrava Vale town council voted eleven to four on Monday "
    "evening to close the Mill Street library branch at the end of the year "
    "and move its collection to the central library. The council's finance "
    "chair said the branch needed a new roof and heating system that the town "
    "could not afford, and that visits had fallen by a third since the "
    "pandemic. Residents who packed the public gallery held signs reading "
    "keep our library open, and several speakers said older people without "
    "cars would be cut off from the service. A petition against the closure "
    "has gathered more than three thousand signatures, and organisers said "
    "they would ask the regional ombudsman to review the decision."
)

COMET = (
    "Astronomers at the Kestrel Ridge observatory have identified a faint "
    "comet that will pass within sight of the naked eye in late October, "
    "according to a statement released on Friday. The comet, catalogued as "
    "C/2031 K4, was first spotted in images taken by an automated survey "
    "telescope and confirmed by follow-up observations over three nights. "
    "Its orbit suggests it last visited the inner solar system more than "
    "six thousand years ago. The observatory's director said the best views "
    "would come in the hour before dawn, low in the eastern sky, and urged "
    "people to find a spot away from street lights."
)

ORIGINALS = {
    "garden-show.txt":
        "The annual garden show in Bellmere opened on Saturday with more than "
        "two hundred exhibitors, from rose growers to makers of hand-forged "
        "tools. Judges awarded the top prize to a small walled garden planted "
        "entirely with species native to the river valley.",
    "rail-timetable.txt":
        "Commuters on the coastal line will see a new timetable from next "
        "month, with an extra early train and longer gaps between services "
        "in the middle of the day. The operator said the change followed a "
        "survey of passengers and would be reviewed after six months.",
    "bakery.txt":
        "A bakery that has stood on the corner of Hythe Lane for ninety years "
        "will close its doors in the spring when its owners retire. The "
        "family said they had not found a buyer willing to keep the ovens "
        "burning before four every morning.",
}


# A weekly column that quotes two paragraphs of the harbour story between
# its own opening and closing: shared copy, though the two documents are
# far from near-duplicates.
HARBOUR_SENTENCES = HARBOUR.split(". ")
ROUNDUP = (
    "It has been a week of long meetings and short tempers along the coast. "
    "In Saltmarsh the ferry company finally agreed to restore the Sunday "
    "crossing, while in Kettle Point the school board is still arguing about "
    "where to put the new sports hall. The biggest news came from the north. "
    + ". ".join(HARBOUR_SENTENCES[:2]) + ". "
    "Anyone who has watched the cranes stand idle on the quay all summer will "
    "not be surprised. Further along the shore the mood is darker. "
    + ". ".join(HARBOUR_SENTENCES[3:5]) + " "
    "We will return to the herring question when the study is out. Until "
    "then, the column wishes its readers calm seas and a dry weekend."
)

# A web page that carries the comet story inside its own navigation,
# script and footer, which the HTML reader must drop.
COMET_PAGE = """<!DOCTYPE html>
<html><head><title>Night sky: a comet for October</title>
<style>body {{ font-family: serif }}</style>
<script>var tracker = "page view";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/sky">Night sky</a> | <a href="/about">About</a></nav>
<article>
<h1>A comet for October</h1>
<p>Readers have been writing in all week to ask about the new comet.
Here is what the observatory said.</p>
<p>{body}</p>
<p>Send us your photographs &amp; sketches: the best will appear in next
month&#8217;s issue.</p>
</article>
<footer>Night Sky Monthly, published by the Kestrel Ridge Astronomy Club.</footer>
</body></html>
"""

# A feed of agency stories in JSON lines (one object per line, the layout
# of most crawl dumps): one rewrites the library story's first half.
FEED = [
    {"id": "agency-0412", "date": "2031-04-12",
     "text": COUNCIL.split(". Residents")[0] + ". The decision follows a "
             "review of all five branches ordered in the spring."},
    {"id": "agency-0413", "date": "2031-04-13",
     "text": "Farmers in the upper valley say a dry spring has left reservoirs "
             "at their lowest level in twenty years, and the water board has "
             "asked households to stop watering gardens until the autumn "
             "rains arrive."},
]


def write(name, text):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.strip() + "\n")


def main():
    # The harbour story: the wire original, a reprint with its own opening
    # and ending, and a lightly edited copy with typographic quotes.
    write("wire/harbour-terminal.txt", HARBOUR)
    write("coastal-herald/terminal-delay.txt",
          "Our reporter in Lindqvist Bay writes: " + HARBOUR +
          " The Herald will follow the study closely.")
    write("northern-post/harbour.txt",
          HARBOUR.replace("on Tuesday", "this week")
                 .replace("more than forty", "more than \u201cforty")
                 .replace("million crowns", "million crowns\u201d")
                 .replace("said it had", "said that it had"))
    # The council story, in three versions of one outlet's article.
    write("valley-times/library-v1.txt", COUNCIL.split(". Residents")[0] + ".")
    write("valley-times/library-v2.txt", COUNCIL)
    write("valley-times/library-v3.txt",
          COUNCIL + " The ombudsman's office confirmed on Wednesday that it "
          "had received the request.")
    # The comet story: wire original and a reprint in capitals with the
    # sentences about the orbit cut.
    write("wire/comet.txt", COMET)
    write("sky-weekly/comet.txt",
          COMET.replace(" Its orbit suggests it last visited the inner solar "
                        "system more than six thousand years ago.", "")
               .replace("Astronomers", "ASTRONOMERS"))
    for name, text in ORIGINALS.items():
        write("originals/" + name, text)
    write("island-gazette/week-in-review.md", ROUNDUP)
    write("night-sky/comet.html",
          COMET_PAGE.format(body=" ".join(COMET.split(". ")[:2]) + "."))
    write("feeds/agency.jsonl",
          "\n".join(json.dumps(line, ensure_ascii=False) for line in FEED))


if __name__ == "__main__":
    main()
