"""The Vietnamese lunar calendar (âm lịch), computed astronomically for Vietnam's time zone (UTC+7).

Plain Python, no Django: the algorithm published by Hồ Ngọc Đức ("Âm lịch Việt Nam", public domain), which
finds new moons and the sun's longitude from Jean Meeus' "Astronomical Algorithms" formulae. It is used to
pre-fill the lunar public holidays (Tết, Hùng Kings' day) in ``data/holidays.json`` and by the test that
checks that file; the working-day calendar itself reads the data, which administrators correct when the
government announces a year's schedule.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

VIETNAM_TZ = 7.0
_DR = math.pi / 180


def _jd_from_date(d: date) -> int:
    return d.toordinal() + 1721425  # Julian day number at noon


def _date_from_jd(jd: int) -> date:
    return date.fromordinal(jd - 1721425)


def _new_moon(k: int) -> float:
    """Julian date (UT) of the k-th new moon after the one of 1900-01-01."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * _DR)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * _DR) + 0.0021 * math.sin(2 * _DR * m)
    c1 -= 0.4068 * math.sin(mpr * _DR) - 0.0161 * math.sin(_DR * 2 * mpr)
    c1 -= 0.0004 * math.sin(_DR * 3 * mpr)
    c1 += 0.0104 * math.sin(_DR * 2 * f) - 0.0051 * math.sin(_DR * (m + mpr))
    c1 -= 0.0074 * math.sin(_DR * (m - mpr)) - 0.0004 * math.sin(_DR * (2 * f + m))
    c1 -= 0.0004 * math.sin(_DR * (2 * f - m)) + 0.0006 * math.sin(_DR * (2 * f + mpr))
    c1 += 0.0010 * math.sin(_DR * (2 * f - mpr)) + 0.0005 * math.sin(_DR * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - delta_t


def _new_moon_day(k: int, tz: float) -> int:
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_longitude(jdn: float) -> float:
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(_DR * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(_DR * 2 * m) + 0.000290 * math.sin(_DR * 3 * m)
    longitude = (l0 + dl) * _DR
    return longitude - math.pi * 2 * math.floor(longitude / (math.pi * 2))


def _sun_sector(day_number: int, tz: float) -> int:
    """The sun's longitude at the start of the day, as one of 12 sectors of 30°."""
    return math.floor(_sun_longitude(day_number - 0.5 - tz / 24) / math.pi * 6)


def _lunar_month_11(year: int, tz: float) -> int:
    """Day number of the start of the 11th lunar month (the one containing the winter solstice)."""
    off = _jd_from_date(date(year, 12, 31)) - 2415021
    k = math.floor(off / 29.530588853)
    nm = _new_moon_day(k, tz)
    if _sun_sector(nm, tz) >= 9:
        nm = _new_moon_day(k - 1, tz)
    return nm


def _leap_month_offset(a11: int, tz: float) -> int:
    k = math.floor((a11 - 2415021.076998695) / 29.530588853 + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            break
    return i - 1


def lunar_to_solar(day: int, month: int, year: int, leap: bool = False, tz: float = VIETNAM_TZ) -> date:
    """The Gregorian date of lunar ``day``/``month`` of lunar ``year`` (the year whose Tết falls in
    Gregorian ``year``)."""
    if month < 11:
        a11 = _lunar_month_11(year - 1, tz)
        b11 = _lunar_month_11(year, tz)
    else:
        a11 = _lunar_month_11(year, tz)
        b11 = _lunar_month_11(year + 1, tz)
    k = math.floor(0.5 + (a11 - 2415021.076998695) / 29.530588853)
    off = month - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11, tz)
        leap_month = leap_off - 2
        if leap_month < 0:
            leap_month += 12
        if leap and month != leap_month:
            raise ValueError(f"lunar year {year} has no leap month {month}")
        if leap or off >= leap_off:
            off += 1
    return _date_from_jd(_new_moon_day(k + off, tz) + day - 1)


def lunar_new_year(year: int) -> date:
    """Tết Nguyên đán: the first day of the first lunar month."""
    return lunar_to_solar(1, 1, year)


def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month."""
    return lunar_to_solar(10, 3, year)


def lunar_new_years_eve(year: int) -> date:
    """The last day of the lunar year that ends at Tết of ``year``."""
    return lunar_new_year(year) - timedelta(days=1)
