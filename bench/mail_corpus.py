#!/usr/bin/env python3
"""Writes a mailing-list archive with the features that real archives have
and that make copy detection go wrong, built from real text (bbc-news
articles as what people write, reuters21578 stories as what they forward):

  OUT/<list>/<nnnnn>.eml   one RFC 5322 message a file, a folder a list
  OUT/held-by-many.tsv  the messages of each story forwarded by 25 to
                           40, a line per story

What the messages hold, as list archives do:
  * every message of a list ends with that list's footer (the list server
    adds it); one list also adds one of a few rotating advertisements;
  * every sender signs with a signature; senders of one company add the
    company's legal disclaimer, whatever list they write to;
  * replies quote the message they answer ("> " lines after an
    attribution line), whole or cut, above or below the new text;
  * short replies ("Thanks, that fixed it.") that are little more than a
    signature and a footer: the stubs near-duplicate clusters chain through;
  * spam runs: the same advertisement sent many times with a name, an
    amount and a random token changed (near-duplicates of one another);
  * messages cross-posted to two lists (the same body, two footers);
  * wire stories forwarded by several senders to different lists, each
    with their own comment above, some cut short, within four days: most
    by 2 to 12 senders, one in eight by 25 to 40 (copy held by many, more
    than the 20 documents that make text common);
  * a weekly newsletter in HTML only, its header, menu and unsubscribe
    footer the same every week around that week's stories;
  * multipart/alternative bodies with an HTML copy, and quoted-printable.

Dates run over two years; threads, spam runs and forwards come in bursts.
The corpus carries no labels: bench/oracle.cc scores mimeo's output on it
with exact figures, like the other real corpora. Deterministic for a seed.

  bench/mail_corpus.py --datasets ../shared/datasets --out DIR
                       [--messages 4000] [--seed 1]
"""
import argparse
import email.utils
import os
import quopri
import random

from corpus_text import (paragraphs, shuffled_texts, wrap,
                         write_held_by_many)

AD_TEXTS = [
    "Find the perfect holiday cottage for your family this summer. Over "
    "twelve thousand hand picked properties by the sea and in the hills, "
    "with no booking fees when you reserve before the end of the month.",
    "Tired of slow broadband? Switch today and get your first three months "
    "at half price, free installation and a wireless router worth forty "
    "pounds. Offer open to new customers only, subject to availability.",
    "Learn a new language in just ten minutes a day with our award winning "
    "audio courses. Try the first lesson free and join more than two "
    "million learners who already speak with confidence.",
    "Looking for a new job? Thousands of vacancies in engineering, finance "
    "and healthcare are added every week. Upload your CV once and let the "
    "best employers find you.",
]

SPAM_TEMPLATES = [
    "Dear {name},\n\nWe are pleased to inform you that your email address "
    "has been selected in our annual international lottery draw. You have "
    "won the sum of {amount} US dollars. To claim your prize please contact "
    "our claims agent with your full name, address and telephone number "
    "quoting reference number {token}.\n\nThis programme is sponsored by "
    "leading software companies to promote the use of the internet. Keep "
    "this notice confidential until your claim has been processed.\n\n"
    "Yours faithfully,\nMrs Grace Holloway\nLottery Coordinator",
    "Hello {name},\n\nAre you paying too much for your mortgage? Rates have "
    "never been lower. Our brokers compare hundreds of lenders in minutes "
    "and can cut your monthly payments by up to {amount} dollars. No "
    "obligation and no credit check to get a quote.\n\nClick here to start: "
    "http://rates.example.net/q/{token}\n\nTo stop receiving these offers "
    "reply with REMOVE in the subject line.",
    "ATTENTION {name}\n\nI am a senior official of a state bank and I need "
    "your help to move the sum of {amount} dollars left in a dormant "
    "account by a foreign customer who died without a next of kin. You "
    "will receive thirty percent of the total for your assistance. The "
    "transaction is risk free and will be completed within ten working "
    "days. Reply to this private address with your bank details. "
    "Reference {token}.\n\nDr. Samuel Okafor",
    "Hi {name}, genuine watches at a fraction of the price! Rolex, Omega, "
    "Cartier and more, all with free worldwide shipping. Save up to "
    "{amount} on every order this week only. Visit "
    "http://watches.example.org/{token} now before stock runs out.",
    "{name}, your account has been temporarily suspended because we "
    "noticed unusual sign in activity. To restore full access please "
    "verify your identity within 48 hours by following the secure link "
    "below. Failure to verify will result in permanent closure.\n\n"
    "https://secure-verify.example.com/login?id={token}\n\n"
    "Account Security Team",
]

