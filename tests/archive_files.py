"""Files of every kind a newsroom keeps, made by the tests (invented text; no real page copied)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

HARBOUR_PARAGRAPHS = [
    "The harbour authority of Lindqvist Bay approved a new ferry terminal on Tuesday after a two-year dispute with local fishermen.",
    "The terminal will cost 48 million euros and is due to open in the spring of 2026, the authority said in a statement.",
    "Fishermen had argued that the construction would disturb the spawning grounds of herring near the northern pier.",
    "Under the agreement, the builders will pause work during the three weeks of the spawning season every year.",
]
NAVIGATION = ["Home", "World", "Business", "Sport", "Weather", "Subscribe to our newsletter", "Privacy policy", "Contact us"]


def web_page(title: str = "Ferry terminal approved after long dispute", outlet: str = "Baltic Coast Herald", url: str = "https://coastherald.example/news/ferry-terminal") -> str:
    nav = "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAVIGATION)
    body = "".join(f"<p>{p}</p>" for p in HARBOUR_PARAGRAPHS)
    related = "".join(f'<li><a href="/other/{i}">Another headline number {i} about something else entirely</a></li>' for i in range(6))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="2023-09-12T08:30:00Z"><meta name="author" content="Maren Holt">
<link rel="canonical" href="{url}"></head><body>
<header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Maren Holt</p>{body}</article></main>
<aside><h2>Most read</h2><ul>{related}</ul></aside>
<footer><p>© 2023 {outlet}. All rights reserved.</p><ul>{nav}</ul></footer></body></html>"""


def rss_feed() -> str:
    full = "".join(f"<p>{p}</p>" for p in HARBOUR_PARAGRAPHS[:2])
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Northern Wire</title><link>https://northernwire.example/</link><description>News</description><language>en</language>
<item><title>Ferry terminal approved</title><link>https://northernwire.example/ferry</link><guid>nw-1</guid>
<pubDate>Tue, 12 Sep 2023 09:00:00 GMT</pubDate><dc:creator>Ola Berg</dc:creator>
<description>Short teaser.</description><content:encoded><![CDATA[{full}]]></content:encoded></item>
<item><title>Museum reopens its glass wing</title><link>https://northernwire.example/museum</link><guid>nw-2</guid>
<pubDate>Wed, 13 Sep 2023 10:00:00 GMT</pubDate>
<description>The city museum reopened its glass wing on Wednesday after repairs to the roof that took eleven months.</description></item>
</channel></rss>"""


def atom_feed() -> str:
    return """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Gazette</title><id>urn:valley</id><updated>2023-09-14T00:00:00Z</updated>
<entry><title>Bridge inspection finds rust on cables</title><id>urn:valley:1</id><link href="https://valley.example/bridge"/>
<updated>2023-09-14T07:00:00Z</updated><author><name>Ivo Petrak</name></author>
<content type="html">&lt;p&gt;Inspectors found rust on four of the suspension cables of the old river bridge.&lt;/p&gt;&lt;p&gt;The bridge will close to lorries from Monday until the cables are replaced.&lt;/p&gt;</content></entry>
</feed>"""


def jsonl_export(extra_lines: list[str] | None = None) -> str:
    rows = [
        {
            "headline": "Library extends its opening hours",
            "body": "The central library will stay open until ten in the evening from October.\nThe council found the money in its culture budget.",
            "published": "2023-09-20",
            "url": "https://citydaily.example/library",
            "source": "City Daily",
            "author": "Ana Ruiz",
        },
        {
            "title": "Tram line 4 closes for repairs",
            "content": "<p>Tram line 4 will close for three weeks of track repairs.</p><p>Buses will replace the trams.</p>",
            "date": "2023-09-21T06:00:00",
            "link": "https://citydaily.example/tram",
            "outlet": "City Daily",
        },
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(1, '{"title": "broken line", "text": ')
    lines.append(json.dumps({"title": "no text here", "url": "https://citydaily.example/empty"}))
    return "\n".join(lines + (extra_lines or [])) + "\n"


def csv_export() -> str:
    return (
        "Title,Text,Published,URL,Outlet,Language\n"
        '"Orchard harvest smaller this year","Apple growers in the valley picked a third fewer apples than last year, after a late frost in April.",2023-09-05,https://farmnews.example/apples,Farm News,en\n'
        '"Empty row",,2023-09-06,https://farmnews.example/empty,Farm News,en\n'
        '"Honey prices rise","Beekeepers raised the price of honey by a tenth because of the wet summer.",2023-09-07,https://farmnews.example/honey,Farm News,en\n'
    )


def pdf_bytes(lines: list[str] | None = None, title: str = "Council minutes", author: str = "Town clerk", password: str | None = None) -> bytes:
    """A one-page PDF with a text layer (Helvetica), or with ``lines=[]`` a page with none."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    if lines:
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
        escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
        body = " ".join(f"({line}) Tj 0 -16 Td" for line in escaped)
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 11 Tf 60 740 Td {body} ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Title": title, "/Author": author, "/CreationDate": "D:20230915120000Z"})
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_LINES = [
    "The town council met on Friday to discuss the budget for the new swimming pool.",
    "Councillors agreed to spend 3.5 million euros on the pool, which will have eight lanes.",
    "Work is planned to begin in January and to last about fourteen months.",
]


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return out.getvalue()


def newsroom_archive(root: Path) -> Path:
    """A folder of every kind, nested two levels deep: 2023/09/ holds a page, feeds, exports, a
    PDF and a zip of text files."""
    month = root / "2023" / "09"
    month.mkdir(parents=True)
    (month / "ferry.html").write_text(web_page(), encoding="utf-8")
    (month / "wire.rss").write_text(rss_feed(), encoding="utf-8")
    (month / "valley.atom").write_text(atom_feed(), encoding="utf-8")
    (month / "citydaily.jsonl").write_text(jsonl_export(), encoding="utf-8")
    (month / "farm.csv").write_text(csv_export(), encoding="utf-8")
    (month / "council.pdf").write_bytes(pdf_bytes(PDF_LINES))
    (month / "notes.zip").write_bytes(
        zip_bytes(
            {
                "week1/cafe.txt": "New cafe opens by the station\nA cafe with forty seats opened by the railway station on Monday.\nIt serves breakfast from six in the morning.\n",
                "week2/park.md": "# Park gets new benches\n\nThe park by the river received twelve new benches made of recycled plastic.\n",
            }
        )
    )
    return root
