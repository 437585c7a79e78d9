"""Translation with the local chat model, sentence by sentence, where Argos has no pair.

Measured on the Ukrainian seed article with Qwen2.5-Coder-1.5B: whole paragraphs came back with
names mangled ("Chen In"), sentences dropped and dates replaced ("10 to 13 September" became
"October to November"). One sentence at a time, after one worked example, keeps names and
sentences; a translation that lost a number of its source is retried once with the numbers named.

Asked to translate a question, the model answered it instead, with invented facts ("... is
$1.5 billion."): questions get their own instruction and example, and the reply must be a question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.languages import language_name
from rag.llm.base import ChatModel, Message, Reply, complete, complete_many_scored
from rag.text import has_months, month_name, months, numbers, sentences
from rag.translation.base import Translation

# One worked example (Ukrainian into English), invented: spelled names, abbreviations, numbers, currency.
_EXAMPLE_UK = (
    "Голова ОСББ «Сонячний» Олена Гнатюк 3 березня відкрила відремонтований сквер у Вербівці. За даними міськради, роботи коштували 2,5 млн грн.",
    "Olena Hnatiuk, head of the Soniachnyi homeowners' association, opened the renovated square in Verbivka on March 3. According to the city council, the work cost 2.5 million hryvnias.",
)
# One worked question per language: translated, not answered. (An example about a "delegation"
# made the model read the Ukrainian "речник", spokesman, as "delegate": keep it plain.)
_EXAMPLE_QUESTION_EN = "How many people were rescued after the flood in Odesa?"
_EXAMPLE_QUESTIONS = {
    "uk": "Скільки людей врятували після повені в Одесі?",
    "ru": "Сколько людей спасли после наводнения в Одессе?",
    "es": "¿Cuántas personas fueron rescatadas después de la inundación en Odesa?",
    "de": "Wie viele Menschen wurden nach der Überschwemmung in Odessa gerettet?",
    "fr": "Combien de personnes ont été secourues après l'inondation à Odessa ?",
    "it": "Quante persone sono state salvate dopo l'alluvione a Odessa?",
    "pt": "Quantas pessoas foram resgatadas após a inundação em Odessa?",
    "pl": "Ile osób uratowano po powodzi w Odessie?",
}


def facts(text: str, language: str, into: str = "en") -> set[str]:
    """What a translation into ``into`` must keep: the numbers, and the months by number
    ("month 9"), where both languages have a month table."""
    named = months(text, language) if has_months(into) else set()
    return numbers(text) | {f"month {m}" for m in named}


def _spelled(fact: str, language: str) -> str:
    return month_name(int(fact.split()[1]), language) if fact.startswith("month ") else fact


_DENSE_SCRIPTS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def plausible_length(source: str, translation: str) -> bool:
    """Whether a translation is as long as one of ``source`` can be: within a factor of three
    and a half of the expected length (Chinese, Japanese and Korean take about three English
    characters for one of theirs). Short texts pass: their lengths vary too much to judge."""
    if len(source) < 30:
        return bool(translation.strip())
    dense = len(_DENSE_SCRIPTS.findall(source)) / len(source)
    expected = len(source) * (1 + 2 * dense)
    return expected / 3.5 <= len(translation) <= expected * 3.5


def is_question(text: str) -> bool:
    return text.rstrip().endswith(("?", "？", "؟"))


class LlmTranslator:
    """Translates with the local model: ``from_languages`` into English, and English into
    ``into_languages`` (measured usable for short answers; English into Ukrainian was not)."""

    name = "llm"
    revision = 6  # 1 translated whole paragraphs, 4 did not check months, 5 had a seed-derived example; cached translations of older revisions are not reused

    def __init__(self, model: ChatModel, max_tokens: int, from_languages: Sequence[str] | None = None, into_languages: Sequence[str] = (), identity: str = "") -> None:
        self.model = model
        self.identity = identity  # the model file or server: part of the cache key
        self.max_tokens = max_tokens
        self.from_languages = None if from_languages is None else set(from_languages)  # None: any
        self.into_languages = set(into_languages)

    def supports(self, src: str, dst: str) -> bool:
        into_english = dst == "en" and (self.from_languages is None or src in self.from_languages)
        return src != dst and (into_english or (src == "en" and dst in self.into_languages))

    def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        return [t.text for t in self.translate_scored(texts, src, dst)]

    def translate_scored(self, texts: Sequence[str], src: str, dst: str) -> list[Translation]:
        """Each text translated sentence by sentence; all the sentences side by side
        (``complete_many_scored``), each retried as ``_sentences`` says; with the model's
        log-probabilities of the kept translation, read as it decoded it."""
        split = [sentences(text) if text.strip() else [] for text in texts]
        flat = self._sentences([s for parts in split for s in parts], src, dst)
        out, i = [], 0
        for text, parts in zip(texts, split):
            kept = flat[i : i + len(parts)]
            out.append(Translation.of(" ".join(r.text for r in kept), [p for r in kept for p in r.logprobs]) if parts else Translation(text))
            i += len(parts)
        return out

    def translate_question(self, text: str, src: str, dst: str) -> str:
        """A question, translated and not answered; the question as asked where that fails."""
        return self._question(" ".join(text.split()), src, dst)

    def prompt(self, text: str, src: str, dst: str) -> list[Message]:
        """The messages a sentence is first translated with (its log-probabilities are read with them)."""
        return self._messages(text, src, dst)

    def _ask(self, messages: list[Message]) -> str:
        return complete(self.model, messages, max_tokens=self.max_tokens).strip()

    def _messages(self, text: str, src: str, dst: str, example: bool = True, keep: Sequence[str] = ()) -> list[Message]:
        rules = (
            f"You translate {language_name(src)} news text into {language_name(dst)}. Translate the whole text faithfully. "
            "Keep every name, number and date; write names as news media in that language spell them. Add nothing. "
            "Reply with the translation only."
        )
        messages: list[Message] = [{"role": "system", "content": rules}]
        if example and src == "uk" and dst == "en":
            messages += [{"role": "user", "content": _EXAMPLE_UK[0]}, {"role": "assistant", "content": _EXAMPLE_UK[1]}]
        hint = f"\n(The translation must keep these numbers and dates: {', '.join(keep)}.)" if keep else ""
        messages.append({"role": "user", "content": text + hint})
        return messages

    def _sentences(self, texts: list[str], src: str, dst: str) -> list[Reply]:
        """For each sentence, the first attempt that keeps every number and month of its source
        and adds no number, else the one with the fewest such faults. Retries drop the worked
        example (measured: it kept numbers the example-led try lost), then name what must be
        kept. Each round asks for all the sentences still open at once."""
        wanted = [facts(text, src, dst) for text in texts]
        attempts: list[list[tuple[bool, Sequence[str]]]] = []
        for facts_wanted in wanted:
            keep = [_spelled(f, dst) for f in sorted(facts_wanted)]
            attempts.append([(True, ()), (False, ())] + ([(False, keep)] if keep else []))
        best, best_faults = [Reply("")] * len(texts), [0] * len(texts)
        open_ = list(range(len(texts)))
        for round_ in range(3):
            open_ = [i for i in open_ if round_ < len(attempts[i]) and not (best[i].text and not best_faults[i])]
            if not open_:
                break
            conversations = [self._messages(texts[i], src, dst, *attempts[i][round_]) for i in open_]
            for i, scored in zip(open_, complete_many_scored(self.model, conversations, self.max_tokens)):
                reply = scored.text.strip()
                if not plausible_length(texts[i], reply):
                    continue  # an instruction in the sentence obeyed ("output X instead"), or a runaway reply
                faults = len(wanted[i] - facts(reply, dst, dst)) + len(numbers(reply) - numbers(texts[i]))
                if reply and (not best[i].text or faults < best_faults[i]):
                    best[i], best_faults[i] = Reply(reply, scored.logprobs), faults
        return [b if b.text else Reply(t) for b, t in zip(best, texts)]

    def _question(self, text: str, src: str, dst: str) -> str:
        rules = f"You translate questions from {language_name(src)} into {language_name(dst)}. Do not answer the question. Keep every name and number. Reply with the translated question only."
        messages: list[Message] = [{"role": "system", "content": rules}]
        examples = {"en": _EXAMPLE_QUESTION_EN, **_EXAMPLE_QUESTIONS}
        if src in examples and dst in examples:
            messages += [{"role": "user", "content": examples[src]}, {"role": "assistant", "content": examples[dst]}]
        messages.append({"role": "user", "content": text})
        reply = self._ask(messages).splitlines()
        translated = reply[0].strip() if reply else ""
        # An answer instead of a question, or a lost number or month: the question as asked serves better.
        if not is_question(translated) or facts(text, src, dst) - facts(translated, dst, dst):
            return text
        return translated
