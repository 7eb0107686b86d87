"""The desk's one way of writing dates (FORMAT_MODULE_PATH): 25 Nov 2026, 25 Nov 2026, 14:05."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
