"""HTML for the chat window: answers with [n] links, and the citations they lead to.

    html = render_answer(answer, turn="3")   # "[1]" becomes a link to citation 1 of turn 3

Only presentation lives here: the answer text and its citations come checked from rag/.
Every piece of article or model text is HTML-escaped before it is placed in the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from rag.languages import language_name
from rag.queue import QueueStatus
from rag.text import markers
from rag.types import Answer, ArticleSummary, Citation, Evidence, Preview, UploadStatus

FLAGGED_TITLE = "Addressed to an AI: kept out of answers"
DOUBTFUL_TITLE = "Machine translation of low confidence: read the original"

# Opens the citation a [n] link points to. Chat messages cannot carry scripts or data-*
# attributes (the chat sanitizes them; ids and hrefs survive), so one listener in the page head does it.
CITATION_SCRIPT = """
<script>
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.cite-link");
  if (!link) return;
  var box = document.getElementById((link.getAttribute("href") || "").slice(1));
  if (!box) return;
  event.preventDefault();
  box.open = true;
  box.scrollIntoView({block: "nearest"});
}, true);
</script>
"""

CSS = """
.citation { border: 1px solid var(--border-color-primary); border-radius: 6px; margin: 6px 0; padding: 4px 8px; }
.citation > summary { cursor: pointer; font-weight: 600; }
.citation .meta { font-weight: 400; color: var(--body-text-color-subdued); }
.passages { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 6px; }
.passage h4 { margin: 0 0 4px 0; font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.03em; }
.passage p { margin: 0; font-size: 0.92em; }
.answer-note, .answer-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
a.cite-link { text-decoration: none; font-weight: 600; }
.passage mark.evidence { background: #fff1a8; color: inherit; padding: 0 1px; }
.passage .flagged { text-decoration: line-through dotted; color: var(--body-text-color-subdued); }
.passage .doubtful { text-decoration: underline dotted #b45309; }
.doubt-note { color: #b45309; font-size: 0.85em; }
.passage .flag-note, .articles .flag-note { color: #b45309; font-size: 0.85em; }
.preview blockquote { margin: 4px 0 8px 0; padding: 2px 8px; border-left: 3px solid var(--border-color-primary); font-size: 0.92em; }
.preview .preview-original { color: var(--body-text-color-subdued); margin-top: 2px; }
.articles { width: 100%; border-collapse: collapse; font-size: 0.9em; }
.articles th, .articles td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid var(--border-color-primary); }
.articles td.num { text-align: right; }
.articles .source { color: var(--body-text-color-subdued); font-size: 0.85em; }
"""


def _text(value: str) -> str:
    """Escaped, with line breaks as <br>: a blank line would end the chat's HTML block early."""
    return "<br>".join(escape(line, quote=False) for line in value.splitlines())


def cite_key(turn: str, number: int) -> str:
    return f"{turn}-{number}"


def link_citations(text: str, turn: str, numbers: set[int]) -> str:
    """Escape ``text`` and turn each [n] that has a citation into a link to it."""
    out: list[str] = []
    last = 0
    for start, end, cited in markers(text):
        out.append(_text(text[last:start]))
        links = []
        for n in cited:
            if n in numbers:
                key = cite_key(turn, n)
                links.append(f'<a class="cite-link" href="#cite-{key}">[{n}]</a>')
            else:
                links.append(f"[{n}]")
        out.append("".join(links))
        last = end
    out.append(_text(text[last:]))
    return "".join(out)


def _marked(text: str, evidence: list[tuple[int, int]], flagged: list[tuple[int, int]], doubtful: Sequence[tuple[int, int]] = ()) -> str:
    """``text`` escaped: its evidence spans in <mark>, flagged spans struck through, doubtful
    translations underlined."""
    kinds: dict[tuple[int, int], list[str]] = {}
    for span in evidence:
        kinds.setdefault(span, []).append("evidence")
    for span in flagged:
        if span not in evidence:
            kinds.setdefault(span, []).append("flagged")
    for span in doubtful:
        kinds.setdefault(span, []).append("doubtful")
    out: list[str] = []
    last = 0
    for (start, end), classes in sorted(kinds.items()):
        if start < last or end > len(text) or start >= end:
            continue  # overlapping or stale offsets: show the text plainly
        out.append(_text(text[last:start]))
        inner = _text(text[start:end])
        title = FLAGGED_TITLE if "flagged" in classes else DOUBTFUL_TITLE if "doubtful" in classes else ""
        tag = "mark" if "evidence" in classes else "span"
        out.append(f'<{tag} class="{" ".join(classes)}"' + (f' title="{title}"' if title else "") + f">{inner}</{tag}>")
        last = end
    out.append(_text(text[last:]))
    return "".join(out)


def _doubt_reason(evidence: list[Evidence]) -> str:
    """What the doubt rests on, in a reader's words."""
    read = [e.signals for e in evidence if e.signals is not None]
    if read:
        return f"the translating model gave its own words a mean probability of {math.exp(min(s.mean_logprob for s in read)):.2f}"
    return f"confidence {min(e.confidence for e in evidence):.2f}"


def render_citation(citation: Citation, turn: str) -> str:
    key = cite_key(turn, citation.number)
    language = language_name(citation.language)
    date = _text(citation.date) if citation.date else "undated"
    doubtful = [s for s in citation.sentences if s.doubtful]
    english = _marked(citation.text, [(e.start, e.end) for e in citation.evidence], [(s.start, s.end) for s in citation.sentences if s.flagged], [(s.start, s.end) for s in doubtful])
    original = _marked(
        citation.original_text,
        [(e.original_start, e.original_end) for e in citation.evidence],
        [(s.original_start, s.original_end) for s in citation.sentences if s.flagged],
    )
    flagged = sum(s.flagged for s in citation.sentences)
    note = f'<p class="flag-note">{flagged} sentence{"s" if flagged != 1 else ""} of this passage addressed to an AI: kept out of answers.</p>' if flagged else ""
    # Where the quoted sentence's translation is doubtful, the original comes first.
    quoted_doubtful = [e for e in citation.evidence if e.doubtful]
    if quoted_doubtful:
        note += f'<p class="doubt-note">The machine translation of the quoted sentence is doubtful ({_doubt_reason(quoted_doubtful)}): the original comes first.</p>'
    heading = "English" if citation.language == "en" else "English (machine translation)"
    english_box = f'<div class="passage passage-english"><h4>{heading}</h4><p lang="en">{english}</p></div>'
    original_box = f'<div class="passage passage-original"><h4>Original ({_text(language)})</h4><p lang="{escape(citation.language)}">{original}</p></div>'
    boxes = original_box + english_box if quoted_doubtful else english_box + original_box
    outlet = _text(citation.outlet) if citation.outlet else "outlet unknown"
    if citation.kind == "feed-summary":
        note += '<p class="doubt-note">The feed carried only a summary of this story, not the whole article.</p>'
    return (
        f'<details class="citation" id="cite-{key}">'
        f"<summary>[{citation.number}] {_text(citation.title)} "
        f'<span class="meta">· <span class="outlet">{outlet}</span> · {date} · {_text(language)} · {_text(citation.source)}</span></summary>'
        f'{_published_in(citation)}<div class="passages">{boxes}</div>{note}</details>'
    )


def _link(url: str | None, label: str) -> str:
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{_text(label)}</a>'
    return _text(label)


def _published_in(citation: Citation) -> str:
    """Where the story was published: this article's outlet and link, then every copy's."""
    places = [(citation.outlet or citation.source, citation.url, citation.date)] + [(c.outlet or c.source, c.url, c.date) for c in citation.copies]
    if not any(url for _, url, _ in places) and not citation.copies:
        return ""
    items = "".join(f"<li>{_link(url, name)}{f' · {_text(day)}' if day else ''}</li>" for name, url, day in places)
    title = f"Published by {len(places)} outlets" if len(places) > 1 else "Published"
    return f'<div class="published"><span class="answer-meta">{title}:</span><ul>{items}</ul></div>'


def render_answer(answer: Answer, turn: str) -> str:
    """The final chat message: the answer with linked [n], any note, then its citations."""
    if answer.refused:
        body = f'<p class="answer">{_text(answer.text.strip())}</p>'
    else:
        body = f'<p class="answer">{link_citations(answer.text.strip(), turn, {c.number for c in answer.citations})}</p>'
    parts = [f'<div class="newsrag-answer">{body}']
    if answer.note:
        parts.append(f'<p class="answer-note">{_text(answer.note.strip())}</p>')
    if answer.citations:
        parts.append('<div class="citations">' + "".join(render_citation(c, turn) for c in answer.citations) + "</div>")
    total = answer.timings.get("total_s")
    if total is not None:
        parts.append(f'<p class="answer-meta">Answered in {total:.1f} s.</p>')
    parts.append("</div>")
    return "".join(parts)


def render_streaming(text: str, preview: Preview | None = None) -> str:
    """The growing answer while the model writes it (plain escaped text), under the best passage
    retrieval found, shown before the first token."""
    found = ""
    if preview is not None:
        original = ""
        if preview.original_sentence != preview.sentence:
            original = f'<div class="preview-original" lang="{escape(preview.language)}">{_text(preview.original_sentence)}</div>'
        outlet = f"{_text(preview.outlet)}, " if preview.outlet else ""
        found = (
            f'<div class="preview"><div class="answer-meta">Closest passage: {_text(preview.title)} '
            f"({outlet}{_text(preview.date or 'undated')}, {_text(language_name(preview.language))})</div>"
            f"<blockquote>{_text(preview.sentence)}{original}</blockquote></div>"
        )
    return found + _text(text) + " ▌"


def _article_row(a: ArticleSummary) -> str:
    flag = f'<div class="flag-note">{a.flagged} addressed to an AI</div>' if a.flagged else ""
    translator = _text(a.translator)
    if "pending" in a.translator.split("+"):  # rag.indexing.PENDING: stored as written, translation running
        done = f", {a.translated:.0%}".replace("%", " %") if a.translated is not None else ""
        translator = f'translating{done}<div class="flag-note">searchable in its own language until then</div>'
    outlet = f"{_link(a.url, a.outlet or 'link')} · " if a.outlet or a.url else ""
    author = f" · {_text(a.author)}" if a.author else ""
    copies = f'<div class="source">and {a.copies} other outlet{"s" if a.copies != 1 else ""} (the same story, stored once)</div>' if a.copies else ""
    return (
        "<tr>"
        f'<td>{_text(a.title)}<div class="source">{outlet}{_text(a.date or "undated")}{author} · {_text(a.source)}</div>{copies}</td>'
        f"<td>{_text(language_name(a.language))}</td><td>{translator}{flag}</td>"
        f'<td class="num">{a.chunks}</td>'
        "</tr>"
    )


def render_articles(articles: list[ArticleSummary], summary: str) -> str:
    """The articles panel: title (date, file), language, translator, chunk count."""
    rows = "".join(_article_row(a) for a in articles)
    flagged = sum(a.flagged for a in articles)
    if flagged:
        summary += f" {flagged} sentence{'s' if flagged != 1 else ''} addressed to an AI {'are' if flagged != 1 else 'is'} kept out of answers."
    table = f'<table class="articles"><thead><tr><th>Article</th><th>Language</th><th>Translator</th><th>Chunks</th></tr></thead><tbody>{rows}</tbody></table>' if articles else ""
    return f'<p class="articles-summary">{_text(summary)}</p>{table}'


def render_uploads(status: UploadStatus) -> str:
    """The uploads block of the articles panel: the file being ingested with its step, then each
    finished file's outcome (a failed one with its reason)."""
    lines = []
    if status.current:
        share = f" {status.done} of {status.total}" if status.total else ""
        waiting = f"; {status.waiting} more waiting" if status.waiting else ""
        lines.append(f'<li class="upload-busy">Adding {_text(status.current)}: {_text(status.step)}{share}{waiting}…</li>')
    for s in status.results[-20:]:
        if s.status == "failed":
            lines.append(f'<li class="upload-failed">Not added: {_text(s.message)}</li>')
        elif s.status == "duplicate":
            lines.append(f'<li class="upload-done">{_text(s.source)}: {_text(s.message)}</li>')
        else:
            lines.append(f'<li class="upload-done">Added {_text(s.source)} ({_text(s.title)}, {s.chunks} passages, {_text(s.status)})</li>')
    return f'<ul class="uploads" id="upload-status">{"".join(lines)}</ul>' if lines else ""


def render_queue(status: QueueStatus) -> str:
    """The translation queue's line in the articles panel: what waits, what is being translated
    (paused while a question is answered), what failed; "" when nothing waits."""
    if not (status.waiting or status.failed):
        return ""
    parts = [f"{status.waiting} article{'s' if status.waiting != 1 else ''} waiting for translation (English ones: for their multilingual vectors), searchable in their own language until then"]
    if status.current:
        share = f", {status.done} of {status.total} sentences" if status.total else ""
        parts.append(f"translating {_text(status.current)}{share}" + (" (paused while a question is answered)" if status.paused else ""))
    if status.failed:
        parts.append(f"{status.failed} failed (see `newsrag-translate --status`)")
    return f'<p class="translation-queue" id="translation-queue">{"; ".join(parts)}.</p>'
