"""Dates as ISO 8601 reads them, in UTC (TIME_ZONE): the admin, the dashboard and the API say the same.

Django's English default ("Dec. 3, 2026, 11:38 a.m.") differed from the dashboard's "2026-12-03 11:38:00"
and from every API timestamp. Input formats stay Django's (they accept this style first).
"""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i:s"
TIME_FORMAT = "H:i:s"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
FIRST_DAY_OF_WEEK = 1  # Monday, as ISO 8601
