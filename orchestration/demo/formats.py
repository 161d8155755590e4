"""How people and systems write dates, money and invoice numbers, in the policy's locale.

The generator renders millions of cells, so dates are looked up in per-day tables and the
other helpers work on whole arrays at once.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from orchestration.policy.locale import Locale

CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€"}


def local_date(year: int, month: int, day: int, order: str) -> str:
    """A date as the report writes it: no zero padding, in the locale's field order.

    Takes parts rather than a `date` so that impossible dates (2/30) can be written too.
    """
    if order == "DMY":
        return f"{day}/{month}/{year}"
    if order == "YMD":
        return f"{year}/{month}/{day}"
    return f"{month}/{day}/{year}"


def local_time(minute_of_day: int, order: str) -> str:
    """Clock time as Salesforce shows it: `5:14 AM` for US locales, `05:14` elsewhere."""
    hour, minute = divmod(minute_of_day, 60)
    if order == "MDY":
        return f"{(hour - 1) % 12 + 1}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    return f"{hour:02d}:{minute:02d}"


class DayTable:
    """Local and ISO strings for every day in a window around `as_of`, indexed by day offset."""

    def __init__(self, as_of: dt.date, first: int, last: int, order: str):
        days = [as_of + dt.timedelta(days=d) for d in range(first, last + 1)]
        self.first = first
        self.order = order
        self.local = np.array(
            [local_date(d.year, d.month, d.day, order) for d in days], dtype=object
        )
        self.iso = np.array([d.isoformat() for d in days], dtype=object)
        self.clock = np.array([" " + local_time(m, order) for m in range(1440)], dtype=object)

    def dates(self, offsets: np.ndarray, iso: np.ndarray) -> np.ndarray:
        """Local spelling, or ISO where `iso` is true."""
        index = offsets - self.first
        return np.where(iso, self.iso[index], self.local[index])

    def timestamps(self, minutes: np.ndarray) -> np.ndarray:
        """`M/D/YYYY h:mm AM` from minutes since as_of midnight (report time zone)."""
        days, minute_of_day = np.divmod(minutes, 1440)
        return self.local[days - self.first] + self.clock[minute_of_day]


def money(cents: np.ndarray, locale: Locale) -> np.ndarray:
    """Amounts with the locale's thousands and decimal separators (`1,234.56`)."""
    text = [f"{c // 100:,}.{c % 100:02d}" for c in cents.tolist()]
    if (locale.thousands_separator, locale.decimal_separator) != (",", "."):
        table = str.maketrans({",": locale.thousands_separator, ".": locale.decimal_separator})
        text = [t.translate(table) for t in text]
    return np.array(text, dtype=object)


def decimal_text(cents: int) -> str:
    """Plain `1234.56`, as banks and the truth files write money."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def spell_numbers(numbers: np.ndarray, styles: np.ndarray, patterns: tuple[str, ...]) -> list[str]:
    """Each invoice number written with the pattern its style picks (`INV-{:08d}`, `#{}` ...)."""
    formatters = [p.format for p in patterns]
    return [formatters[s](n) for s, n in zip(styles.tolist(), numbers.tolist(), strict=True)]
