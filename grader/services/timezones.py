"""Time zones: each course has one (an IANA name, "UTC" by default). The database keeps UTC;
people read and type times in the course's zone, and every time shown names its zone.

A form shows a stored time in the course's zone and reads it back in the same zone; the text
it showed, sent back unchanged, keeps the stored time exactly (seconds, and the second of two
equal wall-clock times when clocks go back), so saving a form unchanged never moves a date.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_skeleton

from grader.services.errors import Invalid

DEFAULT_ZONE = "UTC"
MAX_ZONE_CHARS = 64
INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # an <input type="datetime-local"> value


@functools.cache
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() | {DEFAULT_ZONE}))


def check_zone(name: str | None, path: str = "time_zone") -> str:
    """An IANA time zone name as given ("Europe/Paris"), or a 422 saying what is wrong."""
    name = (name or "").strip() or DEFAULT_ZONE
    if len(name) > MAX_ZONE_CHARS or name not in zone_names():
        raise Invalid(
            f"unknown time zone {name[:MAX_ZONE_CHARS]!r}: give an IANA name such as "
            "Europe/Paris or America/Chicago",
            details=[{"path": path}],
        )
    return name


def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of a stored name (UTC when the name is unknown or missing)."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def shown(value: datetime | str | None, zone_name: str | None, locale: str | None = None) -> str:
    """A time for people, in the zone and naming it: '2026-03-01 17:00 America/Chicago'; with
    a Babel `locale` other than English, written as that language writes dates ('2026年3月1日
    17:00 America/Chicago')."""
    if not value:
        return ""
    here = _aware(value).astimezone(zone(zone_name))
    if locale and not locale.startswith("en"):
        return f"{format_skeleton('yMMMd', here, locale=locale)} {here:%H:%M} {zone(zone_name).key}"
    return f"{here:%Y-%m-%d %H:%M} {zone(zone_name).key}"


def to_input(value: datetime | str | None, zone_name: str | None) -> str:
    """A stored time as the value of a datetime-local input in the zone."""
    if not value:
        return ""
    return _aware(value).astimezone(zone(zone_name)).strftime(INPUT_FORMAT)


def in_zone(value: datetime | None, zone_name: str | None, path: str) -> datetime | None:
    """A time as UTC; a time without an offset is read in the zone (the course's)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = _local(value, zone(zone_name), path)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        message = "is outside the years 1 to 9999 in UTC"
        raise Invalid(f"{path} {message}", details=[{"path": path, "message": message}]) from None


def _local(naive: datetime, tz: ZoneInfo, path: str) -> datetime:
    """A wall-clock time in `tz`; a time the clocks skip (spring forward) is refused."""
    local = naive.replace(tzinfo=tz)
    try:
        back = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    except (OverflowError, ValueError):
        message = "is outside the years 1 to 9999 in UTC"
        raise Invalid(f"{path} {message}", details=[{"path": path, "message": message}]) from None
    if back != naive:
        message = (
            f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks skip it); "
            "give a time before or after the change"
        )
        raise Invalid(f"{path}: {message}", details=[{"path": path, "message": message}])
    return local


def from_input(
    text: str, zone_name: str | None, path: str, current: datetime | str | None = None
) -> datetime | None:
    """A datetime-local input's value, read in the zone, as UTC (None when empty). The value
    `to_input` gave for `current`, sent back unchanged, is `current` itself."""
    text = text.strip()
    if not text:
        return None
    if current is not None and text == to_input(current, zone_name):
        return _aware(current)
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"{path}: {text[:40]!r} is not a date and time (YYYY-MM-DDTHH:MM)",
            details=[{"path": path}],
        ) from None
    return in_zone(naive.replace(tzinfo=None), zone_name, path)
