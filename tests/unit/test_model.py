"""The domain records' value rules: the store's timestamp text (fixed width, UTC, sortable)
and phone numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from graph_api.model import Customer, format_timestamp, parse_timestamp


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2024, 5, 1, 12, tzinfo=UTC), "2024-05-01T12:00:00.000000Z"),
        (
            datetime(2024, 5, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
            "2024-04-30T22:30:00.000000Z",
        ),
        (datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=UTC), "2024-05-01T12:00:00.000005Z"),
        (datetime(999, 1, 1, tzinfo=UTC), "0999-01-01T00:00:00.000000Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000000Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, UTC), "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_timestamps_are_fixed_width_utc_text(value: datetime, text: str) -> None:
    assert format_timestamp(value) == text
    assert parse_timestamp(text) == value


def test_text_order_is_time_order_and_naive_times_are_refused() -> None:
    times = [
        datetime(y, 3, 1, h, tzinfo=timezone(timedelta(hours=h % 5)))
        for y in (999, 2024)
        for h in (0, 9, 23)
    ]
    assert sorted(times) == sorted(times, key=format_timestamp)
    with pytest.raises(ValueError, match="no timezone"):
        format_timestamp(datetime(2024, 5, 1))


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+49 1500000000", "+491500000000"),
        (" 030 (123) 45.67 ", "0301234567"),
        ("+1 (555) 010/2030", "+15550102030"),
        ("0049-30-1234", "0049301234"),
    ],
)
def test_phone_numbers_keep_their_digits_and_a_leading_plus(given: str, stored: str) -> None:
    assert Customer(id="c1", name="Ann", phone=given).phone == stored


@pytest.mark.parametrize(
    "given", ["1 2", "(030) 1234", "+", "phone", "+49 150 x", "++49 1500000", "1" * 40]
)
def test_what_is_not_a_phone_number_is_refused(given: str) -> None:
    with pytest.raises(ValidationError, match="not a phone number"):
        Customer(id="c1", name="Ann", phone=given)
