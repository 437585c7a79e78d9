"""Translation with the local model (a scripted one here): sentences, numbers, questions, directions."""

from __future__ import annotations

from rag.llm.scripted import ScriptedChat
from rag.text import months, numbers
from rag.translation.base import Translation
from rag.translation.llm import LlmTranslator, facts


def _translator(script) -> tuple[LlmTranslator, ScriptedChat]:
    model = ScriptedChat(script)
    return LlmTranslator(model, max_tokens=100, from_languages=["uk", "es"], into_languages=["es"]), model


def test_directions():
    translator, _ = _translator(lambda m: "x")
    assert translator.supports("uk", "en") and translator.supports("en", "es")
    assert not translator.supports("en", "uk")  # measured garbled: not offered
    assert not translator.supports("uk", "es") and not translator.supports("en", "en")


def test_one_sentence_at_a_time_with_a_worked_example():
    translator, model = _translator(lambda m: "Done.")
    (english,) = translator.translate(["Перше речення. Друге речення!"], "uk", "en")
    assert english == "Done. Done."
    assert [p[-1]["content"] for p in model.prompts] == ["Перше речення.", "Друге речення!"]
    assert [m["role"] for m in model.prompts[0]] == ["system", "user", "assistant", "user"]


def test_a_lost_number_or_month_is_retried_without_the_example_then_with_them_named():
    replies = iter(["From October to November.", "From October 10 to 13.", "From 10 to 13 September."])
    translator, model = _translator(lambda m: next(replies))
    (english,) = translator.translate(["Форум відбудеться з 10 до 13 вересня."], "uk", "en")
    assert english == "From 10 to 13 September."  # the first try that keeps the numbers and the month
    assert [len(p) for p in model.prompts] == [4, 2, 2]  # the retries have no worked example
    assert "10" not in model.prompts[1][-1]["content"].split("вересня")[1]
    assert model.prompts[2][-1]["content"].endswith("(The translation must keep these numbers and dates: 10, 13, September.)")


def test_an_added_number_is_a_fault():
    replies = iter(["On December 4, 2019, the committee met.", "On December 4 the committee met."])
    translator, model = _translator(lambda m: next(replies))
    assert translator.translate(["4 грудня комітет зібрався."], "uk", "en") == ["On December 4 the committee met."]
    assert len(model.prompts) == 2


def test_months_in_each_language():
    assert months("з 10 до 13 вересня", "uk") == {9} and months("у листопаді та грудні", "uk") == {11, 12}
    assert months("5 марта и в мае", "ru") == {3, 5}
    assert months("am 4. Dezember", "de") == {12} and months("le 5 décembre", "fr") == {12} and months("en septiembre", "es") == {9}
    assert months("from Sept. 11 to October 13", "en") == {9, 10}
    assert months("officials may meet", "en") == set() and months("травма", "uk") == set()
    assert months("10 вересня", "sw") == set()  # no table: nothing to check
    assert facts("10 вересня", "uk") == {"10", "month 9"} and facts("10 вересня", "uk", into="sw") == {"10"}


def test_the_reply_that_keeps_most_numbers_wins():
    replies = iter(["Damage is huge.", "Damage is 6.01 trillion.", "Damage is large in 2024."])
    translator, model = _translator(lambda m: next(replies))
    (english,) = translator.translate(["Збитки становлять 6,01 трлн грн у 2024 році."], "uk", "en")
    assert english == "Damage is 6.01 trillion."
    assert "2024, 6.01" in model.prompts[2][-1]["content"]  # the last try names the numbers


def test_a_sentence_without_numbers_is_translated_once():
    translator, model = _translator(lambda m: "No numbers here.")
    assert translator.translate(["Тут немає чисел."], "uk", "en") == ["No numbers here."]
    assert len(model.prompts) == 1


def test_a_question_is_translated_not_answered():
    translator, model = _translator(lambda m: "What did Peskov confirm?")
    english = translator.translate_question("¿Qué confirmó Peskov?", "es", "en")
    assert english == "What did Peskov confirm?"
    assert "Do not answer" in model.prompts[0][0]["content"]


def test_an_answer_instead_of_a_question_falls_back_to_the_question_as_asked():
    translator, _ = _translator(lambda m: "The sister of Kim is named Kim.")
    assert translator.translate_question("¿Cómo se llama la hermana de Kim?", "es", "en") == "¿Cómo se llama la hermana de Kim?"
    translator, _ = _translator(lambda m: "How many drones were destroyed?")
    assert translator.translate_question("¿Cuántos de los 44 drones fueron destruidos?", "es", "en") == "¿Cuántos de los 44 drones fueron destruidos?"


def test_numbers_read_decimal_commas():
    assert numbers("6,01 трлн, 22:00 5 грудня") == {"6.01", "22", "00", "5"}


def test_another_model_translates_again_instead_of_reusing_the_cache(tmp_path):
    from rag.settings import Settings
    from rag.wiring import build_translation

    made = []
    for model_file in ("first.gguf", "first.gguf", "second.gguf"):
        settings = Settings.load(data_dir=tmp_path, llm_model_path=tmp_path / model_file)
        model = ScriptedChat(lambda messages, name=model_file: f"Text from {name}.")
        texts = build_translation(settings, model).translate(["Мер відкрив бібліотеку."], "uk", "en")
        made.append((texts[0], len(model.prompts)))
    assert made == [("Text from first.gguf.", 1), ("Text from first.gguf.", 0), ("Text from second.gguf.", 1)]


def test_the_model_s_log_probabilities_are_kept_with_the_translation_and_cached(tmp_path):
    import sqlite3

    from rag.llm.base import Reply
    from rag.settings import Settings
    from rag.wiring import build_translation

    class Scoring(ScriptedChat):
        def complete_many_scored(self, conversations, max_tokens):  # type: ignore[no-untyped-def]
            self.prompts += [list(c) for c in conversations]
            return [Reply("The mayor opened a library.", (-0.5, -1.5))] * len(conversations)

    # A cache made before log-probabilities were kept: its table gains the columns, its rows read None.
    path = tmp_path / "cache" / "translations.sqlite"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE translations (key TEXT PRIMARY KEY, text TEXT NOT NULL, translator TEXT NOT NULL)")
        db.execute("INSERT INTO translations VALUES ('old', 'Old text.', 'llm')")
    settings = Settings.load(data_dir=tmp_path, llm_model_path=tmp_path / "m.gguf")
    for expected_calls in (1, 0):  # translated, then read back from the cache
        model = Scoring()
        (made,) = build_translation(settings, model).translate_scored(["Мер відкрив бібліотеку."], "uk", "en")
        assert (made.text, made.mean_logprob, made.min_logprob, len(model.prompts)) == ("The mayor opened a library.", -1.0, -1.5, expected_calls)
    assert build_translation(settings, Scoring())._lookup("old") == Translation("Old text.")
