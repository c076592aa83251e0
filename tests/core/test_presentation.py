"""What every download and every sorted list shares: file names and natural order."""

from app.core.downloads import disposition
from app.core.ordering import natural


def test_a_file_name_with_finnish_letters_arrives_intact_and_old_clients_get_ascii() -> None:
    assert disposition("toteumat-HÄME.xlsx") == (
        "attachment; filename=\"toteumat-H_ME.xlsx\"; filename*=UTF-8''toteumat-H%C3%84ME.xlsx")


def test_a_quote_in_a_file_name_cannot_end_the_header_value() -> None:
    assert disposition('a"b.pdf', "inline").startswith('inline; filename="a_b.pdf";')


def test_codes_sort_by_their_numbers() -> None:
    codes = ["10", "1.10", "2", "1.9", "1", "A2", "A10"]
    assert sorted(codes, key=natural) == ["1", "1.9", "1.10", "2", "10", "A2", "A10"]