SHORT_REPLIES = [
    "Thanks, that fixed it.", "+1", "Same problem here.", "Thank you!",
    "Works for me now, thanks for the quick answer.",
    "Agreed.", "Any update on this?", "I see the same thing on my machine.",
    "Great, thanks.", "Please take this off list.", "Me too.",
    "Could you send the log file?", "Sorry, wrong list.",
    "Count me in.", "Ping.", "Nice work, thanks everyone.",
]

COMMENTS = [
    "FYI, thought this would interest people here.",
    "Interesting read, see below.", "Worth a look.",
    "Forwarding in case anyone missed it.",
    "This is relevant to last week's discussion.",
    "Not sure what to make of this one.", "See the story below.",
    "Any thoughts on this?",
]

QUOTES = [
    "Sent from my phone",
    "There are only two hard things in computer science.",
    "Please consider the environment before printing this email.",
    "Get your own free mailbox at mail.example.com",
]

FIRST = ["Anna", "Ben", "Carla", "David", "Elena", "Frank", "Greta", "Hugo",
         "Irene", "Jonas", "Karin", "Lars", "Maria", "Nils", "Olga", "Paul",
         "Rita", "Simon", "Tanja", "Uwe", "Vera", "Walter", "Yusuf", "Zoe"]
LAST = ["Berger", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen",
        "Ivanov", "Jansen", "Keller", "Larsen", "Moreau", "Novak", "Olsen",
        "Peters", "Quinn", "Rossi", "Schmidt", "Tanaka", "Weber"]
COMPANIES = [
    ("Northwind Logistics", "This message and any attachments are "
     "confidential and intended solely for the addressee. If you have "
     "received it in error please notify the sender and delete it. "
     "Northwind Logistics accepts no liability for any damage caused by "
     "viruses transmitted by this email. Registered in England number "
     "4471122."),
    ("Halvorsen Partners", "The information contained in this "
     "communication is privileged and may be subject to legal professional "
     "privilege. Any review, retransmission or other use by persons other "
     "than the intended recipient is prohibited. Halvorsen Partners LLP is "
     "authorised and regulated by the Solicitors Regulation Authority."),
    ("Bluefield University", "Bluefield University is a registered charity. "
     "The views expressed in this email are those of the author and do not "
     "necessarily represent the views of the university. Emails may be "
     "monitored for the purposes of security and staff training."),
]
LISTS = ["users", "devel", "announce-discuss", "community", "offtopic"]
AD_LIST = "community"


