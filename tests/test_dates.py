import pytest

from readingroom.records import dates


@pytest.mark.parametrize(
    "text,edtf,earliest,latest,precision,certainty",
    [
        ("October 15, 1968", "1968-10-15", "1968-10-15", "1968-10-15", "day", "stated"),
        ("15 October 1968", "1968-10-15", "1968-10-15", "1968-10-15", "day", "stated"),
        ("October 1968", "1968-10", "1968-10-01", "1968-10-31", "month", "stated"),
        ("February 1968", "1968-02", "1968-02-01", "1968-02-29", "month", "stated"),
        ("1968", "1968", "1968-01-01", "1968-12-31", "year", "stated"),
        ("ca. 1968", "1968~", "1968-01-01", "1968-12-31", "year", "approximate"),
        ("[1968]", "1968?", "1968-01-01", "1968-12-31", "year", "inferred"),
        ("October 15-20, 1968", "1968-10-15/1968-10-20", "1968-10-15", "1968-10-20", "range", "stated"),
        ("1984-07", "1984-07", "1984-07-01", "1984-07-31", "month", "stated"),
    ],
)
def test_dates_as_written(text, edtf, earliest, latest, precision, certainty):
    info = dates.from_text(text)
    assert (info.date, info.date_earliest, info.date_latest, info.date_precision, info.date_certainty) == (
        edtf,
        earliest,
        latest,
        precision,
        certainty,
    )
    assert info.date_text == text


def test_edtf_datetime_keeps_zone():
    info = dates.from_edtf("1968-10-15T10:59:00Z")
    assert info.date_earliest == info.date_latest == "1968-10-15T10:59:00Z"
    assert info.date_precision == "minute"


def test_undated():
    assert dates.from_text("undated").date_precision == "undated"
    assert dates.normalize({}).date is None


@pytest.mark.parametrize(
    "bad,fragment",
    [
        ("1968-02-30", "February 1968 has 29 days"),
        ("February 30, 1968", "February 1968 has 29 days"),
        ("19575", "four digits"),
        ("Octember 5, 1968", "unknown month"),
        ("1968-13", "months run from 1 to 12"),
    ],
)
def test_impossible_dates(bad, fragment):
    with pytest.raises(dates.DateError, match=fragment):
        dates.from_text(bad)


def test_range_backwards():
    with pytest.raises(dates.DateError, match="ends before it starts"):
        dates.from_edtf("1970/1968")


def test_as_dict_has_every_field_in_order():
    import dataclasses

    info = dates.from_text("October 15, 1968")
    assert list(info.as_dict().items()) == list(dataclasses.asdict(info).items())
