"""GSM-7 conversion and honest segment counts."""
from answer_book.sms_text import is_gsm7, sms_size, to_gsm7


def test_curly_quotes_dashes_and_emoji_become_gsm7() -> None:
    text = to_gsm7("It\u2019s \u201cfine\u201d \u2014 really\u2026 \U0001F60A")
    assert text == "It's \"fine\" - really..."
    assert is_gsm7(text)


def test_one_curly_quote_makes_the_message_ucs2() -> None:
    assert sms_size("a" * 160).segments == 1
    assert sms_size("a" * 159 + "\u2019").encoding == "UCS-2"
    assert sms_size("a" * 159 + "\u2019").segments == 3


def test_gsm7_segments_hold_153_characters_after_the_first() -> None:
    assert sms_size("a" * 161).segments == 2
    assert sms_size("a" * 306).segments == 2
    assert sms_size("a" * 307).segments == 3


def test_extension_characters_count_twice() -> None:
    assert sms_size("[" * 80).units == 160
    assert sms_size("[" * 81).segments == 2


def test_emoji_count_as_two_utf16_units() -> None:
    assert sms_size("\U0001F60A").units == 2
