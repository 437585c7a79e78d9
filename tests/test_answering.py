"""The answering pipeline with a scripted model: prompts, schema, evidence checks, refusals, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag.answering import parse_reply, partial_answer
from rag.errors import EmptyStoreError, ModelNotFoundError, QuestionError
from rag.llm.scripted import ScriptedChat, quote_first_sentence
from rag.prompting import ANSWER_SCHEMA, ANSWER_SYSTEM, DOUBT_WARNINGS, VERIFY_SCHEMA, VERIFY_SYSTEM
from rag.settings import Settings
from rag.types import Answer, Preview
from rag.wiring import build_ingestor, build_pipeline


def _pipeline(settings: Settings, folder: Path, reply: str | None = None):
    build_ingestor(settings, llm=ScriptedChat(lambda m: "Kim plans to visit Vladivostok.")).ingest_folder(folder)
    model = ScriptedChat((lambda messages: reply) if reply is not None else None)
    return build_pipeline(settings, llm=model), model


def _reply(evidence: list[int], answer: str | None, found: bool = True) -> str:
    return json.dumps({"found": found, "evidence": evidence, "answer": answer})


def _answer_prompt(model: ScriptedChat) -> list[dict[str, str]]:
    """The last answering prompt (translations come before it)."""
    return next(p for p in reversed(model.prompts) if p[0]["content"] == ANSWER_SYSTEM)


def _sentence(prompt: str, number: int) -> str:
    return prompt.split(f"\n({number}) ", 1)[1].splitlines()[0]


@pytest.fixture
def meeting(tmp_path) -> Path:
    folder = tmp_path / "meeting"
    folder.mkdir()
    (folder / "summit.txt").write_text(
        "Leaders meet at the cosmodrome\n\n"
        "Putin and Kim Jong Un met at the Vostochny Cosmodrome on Wednesday. They talked for more than an hour.\n\n"
        "Kim later travelled by armoured train to Komsomolsk-on-Amur.\n",
        encoding="utf-8",
    )
    return folder


def test_prompt_has_numbered_sentences_question_rules_and_schema(fast_settings, seeds_copy):
    pipeline, model = _pipeline(fast_settings, seeds_copy)
    answer = pipeline.answer("Where did Putin and Kim Jong Un meet?")
    system, user = _answer_prompt(model)
    assert system == {"role": "system", "content": ANSWER_SYSTEM}
    assert model.schemas[-1] == ANSWER_SCHEMA  # the decoder, not a regex, shapes the reply
    content = user["content"]
    for n in range(1, fast_settings.top_k + 1):
        assert f"\n[{n}]\n" in "\n" + content
    assert "\n(1) " in content and "\n(2) " in content
    assert content.endswith("Question: Where did Putin and Kim Jong Un meet?")
    assert not answer.refused and answer.citations
    assert answer.citations[0].number == 1 and answer.citations[0].source.endswith(".txt")
    assert answer.text.endswith("[1].")


def test_citation_quotes_its_evidence_verbatim_with_offsets(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings, meeting)
    model.script = lambda messages: _reply([1], "They met at the Vostochny Cosmodrome.")
    answer = pipeline.answer("Where did Putin and Kim Jong Un meet?")
    assert answer.text == "They met at the Vostochny Cosmodrome [1]."
    (citation,) = answer.citations
    (evidence,) = citation.evidence
    shown = _sentence(_answer_prompt(model)[1]["content"], 1)
    assert evidence.text == shown == citation.text[evidence.start : evidence.end]
    assert evidence.original_text == citation.original_text[evidence.original_start : evidence.original_end]
    assert citation.quote == shown


def test_stream_yields_the_answer_text_then_the_answer(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings, meeting)
    model.script = lambda messages: _reply([1], "They met at the Vostochny Cosmodrome on Wednesday.")
    items = list(pipeline.stream("Where did Putin and Kim Jong Un meet?"))
    # First the best passage, before the model is asked anything.
    preview = items[0]
    assert isinstance(preview, Preview) and preview.source == "summit.txt" and preview.title == "Leaders meet at the cosmodrome"
    assert preview.sentence == preview.original_sentence == "Putin and Kim Jong Un met at the Vostochny Cosmodrome on Wednesday."
    assert all(isinstance(i, str) for i in items[1:-1]) and len(items) > 3
    assert "".join(items[1:-1]) == "They met at the Vostochny Cosmodrome on Wednesday."  # no JSON on screen
    assert isinstance(items[-1], Answer)


@pytest.mark.parametrize(
    "reply",
    [
        _reply([], None, found=False),  # the schema's "not in the articles"
        _reply([1], "Vladivostok has 604,901 inhabitants.", found=False),
        _reply([1], None),
        _reply([], "Vladivostok has 604,901 inhabitants."),  # an answer resting on nothing
        _reply([99], "Vladivostok has 604,901 inhabitants."),  # evidence that was never shown
        "Vladivostok has 604,901 inhabitants [2].",  # not the schema's JSON at all
    ],
)
def test_answer_without_valid_evidence_is_a_refusal_in_the_question_language(fast_settings, seeds_copy, reply):
    pipeline, _ = _pipeline(fast_settings, seeds_copy, reply=reply)
    answer = pipeline.answer("¿Cuál es la población de Vladivostok?")
    assert answer.refused and answer.citations == []
    assert answer.text == "Los artículos no lo dicen."


def test_ids_that_were_not_shown_are_dropped_and_the_rest_kept(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings, meeting)
    model.script = lambda messages: _reply([42, 1], "They met at the Vostochny Cosmodrome.")
    answer = pipeline.answer("Where did Putin and Kim Jong Un meet?")
    assert not answer.refused and [c.number for c in answer.citations] == [1]
    assert "[42]" not in answer.text and len(answer.citations[0].evidence) == 1


def test_evidence_from_two_passages_cites_both(fast_settings, seeds_copy):
    pipeline, model = _pipeline(fast_settings, seeds_copy)

    def script(messages):
        prompt = messages[-1]["content"]
        second = int(prompt.split("\n[2]\n(", 1)[1].split(")", 1)[0])  # the first sentence of passage 2
        return _reply([1, second], "Two passages.")

    model.script = script
    answer = pipeline.answer("Where did Putin and Kim Jong Un meet?")
    assert [c.number for c in answer.citations] == [1, 2] and answer.text == "Two passages [1][2]."


@pytest.fixture
def ukrainian(tmp_path) -> Path:
    folder = tmp_path / "uk"
    folder.mkdir()
    (folder / "uk.txt").write_text(
        "Зустріч на космодромі\n\nПутін і Кім Чен Ин зустрілися на космодромі Східний у середу. Розмова тривала понад годину.\n",
        encoding="utf-8",
    )
    return folder


def test_a_question_not_in_english_shows_the_best_passage_before_anything_is_translated(fast_settings, ukrainian):
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": 0.0}), ukrainian)
    seen = [(item, len(model.prompts)) for item in pipeline.stream("Де зустрілися Путін і Кім Чен Ин?")]
    preview, prompts_before = seen[0]
    assert isinstance(preview, Preview) and prompts_before == 0  # the model has not been asked anything yet
    assert preview.language == "uk" and preview.title == "Зустріч на космодромі"
    assert preview.original_sentence == "Путін і Кім Чен Ин зустрілися на космодромі Східний у середу."
    assert preview.sentence == "Kim plans to visit Vladivostok."  # its English, as the (scripted) translator wrote it
    assert "evidence_s" in seen[-1][0].timings and "translate_question_s" in seen[-1][0].timings


def test_with_question_translation_off_the_model_reads_the_question_as_asked(fast_settings, ukrainian):
    settings = fast_settings.model_copy(update={"min_relevance": 0.9, "translate_questions": False})
    pipeline, model = _pipeline(settings, ukrainian)
    model.script = lambda messages: _reply([2], "They met at the Vostochny Cosmodrome.")
    answer = pipeline.answer("Де зустрілися Путін і Кім Чен Ин?")
    assert len(model.prompts) == 1 and model.prompts[0][0]["content"] == ANSWER_SYSTEM  # no translation asked
    assert model.prompts[0][-1]["content"].endswith("Question: Де зустрілися Путін і Кім Чен Ин?")
    # The English relevance floor (0.9 here) does not judge a question it cannot read.
    assert not answer.refused and answer.english_question == answer.question


def test_not_native_language_answers_in_english_with_note_and_the_original_evidence(fast_settings, ukrainian):
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": 0.0}), ukrainian)

    def script(messages):
        if "questions from Ukrainian" in messages[0]["content"]:
            return "Where did Putin and Kim Jong Un meet?"
        return _reply([2], "They met at the Vostochny Cosmodrome.")  # (1) is the headline

    model.script = script
    answer = pipeline.answer("Де зустрілися Путін і Кім Чен Ин?")
    assert "Ukrainian" in model.prompts[0][0]["content"]  # the question was translated first
    assert answer.english_question == "Where did Putin and Kim Jong Un meet?"
    prompt = _answer_prompt(model)[-1]["content"]
    assert "Question: Where did Putin and Kim Jong Un meet?" in prompt
    assert "Де зустрілися" not in prompt and "космодромі" not in prompt  # the model reads English only
    assert answer.language == "en" and not answer.refused
    assert answer.note.startswith("Відповідь англійською")
    # The reader also gets the evidence in Ukrainian, as the article states it.
    assert answer.text.startswith("They met at the Vostochny Cosmodrome [1].")
    assert "„Путін і Кім Чен Ин зустрілися на космодромі Східний у середу.“ [1]" in answer.text
    assert answer.citations[0].original_quote == "Путін і Кім Чен Ин зустрілися на космодромі Східний у середу."


def test_native_language_answer_is_the_english_answer_translated(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings, meeting)

    def script(messages):
        system = messages[0]["content"]
        if "questions from Spanish into English" in system:
            return "Where did Putin and Kim Jong Un meet?"
        if "English news text into Spanish" in system:
            return "Traducción: " + messages[-1]["content"]
        return _reply([1], "They met at the Vostochny Cosmodrome.")

    model.script = script
    items = list(pipeline.stream("¿Dónde se reunieron Putin y Kim Jong Un?"))
    answer = items[-1]
    assert isinstance(items[0], Preview)
    assert "".join(items[1:-1]) == "They met at the Vostochny Cosmodrome."  # the English draft streams
    assert answer.language == "es" and not answer.refused and answer.note == ""
    # The evidence's own words stay beside the translation: names suffer in short translated phrases.
    assert answer.text == "Traducción: They met at the Vostochny Cosmodrome («They met at the Vostochny Cosmodrome») [1]."
    translated = [p[-1]["content"] for p in model.prompts if "into Spanish" in p[0]["content"]]
    assert translated == ["They met at the Vostochny Cosmodrome"]  # markers are not sent for translation


def test_bad_questions(fast_settings, seeds_copy):
    pipeline, model = _pipeline(fast_settings, seeds_copy)
    for empty in ("", "   \n\t"):
        with pytest.raises(QuestionError, match="empty"):
            pipeline.answer(empty)
    with pytest.raises(QuestionError, match="2000"):
        pipeline.answer("why " * 600)
    assert model.prompts == []


def test_empty_store(fast_settings):
    pipeline = build_pipeline(fast_settings, llm=ScriptedChat())
    with pytest.raises(EmptyStoreError, match="newsrag-ingest"):
        pipeline.answer("Where did they meet?")


def test_missing_model_file(fast_settings, seeds_copy, tmp_path):
    settings = fast_settings.model_copy(update={"llm_backend": "llama_cpp", "llm_model_path": tmp_path / "nope.gguf"})
    build_ingestor(fast_settings, llm=ScriptedChat(lambda m: "x")).ingest_folder(seeds_copy)
    with pytest.raises(ModelNotFoundError, match="nope.gguf"):
        build_pipeline(settings).answer("Where did Putin and Kim Jong Un meet?")


def test_parse_reply():
    assert parse_reply('{"evidence": [3, 1, 3], "answer": "  In  Riga. "}').evidence == [3, 1]
    assert parse_reply('{"evidence": [3], "answer": "  In  Riga. "}').answer == "In Riga."
    assert parse_reply('{"evidence": [], "answer": null}').answer is None
    assert parse_reply('{"found": false, "evidence": [2], "answer": "x"}') == parse_reply("[]")
    assert parse_reply('{"evidence": [2], "answer": ""}').answer is None
    assert parse_reply('{"evidence": [true, "2", 4], "answer": "x"}').evidence == [4]
    # Cut off by the token limit: read as far as it goes.
    assert parse_reply('{"evidence": [2], "answer": "In Riga on Mon').answer is None
    assert parse_reply('{"evidence": [2], "answer": "In Riga", "ext').answer == "In Riga"
    assert parse_reply("The answer is Riga [1].") == parse_reply("[]")


def test_partial_answer_decodes_the_string_as_it_grows():
    assert partial_answer('{"evidence": [1], "ans') == ""
    assert partial_answer('{"evidence": [1], "answer": "The \\"new\\" ferry') == 'The "new" ferry'
    assert partial_answer('{"evidence": [1], "answer": "Caf\\u00e9 Nord\\') == "Café Nord"
    assert partial_answer('{"evidence": [1], "answer": "Done."}') == "Done."


def test_default_script_quotes_sentence_one():
    reply = json.loads(quote_first_sentence([{"role": "user", "content": "Passages:\n[1]\n(1) The ferry sails at nine.\nQuestion: When?"}]))
    assert reply == {"found": True, "evidence": [1], "answer": "The ferry sails at nine."}


def test_an_answer_with_a_number_its_evidence_does_not_state_is_refused(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": -1.0}), meeting)
    assert pipeline.check_answer_numbers  # the default
    model.script = lambda messages: _reply([2], "1,000,000 people")  # (2): "Putin and Kim ... on Wednesday."
    answer = pipeline.answer("How many people live in Vladivostok?")
    assert answer.refused and answer.refusal_reason == "unsupported number" and answer.unsupported_numbers == ["1,000,000"]
    assert answer.draft.startswith("1,000,000 people [") and not answer.citations  # what was refused, kept for the reader of a report
    model.script = lambda messages: _reply([2], "on Wednesday, 13 September")
    assert pipeline.answer("When did Putin and Kim meet on 13 September?").refused is False  # the question's own number
    pipeline.check_answer_numbers = False
    model.script = lambda messages: _reply([2], "1,000,000 people")
    unchecked = pipeline.answer("How many people live in Vladivostok?")
    assert not unchecked.refused and unchecked.unsupported_numbers == ["1,000,000"]  # found, not acted on


def test_a_number_read_in_a_sentence_the_model_did_not_name_cites_that_sentence(fast_settings, tmp_path):
    (tmp_path / "quay.txt").write_text("Harbour works in Norvik\n\nThe harbour of Norvik was rebuilt last year.\n\nThe new quay of Norvik measures 312 metres.\n", encoding="utf-8")
    (tmp_path / "ferry.txt").write_text("Ferry timetable of Norvik\n\nThe Norvik ferry leaves the harbour at nine.\n", encoding="utf-8")
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": -1.0}), tmp_path)

    def ids(messages: list[dict[str, str]], words: str) -> list[int]:
        return [int(n) for n, text in re.findall(r"\n\((\d+)\) ([^\n]*)", messages[-1]["content"]) if words in text]

    model.script = lambda messages: _reply(ids(messages, "ferry leaves"), "The quay measures 312 metres")
    answer = pipeline.answer("How long is the new quay of Norvik?")
    assert not answer.refused and answer.unsupported_numbers == []
    quoted = [e.text for c in answer.citations for e in c.evidence]
    assert any("312 metres" in q for q in quoted) and any("ferry leaves" in q for q in quoted)  # the named sentence, and the number's
    model.script = lambda messages: _reply(ids(messages, "ferry leaves"), "The quay measures 400 metres")
    assert pipeline.answer("How long is the new quay of Norvik?").unsupported_numbers == ["400"]  # no shown sentence holds it


def test_a_doubtful_translation_is_shown_to_the_model_as_its_english_its_original_or_both(fast_settings, ukrainian):
    # The scripted translator writes the same unrelated sentence for everything: low confidence.
    original = "Путін і Кім Чен Ин зустрілися на космодромі Східний у середу."
    for shown in ("english", "original", "both"):
        settings = fast_settings.model_copy(update={"min_relevance": 0.0, "doubtful_in_prompt": shown})
        pipeline, model = _pipeline(settings, ukrainian)
        model.script = lambda messages: _reply([2], "At the Vostochny Cosmodrome.")
        answer = pipeline.answer("Where did Putin and Kim Jong Un meet?")
        # Every sentence it rests on is doubtful: the answer says so, and its evidence carries the flag.
        assert answer.text.endswith("(This answer rests only on machine translations marked doubtful: check the original sentences.)")
        assert all(e.doubtful for c in answer.citations for e in c.evidence)
        prompt = _answer_prompt(model)[-1]["content"]
        assert (original in prompt) == (shown != "english")
        assert ("Kim plans to visit Vladivostok." in prompt) == (shown != "original")
        assert (f"Kim plans to visit Vladivostok. [original: {original}]" in prompt) == (shown == "both")


def test_the_doubt_warning_is_in_the_question_language_where_we_write_it(fast_settings, ukrainian):
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": 0.0}), ukrainian)
    model.script = lambda messages: _reply([2], "At the Vostochny Cosmodrome.")
    answer = pipeline.answer("Де зустрілися Путін і Кім Чен Ин?")
    # Ukrainian is answered in English with a Ukrainian note; the warning is Ukrainian too.
    assert answer.language == "en" and not answer.refused
    assert answer.text.endswith(DOUBT_WARNINGS["uk"])


def test_an_answer_resting_on_a_sentence_unrelated_to_the_question_is_refused(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": -1.0}), meeting)
    question = "Where did Putin and Kim Jong Un meet?"
    model.script = lambda messages: _reply([2], "At the Vostochny Cosmodrome")  # (2): "Putin and Kim Jong Un met at ..."
    related = pipeline.answer(question)
    model.script = lambda messages: _reply([1], "At the Vostochny Cosmodrome")  # (1): the title
    unrelated = pipeline.answer(question)
    assert not related.refused and not unrelated.refused  # the check is off by default here
    assert related.evidence_similarity is not None and unrelated.evidence_similarity is not None
    assert related.evidence_similarity > unrelated.evidence_similarity

    pipeline.min_evidence_similarity = (related.evidence_similarity + unrelated.evidence_similarity) / 2
    refused = pipeline.answer(question)
    assert refused.refused and refused.refusal_reason == "unrelated evidence" and refused.citations == []
    model.script = lambda messages: _reply([2], "At the Vostochny Cosmodrome")
    assert not pipeline.answer(question).refused


def test_an_answer_whose_evidence_the_model_says_does_not_state_it_is_refused(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": -1.0, "verify_answers": True}), meeting)
    verdicts: list[str] = []

    def script(messages):  # type: ignore[no-untyped-def]
        if messages[0]["content"] == VERIFY_SYSTEM:
            return verdicts.pop(0)
        return _reply([2], "At the Vostochny Cosmodrome")

    model.script = script
    question = "Where did Putin and Kim Jong Un meet?"
    verdicts[:] = ['{"states_answer": false}']
    refused = pipeline.answer(question)
    assert refused.refused and refused.refusal_reason == "does not answer" and refused.citations == []
    assert refused.text == "The articles don't say." and refused.draft == "At the Vostochny Cosmodrome [1]."
    check = model.prompts[-1]
    assert model.schemas[-1] == VERIFY_SCHEMA and check[0]["content"] == VERIFY_SYSTEM
    # The check reads the question, the evidence sentence as the model was shown it, and the answer.
    evidence = _sentence(_answer_prompt(model)[1]["content"], 2)
    assert check[1]["content"] == f"Question: {question}\nSentences: {evidence}\nAnswer: At the Vostochny Cosmodrome"
    assert "verify_s" in refused.timings

    verdicts[:] = ['{"states_answer": true}']
    assert not pipeline.answer(question).refused
    verdicts[:] = ["not JSON"]  # an unreadable verdict refuses nothing
    assert not pipeline.answer(question).refused
    pipeline.verify_answers = False  # off: the model is not asked again
    asked = len(model.prompts)
    assert not pipeline.answer(question).refused and all(p[0]["content"] != VERIFY_SYSTEM for p in model.prompts[asked:])


def test_the_model_can_be_given_only_the_sentences_closest_to_the_question(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": -1.0, "max_prompt_sentences": 1}), meeting)
    model.script = lambda messages: _reply([1], "On Wednesday")
    answer = pipeline.answer("When did Putin and Kim Jong Un meet at the cosmodrome?")
    prompt = _answer_prompt(model)[-1]["content"]
    assert "(1) Putin and Kim Jong Un met at the Vostochny Cosmodrome on Wednesday." in prompt
    assert "(2)" not in prompt and "armoured train" not in prompt
    assert answer.citations[0].evidence[0].text == "Putin and Kim Jong Un met at the Vostochny Cosmodrome on Wednesday."


def test_evidence_similarity_with_the_real_multilingual_embedder(fast_settings, ukrainian):
    """The question as asked (Ukrainian) is closer to the sentence that answers it than to one
    about something else, in multilingual-e5 (the embedder the check uses by default)."""
    settings = fast_settings.model_copy(update={"original_embedder": "e5", "min_relevance": -1.0, "reject_translation_below": 0.0})
    pipeline, model = _pipeline(settings, ukrainian)
    question = "Де зустрілися Путін і Кім Чен Ин?"
    model.script = lambda messages: _reply([2], "At the Vostochny Cosmodrome")
    related = pipeline.answer(question)
    model.script = lambda messages: _reply([3], "At the Vostochny Cosmodrome")
    other = pipeline.answer(question)
    assert related.evidence_similarity is not None and other.evidence_similarity is not None
    assert related.evidence_similarity > other.evidence_similarity, (related.citations, other.citations)


def test_ingestor_and_pipeline_share_their_parts(fast_settings, meeting):
    """Built once, passed to both: what the ingestor stores, the same store object answers from."""
    from rag.wiring import build_parts, parts_of

    model = ScriptedChat(lambda messages: _reply([1], "the Vostochny Cosmodrome"))
    parts = build_parts(fast_settings, llm=model)
    ingestor, pipeline = build_ingestor(fast_settings, parts=parts), build_pipeline(fast_settings, parts=parts)
    assert ingestor.store is pipeline.store and ingestor.embedder is pipeline.retriever.embedder
    assert ingestor.multilingual is pipeline.retriever.multilingual and ingestor.translation is pipeline.translation
    assert parts_of(pipeline) == parts
    ingestor.ingest_folder(meeting)
    answer = pipeline.answer("Where did Putin and Kim Jong Un meet?")
    assert not answer.refused and answer.passages and answer.passages[0].chunk.source == "summit.txt"
    assert answer.prompt == _answer_prompt(model) and "Vostochny" in answer.text


def test_a_refusal_for_nothing_relevant_still_carries_what_retrieval_found(fast_settings, meeting):
    pipeline, model = _pipeline(fast_settings, meeting)
    pipeline.min_relevance = 1.01  # no cosine reaches it
    answer = pipeline.answer("Where did Putin and Kim Jong Un meet?")
    assert answer.refused and answer.refusal_reason == "nothing relevant"
    assert answer.passages and answer.prompt == [] and not any(p[0]["content"] == ANSWER_SYSTEM for p in model.prompts)


def test_the_number_check_reads_the_original_and_refuses_an_unshown_sum(fast_settings, tmp_path):
    # The scripted translator writes the same unrelated English for every sentence, so only the
    # Russian original holds the figures.
    folder = tmp_path / "ru"
    folder.mkdir()
    (folder / "kража.txt").write_text("Кража в мэрии\n\nВоры унесли 20 тысяч рублей из кассы и 15 тысяч рублей из сейфа.\n", encoding="utf-8")
    pipeline, model = _pipeline(fast_settings.model_copy(update={"min_relevance": -1.0}), folder)
    model.script = lambda messages: _reply([2], "20,000 roubles from the till")
    assert not pipeline.answer("How much was taken from the till?").refused
    model.script = lambda messages: _reply([2], "35,000 roubles")
    summed = pipeline.answer("How much did the theft cost?")
    assert summed.refused and summed.refusal_reason == "unsupported number" and summed.unsupported_numbers == ["35,000"]
    model.script = lambda messages: _reply([2], "35,000 roubles in all: 20,000 from the till plus 15,000 from the safe")
    assert not pipeline.answer("How much was taken in all?").refused
