#!/usr/bin/env python3
"""Builds RSS 2.0 and Atom feeds from a folder of text articles with
feedgenerator (Django's feed generator, Debian's python3-feedgenerator): the
baseline bench/build.sh compares feedpub's full build with.

Usage:

    python3 bench/build_feedgen.py ARTICLES OUTPUT [LIMIT]

It does what a feedpub full build does, minus the ledger and the
validation, the simple way: it walks ARTICLES in lexical order, reads every
*.txt file, takes a trailing block of short lines that do not end like
sentences as headlines, makes one item of the article (its first sentence
as the title, its first paragraph as the summary, its paragraphs as HTML)
and one title-only item of each headline not seen before, dates every item
with the time of the build, as a first build does, keeps the newest LIMIT
(default 50), equal dates in file order, and writes OUTPUT/news.rss
(Rss201rev2Feed) and OUTPUT/news.atom (Atom1Feed). It prints the number of
files and items read on stdout.
"""

import datetime
import heapq
import html
import os
import re
import sys

import feedgenerator

SITE = "https://news.example.com/"
BASE = "http://127.0.0.1:8080/"
TAG = "tag:news.example.com,2026-01-01:wire/"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"])")
CLOSING_QUOTES = "\"'’”»›"


def articles(root):
    """Yields (relative path, absolute path) of every *.txt below root,
    in lexical order, skipping names that start with a dot."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".txt") and not name.startswith("."):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root).replace(os.sep, "/"), path


def headline_like(line):
    line = line.strip()
    return 0 < len(line) <= 200 and line.rstrip(CLOSING_QUOTES)[-1:] not in ".!?…"


def blocks(text):
    """Splits text into blocks of non-blank lines."""
    out, cur = [], []
    for line in text.splitlines():
        if line.strip():
            cur.append(" ".join(line.split()))
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def cut(text, limit):
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse(rel, path):
    """Returns the article item of one file (or None) and its headlines."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        bs = blocks(f.read())
    headlines = []
    if len(bs) >= 2 and all(headline_like(h) for h in bs[-1]):
        headlines = bs.pop()
    paragraphs = [p for b in bs for p in b]
    if not paragraphs:
        return None, headlines
    lead = paragraphs[0]
    title = cut(SENTENCE_END.split(lead, 1)[0], 110)
    item = {
        "title": title,
        "link": BASE + "items/" + slug(rel[: -len(".txt")]),
        "unique_id": TAG + rel,
        "summary": cut(lead, 300),
        "content": "".join("<p>" + html.escape(p, quote=False) + "</p>" for p in paragraphs),
    }
    return item, headlines


def items(root, stats):
    """Yields every item of every article, in file order."""
    seen = set()
    for rel, path in articles(root):
        stats["files"] += 1
        item, headlines = parse(rel, path)
        if item is not None:
            yield item
        for h in headlines:
            key = " ".join(h.lower().replace("’", "'").replace("–", "-").split())
            if key in seen:
                continue
            seen.add(key)
            yield {"title": h, "link": BASE + "items/headline/" + slug(key), "unique_id": TAG.rstrip("/") + "#" + slug(key)}


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: build_feedgen.py ARTICLES OUTPUT [LIMIT]")
    root, output = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) == 4 else 50
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stats = {"files": 0, "items": 0}

    def dated():
        for seq, it in enumerate(items(root, stats)):
            stats["items"] += 1
            it["pubdate"] = now
            yield (-it["pubdate"].timestamp(), seq), it

    # The newest first, equal dates in file order; only LIMIT are kept.
    newest = [it for _, it in heapq.nsmallest(limit, dated(), key=lambda e: e[0])]

    common = dict(title="Bench News", link=SITE, description="Generated articles", language="en")
    rss = feedgenerator.Rss201rev2Feed(feed_url=BASE + "news.rss", **common)
    atom = feedgenerator.Atom1Feed(feed_url=BASE + "news.atom", feed_guid=TAG + "news", **common)
    for it in newest:
        rss.add_item(title=it["title"], link=it["link"], description=it.get("content"),
                     unique_id=it["unique_id"], pubdate=it["pubdate"])
        atom.add_item(title=it["title"], link=it["link"], description=it.get("summary"),
                      content=it.get("content"), unique_id=it["unique_id"],
                      pubdate=it["pubdate"], updateddate=it["pubdate"])
    os.makedirs(output, exist_ok=True)
    for name, f in (("news.rss", rss), ("news.atom", atom)):
        tmp = os.path.join(output, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fp:
            f.write(fp, "utf-8")
        os.replace(tmp, os.path.join(output, name))
    print(f"{stats['files']} files, {stats['items']} items, {len(newest)} published")


if __name__ == "__main__":
    main()
