"""The emergency safety net: its staff-editable patterns, live reload, and the NLU component that applies it."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.emergency_safety_net import EmergencySafetyNet
from nlu_components.input_guard import InputGuard
from safety.emergency_net import DEFAULT_PATTERNS_PATH, PatternsFileError, PatternStore, normalise, parse_patterns

CLASSIFIER_GUESS = [{"name": "ask_side_effects", "confidence": 0.62}, {"name": "emergency", "confidence": 0.2}]


@pytest.fixture(scope="module")
def net():
    return parse_patterns(DEFAULT_PATTERNS_PATH.read_text(encoding="utf-8"), DEFAULT_PATTERNS_PATH)


def classified(text: str, ranking=CLASSIFIER_GUESS) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, dict(ranking[0]), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(entry) for entry in ranking], add_to_output=True)
    return message


def test_accents_are_dropped_as_people_leave_them_out_on_a_phone() -> None:
    assert normalise("Tomé demasiadas pastillas, ¡mi esposo no respira!") == "tome demasiadas pastillas mi esposo no respira"


def test_messages_are_compared_without_case_apostrophes_or_punctuation() -> None:
    assert normalise("He's NOT breathing!!  Help…") == "hes not breathing help"


def test_invisible_characters_and_look_alike_letters_are_taken_off_before_the_words_are_split() -> None:
    # a zero-width space and a soft hyphen inside a word, a Cyrillic "о", full-width letters
    assert normalise("over\u200bdose over\u00addose \u043everdose \uff4f\uff44") == "overdose overdose overdose od"


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("he \u043everdosed", "overdose"),  # Cyrillic о
        ("nothing helps, sui\u200bcide is all i think about", "suicide_or_self_harm"),
        ("i want to d i e", "suicide_or_self_harm"),
        ("s.u.i.c.i.d.e", "suicide_or_self_harm"),
        ("she 0verdosed", "overdose"),
        ("i want to ki11 myself", "suicide_or_self_harm"),  # "1" read as l
        ("i want to k!ll myself", "suicide_or_self_harm"),
        ("i want to k*ll myself", "suicide_or_self_harm"),
        ("i want to diiiie", "suicide_or_self_harm"),
        ("he over\U0001F48Adosed", "overdose"),
        ("he &#111;verdosed", "overdose"),
        ("<script>alert(1)</script> i took an overdose", "overdose"),
        ("me quiero m4tar", "suicide_or_self_harm_es"),
        ("mi esposo no resp1ra", "not_breathing_or_unresponsive_es"),
        ("s o b r e d o s i s", "overdose_es"),
    ],
)
def test_disguised_words_still_fire(net, text: str, pattern: str) -> None:
    assert net.match(text) == pattern


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("fever of 105 and a stiff neck", "serious_illness_signs"),  # digits stay digits in the plain form
        ("my toddler swallowed 3 of my pills", "child_swallowed_pills"),
    ],
)
def test_patterns_that_need_digits_still_fire(net, text: str, pattern: str) -> None:
    assert net.match(text) == pattern


@pytest.mark.parametrize(
    "text",
    ["can u 0d on naltrexone", "what happens if i m1ss a d0se", "is 4.5mg the usual dose", "i walk 5 kms a day",
     "w h a t is l d n", "sooooo tired of this pain, how does ldn work", "what if i accidentally take two doses"],
)
def test_disguised_questions_do_not_fire(net, text: str) -> None:
    assert net.match(text) is None


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("he's not breathing", "not_breathing_or_unresponsive"),
        ("my toddler swallowed 3 of my pills", "child_swallowed_pills"),
        ("I want to end it all", "suicide_or_self_harm"),
        ("kms", "suicide_kms"),
        ("my throat is closing up", "throat_or_face_swelling"),
        ("chest pain and I can't catch my breath", "cant_breathe"),
        ("she is having a seizure", "seizure"),
        ("i think he overdosed", "overdose"),
        # being in recovery does not make an overdose happening now a question
        ("my son is in recovery and i think hes overdosing", "overdose"),
        ("my husband is recovering from surgery and overdosed on his oxy", "overdose"),
        # a known epilepsy does not make a seizure happening now a question
        ("my epileptic son is having a seizure", "seizure"),
        # said plainly, without a "who" first (stop 26: these fired nothing before)
        ("I took an overdose", "overdose"),
        ("OD'd on my pills", "overdose"),
        ("i accidentally took a double dose of my meds", "overdose"),
        ("took 50mg instead of 4.5", "overdose"),
        ("i have chest pain", "chest_pain_and_breathing"),
        ("heart attack", "heart_attack"),
        ("seizure", "seizure"),
        ("i want to kil myself", "suicide_or_self_harm"),
    ],
)
def test_each_kind_of_emergency_fires_its_pattern(net, text: str, pattern: str) -> None:
    assert net.match(text) == pattern


@pytest.mark.parametrize(
    "text",
    [
        "what is naloxone used for",
        "can you overdose on LDN",
        "my back pain is killing me",
        "what signs of an allergic reaction should I watch for",
        "is ldn used for people who overdosed",
        "can ldn cause seizures",
        "help",
        "does ldn come as a liquid for a kid who cant swallow capsules",
    ],
)
def test_information_questions_with_the_same_words_do_not_fire(net, text: str) -> None:
    assert net.match(text) is None


@pytest.mark.parametrize("text", ["what do i do my son swallowed my ldn capsules",
                                  "my toddler cant swallow right and she ate some of my pills",
                                  "my daughter is 3 and she ate my ldn capsules",
                                  "the baby found my ldn and chewed some"])
def test_a_child_who_swallowed_pills_still_fires_next_to_the_cant_swallow_question(net, text: str) -> None:
    assert net.match(text) is not None


# Online slang and euphemism (issue 13). The measured set is tests/safety/slang_set.yml; these are
# other sentences, one or two per kind of word, so a pattern edit that loses one is named here.
@pytest.mark.parametrize(
    "text, pattern",
    [
        ("KMS!!", "suicide_kms"),
        ("literally going to k.m.s tonight", "suicide_kms"),
        ("kmsing sounds good rn", "suicide_kms"),
        ("honestly just kill me", "suicide_kill_me"),
        ("i want to unalive", "suicide_or_self_harm"),
        ("ive been thinking of sewer sliding", "suicide_or_self_harm"),
        ("i might self delete", "suicide_or_self_harm"),
        ("ready to ctb", "suicide_or_self_harm"),
        ("she wants to off herself", "suicide_or_self_harm"),
        ("my daughter is talking about killing herself", "suicide_or_self_harm"),
        ("praying i dont wake up tomorrow", "suicide_or_self_harm"),
        ("everyone is better off when im gone", "suicide_or_self_harm"),
        ("ive been stockpiling my percs to end it", "suicide_or_self_harm"),
        ("relapsed on sh", "suicide_or_self_harm"),
        ("feeling sui", "suicide_or_self_harm"),
        ("this pain is gonna kill me, i want to unalive myself", "suicide_or_self_harm"),
        ("my gf just fell out after a blue", "overdose_slang"),
        ("my brother took a handful of blues", "overdose"),
        ("overdose in progress", "overdose"),
        ("narcan isnt bringing him back", "overdose"),
        ("he is showing signs of an overdose", "overdose"),
        ("hes nodding out and i can hardly wake him", "not_breathing_or_unresponsive"),
        ("shes out cold after taking blues", "not_breathing_or_unresponsive"),
        ("i feel like im going under after the percs", "not_breathing_or_unresponsive"),
    ],
)
def test_slang_and_euphemisms_fire(net, text: str, pattern: str) -> None:
    assert net.match(text) == pattern


@pytest.mark.parametrize(
    "text",
    [
        "i bike 20 kms a day",
        "im in recovery from opioids, can i take ldn",
        "recovering addict here, does ldn help pain",
        "how many kms is it to the pharmacy",
        "this flare is gonna kill me",
        "my hair fell out on ldn",
        "my son fell out of bed last night",
        "i fell out with my old doctor",
        "my eyes are od dry",
        "i overdosed back in 2015 and have been clean since",
        "what are the signs someone took too many percs",
        "how do i delete myself from your text list",
        "which bus do i catch to the clinic",
        "i could sleep forever on ldn lol",
        "i wont be here next week, can i reschedule",
        "my daughter ate two granola bars with her ldn",
        "do i need narcan at home if i take ldn",
        "i cant keep my eyes open after ldn is that normal",
    ],
)
def test_harmless_senses_of_the_slang_do_not_fire(net, text: str) -> None:
    assert net.match(text) is None


# Spanish (issue 16). The measured set is tests/safety/spanish_set.yml (tests/test_spanish_safety_net.py);
# these are other sentences, one per kind of emergency, so a pattern edit that loses one is named here.
@pytest.mark.parametrize(
    "text, pattern",
    [
        ("creo que mi esposa tiene una sobredósis", "overdose_es"),
        ("le pusimos naloxona y no despierta", "overdose_es"),
        ("mi hermano se tomó todas sus pastillas de oxicodona", "too_many_pills_es"),
        ("me tomé demaciadas pastiyas", "too_many_pills_es"),
        ("qué hago si mi esposo se tomó todas las pastillas?!", "too_many_pills_es"),
        ("mi papá no respira", "not_breathing_or_unresponsive_es"),
        ("mi esposo toma oxicodona hace años y no respira", "not_breathing_or_unresponsive_es"),
        ("se le pusieron los labios azules", "not_breathing_or_unresponsive_es"),
        ("mi mamá no responde, la clínica no contesta", "no_responde_es"),
        ("mi tía se desmayó en la cocina", "fainted_es"),
        ("empecé la ldn hace 2 semanas y ahora se me está cerrando la garganta", "throat_or_face_swelling_es"),
        ("creo que tengo una reacción alérgica fuerte", "allergic_reaction_es"),
        ("me falta el aire", "cant_breathe_es"),
        ("no puedo respirar por la nariz ni por la boca", "cant_breathe_es"),
        ("mi niño está convulsionando", "seizure_es"),
        ("tuvo una convulsión hace un ratito", "seizure_had_es"),
        ("me duele el pecho y el brazo izquierdo", "chest_pain_and_breathing_es"),
        ("mi bebé se comió una pastilla de las mías", "child_swallowed_pills_es"),
        ("quiero quitarme la vida", "suicide_or_self_harm_es"),
        ("ya no quiero seguir viviendo", "suicide_or_self_harm_es"),
        ("se tomó la ldn con la oxicodona y está súper dormido", "opioid_with_naltrexone_es"),
        ("llamen a una ambulancia", "asks_for_emergency_help_es"),
    ],
)
def test_spanish_emergencies_fire_with_or_without_accents(net, text: str, pattern: str) -> None:
    assert net.match(text) == pattern


@pytest.mark.parametrize(
    "text",
    [
        "¿la ldn puede causar desmayos?",
        "¿la naltrexona sirve para prevenir una sobredosis?",
        "hace tiempo tuve una sobredosis de pastillas, ¿puedo usar ldn?",
        "este dolor me mata, ¿cuándo empieza a funcionar la ldn?",
        "me muero de dolor en las rodillas, la ldn funciona?",
        "¿puedo tomar naltrexona si tomo tramadol?",
        "la clínica no contesta el teléfono, ¿a qué hora abren?",
        "no respondo bien a los opioides, ¿la ldn es mejor?",
        "mi papá tuvo convulsiones hace años, ¿puede tomar ldn?",
        "hace años me dio una reacción alérgica a la penicilina",
        "me tomo todas mis medicinas en la mañana, ¿la ldn también?",
        "tomo 4.5 mg de ldn, ¿es mucho?",
        "¿qué pasa si tomo alcohol con naltrexona?",
        "¿me sirve la LDN para el dolor de espalda?",
    ],
)
def test_spanish_information_questions_with_the_same_words_do_not_fire(net, text: str) -> None:
    assert net.match(text) is None


def test_a_staff_extension_is_used_on_the_next_message_without_a_retrain(tmp_path: Path) -> None:
    path = tmp_path / "patterns.yml"
    path.write_text("patterns:\n  - name: first\n    phrases: [not breathing]\nend_of_file: true\n", encoding="utf-8")
    store = PatternStore(path)
    assert store.match("my baby went limp") is None
    path.write_text(
        "patterns:\n  - name: first\n    phrases: [not breathing]\n  - name: limp\n    phrases: [went limp]\nend_of_file: true\n",
        encoding="utf-8",
    )
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert store.match("my baby went limp") == "limp"


def test_a_broken_edit_keeps_the_last_good_patterns(tmp_path: Path) -> None:
    path = tmp_path / "patterns.yml"
    path.write_text("patterns:\n  - name: first\n    phrases: [not breathing]\nend_of_file: true\n", encoding="utf-8")
    store = PatternStore(path)
    assert store.match("he is not breathing") == "first"
    path.write_text("patterns:\n  - name: broken\n    regex: ['(unclosed']\nend_of_file: true\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert store.match("he is not breathing") == "first"
    assert "broken" in str(store.last_error)


def test_an_edit_with_a_regex_that_would_hang_every_message_keeps_the_last_good_patterns(tmp_path: Path) -> None:
    path = tmp_path / "patterns.yml"
    path.write_text("patterns:\n  - name: first\n    phrases: [not breathing]\nend_of_file: true\n", encoding="utf-8")
    store = PatternStore(path)
    assert store.match("he is not breathing") == "first"
    path.write_text("patterns:\n  - name: staff_typo\n    regex: ['(o+)+ verdose']\nend_of_file: true\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))

    assert store.match("he is not breathing") == "first"
    assert store.match("o" * 40 + " x") is None  # answered at once: the slow pattern is not in use
    assert "would stall every message" in str(store.last_error)


def test_a_save_in_progress_is_not_logged_and_the_finished_file_is_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "patterns.yml"
    path.write_text("patterns:\n  - name: first\n    phrases: [not breathing]\nend_of_file: true\n", encoding="utf-8")
    store = PatternStore(path)
    assert store.match("he is not breathing") == "first"
    path.write_text("", encoding="utf-8")  # an editor saving in place: truncated, not yet written
    with caplog.at_level(logging.ERROR):
        assert store.match("he is not breathing") == "first"
    assert not caplog.records, "a save in progress is not reported as a broken file"
    path.write_text("patterns:\n  - name: second\n    phrases: [not breathing]\nend_of_file: true\n", encoding="utf-8")
    assert store.match("he is not breathing") == "second"


def test_an_unknown_term_is_reported() -> None:
    with pytest.raises(PatternsFileError, match="unknown terms"):
        parse_patterns("patterns:\n  - name: x\n    regex: ['{nobody} fell']\n", Path("p.yml"))


def test_the_component_turns_a_misclassified_emergency_into_emergency() -> None:
    [message] = EmergencySafetyNet({"patterns_file": None}).process([classified("pls help shes not breathin")])
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "emergency", "confidence": 1.0}
    assert [entry["name"] for entry in ranking].count("emergency") == 1
    assert message.get("safety_net") == "not_breathing_or_unresponsive"
    assert "safety_net" in message.as_dict(only_output_properties=True)


def test_the_component_overrides_a_low_confidence_fallback() -> None:
    fallback = [{"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 0.5}] + CLASSIFIER_GUESS
    [message] = EmergencySafetyNet({}).process([classified("my kid ate my pills", fallback)])
    assert message.get(INTENT)["name"] == "emergency"


def test_the_component_overrides_the_input_guard_for_a_long_message() -> None:
    text = "sorry for the long story " * 60 + " and now he is not breathing"
    guarded = InputGuard(InputGuard.get_default_config()).process([classified(text)])
    assert guarded[0].get(INTENT)["name"] == DEFAULT_NLU_FALLBACK_INTENT_NAME
    [message] = EmergencySafetyNet({}).process(guarded)
    assert message.get(INTENT)["name"] == "emergency"


def test_the_component_leaves_other_messages_alone() -> None:
    [message] = EmergencySafetyNet({}).process([classified("does ldn cause headaches")])
    assert message.get(INTENT) == CLASSIFIER_GUESS[0]
    assert message.get("safety_net") is None


def test_the_component_reads_the_file_named_in_its_config(tmp_path: Path) -> None:
    path = tmp_path / "patterns.yml"
    path.write_text("patterns:\n  - name: custom\n    phrases: [code blue]\nend_of_file: true\n", encoding="utf-8")
    [message] = EmergencySafetyNet({"patterns_file": str(path)}).process([classified("code blue in room 4")])
    assert message.get("safety_net") == "custom"
