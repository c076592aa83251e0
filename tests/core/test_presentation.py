"""What every download and every sorted list shares: file names and natural order."""

from decimal import Decimal

from app.core import formatting
from app.core.downloads import disposition
from app.core.formatting import number
from app.core.ordering import natural
from app.web.render import number as page_number


def test_a_file_name_with_finnish_letters_arrives_intact_and_old_clients_get_ascii() -> None:
    assert disposition("toteumat-HÄME.xlsx") == (
        "attachment; filename=\"toteumat-H_ME.xlsx\"; filename*=UTF-8''toteumat-H%C3%84ME.xlsx")


def test_a_quote_in_a_file_name_cannot_end_the_header_value() -> None:
    assert disposition('a"b.pdf', "inline").startswith('inline; filename="a_b.pdf";')


def test_codes_sort_by_their_numbers() -> None:
    codes = ["10", "1.10", "2", "1.9", "1", "A2", "A10"]
    assert sorted(codes, key=natural) == ["1", "1.9", "1.10", "2", "10", "A2", "A10"]


def test_the_pages_show_a_reported_value_as_stored_and_the_reports_round_to_cents() -> None:
    assert page_number(Decimal("1234.5678"), "fi") == "1\xa0234,5678"
    assert number(Decimal("1234.5678"), "fi") == "1\xa0234,57"
    assert number(Decimal("1234.5"), "en") == "1,234.5"


def test_a_finnish_unit_abbreviation_is_told_in_the_readers_language() -> None:
    assert [formatting.quantity(Decimal(38), "vrk", lang) for lang in ("fi", "sv", "en")] == [
        "38\u00a0vrk", "38 dygn", "38 days"]
    assert formatting.unit_text("kpl", "sv") == "st."
    assert formatting.unit_text("käyntiä", "en") == "käyntiä"  # the agreement's own word
