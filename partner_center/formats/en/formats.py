# English pages show unambiguous ISO dates, as Partner Center does; Chinese ones use
# Django's zh_Hans formats ("2026年3月1日 14:05").
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