def quote(text):
    return "\n".join(("> " + l) if l else ">" for l in text.split("\n"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--messages", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    articles, stories = shuffled_texts(args.datasets, rng, "mail_corpus")
    own = [paras for _, paras in articles]
    # What people write: the bbc-news articles, then wire stories not kept
    # for forwarding, so that no text is written twice by chance.
    forwardable = stories[:len(stories) // 4]
    own += [paragraphs(s) for s in stories[len(stories) // 4:]]
    stories = forwardable

    senders = []
    for i in range(90):
        name = "%s %s" % (FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)])
        addr = "%s.%s%d@example.%s" % (name.split()[0].lower(),
                                       name.split()[1].lower(), i,
                                       rng.choice(["org", "com", "net"]))
        company = rng.choice(COMPANIES) if rng.random() < 0.3 else None
        sig = "-- \n" + name
        if company:
            sig += "\n" + rng.choice(["Engineer", "Manager", "Analyst",
                                      "Consultant"]) + ", " + company[0]
            sig += "\nTel +44 20 %04d %04d" % (rng.randrange(10000),
                                                 rng.randrange(10000))
        if rng.random() < 0.3:
            sig += "\n" + rng.choice(QUOTES)
        if company:
            sig += "\n\n" + wrap(company[1])
        lists = rng.sample(LISTS, rng.choice([1, 1, 2, 3]))
        senders.append({"name": name, "addr": addr, "sig": sig,
                        "lists": lists})

    def footer(lst):
        f = ("_______________________________________________\n"
             "%s mailing list\n%s@lists.example.org\n"
             "https://lists.example.org/mailman/listinfo/%s" % (lst, lst, lst))
        if lst == AD_LIST:
            f = wrap(rng.choice(AD_TEXTS)) + "\n\n" + f
        return f

    newsletter_sender = {
        "name": "The Weekly Roundup", "addr": "news@roundup.example.com",
        "lists": ["announce-discuss"],
        "sig": "You are receiving this email because you subscribed to The "
               "Weekly Roundup. Our mailing address is 12 Harbour Street, "
               "Leith, Edinburgh. Want to change how you receive these "
               "emails? You can update your preferences or unsubscribe from "
               "this list. Copyright 2009 The Weekly Roundup, all rights "
               "reserved."}
    NEWSLETTER_TOP = ("View this email in your browser. The Weekly Roundup: "
                      "news, events and offers from around the community. "
                      "Home | Events | Jobs | Classifieds | Contact us")
    groups = []  # per story forwarded by 25 to 40: its messages' paths
    messages = []  # dicts: list, sender, date, subject, body, msgid, irt
    start = 1230768000  # 2009-01-01
    span = 2 * 365 * 86400
    own_i = 0

    def take_own(lo, hi):
        nonlocal own_i
        if own_i == len(own):
            raise SystemExit("mail_corpus: out of text for so many messages")
        paras = own[own_i]
        own_i += 1
        n = rng.randint(lo, hi)
        return "\n\n".join(wrap(p) for p in paras[:n])

    def add(lst, sender, date, subject, body, irt=None):
        m = {"list": lst, "sender": sender, "date": date,
             "subject": subject, "body": body, "irt": irt,
             "msgid": "<%d.%d@example.org>" % (len(messages), args.seed)}
        messages.append(m)
        return m

    def text_of(m):
        return m["body"] + "\n\n" + m["sender"]["sig"]

    while len(messages) < args.messages:
        kind = rng.random()
        t0 = start + rng.randrange(span)
        if kind < 0.55:  # a thread
            s = rng.choice(senders)
            lst = rng.choice(s["lists"])
            subject = "Re: " + " ".join(own[own_i % len(own)][0].split()[:6])
            root = add(lst, s, t0, subject[4:], take_own(1, 4))
            prev, t = root, t0
            for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8])):
                t += rng.randrange(600, 3 * 86400)
                r = rng.choice([x for x in senders if lst in x["lists"]] or
                               senders)
                attrib = "On %s, %s wrote:" % (
                    email.utils.formatdate(prev["date"]), prev["sender"]["name"])
                quoted = text_of(prev)
                if rng.random() < 0.4:  # cut the quote to its start
                    quoted = "\n\n".join(quoted.split("\n\n")[:2])
                new = (rng.choice(SHORT_REPLIES) if rng.random() < 0.3
                       else take_own(1, 2))
                if rng.random() < 0.5:
                    body = new + "\n\n" + attrib + "\n" + quote(quoted)
                else:
                    body = attrib + "\n" + quote(quoted) + "\n\n" + new
                if rng.random() < 0.25:  # no quote at all
                    body = new
                prev = add(lst, r, t, subject, body, prev["msgid"])
        elif kind < 0.65:  # a spam run
            tpl = rng.randrange(len(SPAM_TEMPLATES))
            for _ in range(rng.randint(5, 30)):
                name = rng.choice(FIRST) + " " + rng.choice(LAST)
                body = SPAM_TEMPLATES[tpl].format(
                    name=name, amount="{:,}".format(rng.randrange(1000, 900000)),
                    token="%08x" % rng.getrandbits(32))
                fake = {"name": "Offers", "addr": "no-reply@example.biz",
                        "sig": "", "lists": LISTS}
                add(rng.choice(LISTS), fake,
                    t0 + rng.randrange(0, 5 * 86400),
                    "Important notice", wrap(body))
        elif kind < 0.72:  # a cross-post
            s = rng.choice(senders)
            two = rng.sample(LISTS, 2)
            body = take_own(2, 5)
            for lst in two:
                add(lst, s, t0 + rng.randrange(0, 60), "Cross-posted", body)
        elif kind < 0.82:  # a wire story forwarded by several
            if not stories:
                raise SystemExit("mail_corpus: out of stories to forward "
                                 "for so many messages")
            # Its paragraphs (indented lines in reuters21578) apart, so
            # that a forward may keep the first two thirds of them.
            story = "\n\n".join(wrap(" ".join(p.split()))
                                  for p in paragraphs(stories.pop()))
            # Most stories a few forward, one in eight the whole list.
            many = rng.random() < 0.125
            group = len(groups)
            if many:
                groups.append([])
            for _ in range(rng.randint(25, 40) if many else rng.randint(2, 12)):
                s = rng.choice(senders)
                text = story
                if rng.random() < 0.3:  # cut short
                    paras = text.split("\n\n")
                    text = "\n\n".join(paras[:max(1, len(paras) * 2 // 3)])
                body = (rng.choice(COMMENTS) + "\n\n"
                        "---------- Forwarded message ----------\n"
                        "From: Newswire <desk@wire.example.com>\n"
                        "Subject: Market report\n\n" + text)
                m = add(rng.choice(s["lists"]), s,
                        t0 + rng.randrange(0, 4 * 86400), "Fwd: news", body)
                if many:
                    m["group"] = group
        elif kind < 0.85:  # a newsletter issue
            s = newsletter_sender
            body = "\n\n".join(take_own(1, 3) for _ in range(rng.randint(2, 4)))
            m = add("announce-discuss", s, t0, "Weekly digest", body)
            m["html_only"] = True
        else:  # a lone post
            s = rng.choice(senders)
            add(rng.choice(s["lists"]), s, t0, "Question", take_own(1, 6))

    counts = {}
    for m in messages[:args.messages]:
        lst = m["list"]
        counts[lst] = counts.get(lst, 0) + 1
        body = text_of(m).rstrip() + "\n\n" + footer(lst) + "\n"
        headers = [
            "From: %s <%s>" % (m["sender"]["name"], m["sender"]["addr"]),
            "To: %s@lists.example.org" % lst,
            "Subject: [%s] %s" % (lst, m["subject"]),
            "Date: " + email.utils.formatdate(m["date"]),
            "Message-ID: " + m["msgid"],
            "List-Id: <%s.lists.example.org>" % lst,
            "MIME-Version: 1.0",
        ]
        if m["irt"]:
            headers.append("In-Reply-To: " + m["irt"])
        r = rng.random()
        if m.get("html_only"):
            body = NEWSLETTER_TOP + "\n\n" + body
            html = ("<html><head><style>p {margin: 0}</style></head><body>"
                    "<table><tr><td>" + "".join(
                        "<p>%s</p>" % p.replace("&", "&amp;")
                        .replace("<", "&lt;") for p in body.split("\n\n")) +
                    "</td></tr></table></body></html>")
            headers.append("Content-Type: text/html; charset=utf-8")
            payload = html
        elif r < 0.2:  # an HTML copy beside the text
            boundary = "=_part_%08x" % rng.getrandbits(32)
            html = "<html><body>" + "".join(
                "<p>%s</p>" % p.replace("&", "&amp;").replace("<", "&lt;")
                .replace("\n", "<br>\n") for p in body.split("\n\n")) + \
                "</body></html>"
            headers.append('Content-Type: multipart/alternative; '
                           'boundary="%s"' % boundary)
            payload = ("This is a multi-part message in MIME format.\n\n"
                       "--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n"
                       "--%s\nContent-Type: text/html; charset=utf-8\n\n%s\n"
                       "--%s--\n" % (boundary, body, boundary, html, boundary))
        elif r < 0.35:  # quoted-printable
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: quoted-printable")
            payload = quopri.encodestring(body.encode("utf-8")).decode("ascii")
        else:
            headers.append("Content-Type: text/plain; charset=utf-8")
            payload = body
        folder = os.path.join(args.out, lst)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "%05d.eml" % counts[lst])
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(headers) + "\n\n" + payload)
        if "group" in m:
            groups[m["group"]].append(os.path.relpath(path, args.out))
    write_held_by_many(args.out, groups)


if __name__ == "__main__":
    main()
