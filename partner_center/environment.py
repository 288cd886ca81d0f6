"""How settings.py reads the environment and builds its larger blocks.

Pure functions of their arguments (and of os.environ for the `env_*` readers): no Django
import, so settings.py can call them before Django is configured, and tests can call them
with any value.
"""

import os
import re


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def db_pool_options(value: str) -> dict | None:
    """DB_POOL: empty/0/off = no pool; 1/on = MIN 2, MAX 4; "MIN:MAX" = those sizes."""
    value = value.strip().lower()
    if value in {"", "0", "off", "false", "no"}:
        return None
    if value in {"1", "on", "true", "yes"}:
        sizes = (2, 4)
    elif re.fullmatch(r"\d+:\d+", value):
        low, high = (int(part) for part in value.split(":"))
        sizes = (low, high)
    else:
        raise RuntimeError('DB_POOL must be "1" (on) or "MIN:MAX", e.g. "2:8".')
    if sizes[1] < 1 or sizes[0] > sizes[1]:
        raise RuntimeError("DB_POOL needs 0 <= MIN <= MAX and MAX >= 1.")
    # A request that finds every pooled connection taken waits this long, then fails.
    timeout = float(os.environ.get("DB_POOL_TIMEOUT") or "10")
    return {"min_size": sizes[0], "max_size": sizes[1], "timeout": timeout}


def s3_storages(
    *,
    bucket: str,
    location: str = "",
    signature_version: str = "s3v4",
    querystring_expire: int = 120,
    **options,
) -> dict:
    """The `documents` and `default` aliases on one private bucket, apart by key prefix.

    `options` are further S3Storage options (endpoint_url, region_name, addressing_style …).
    """
    prefix = f"{location.strip('/')}/" if location.strip("/") else ""
    common = {
        "bucket_name": bucket,
        # Signature Version 4: the one R2 and MinIO accept; boto's legacy default is not it.
        "signature_version": signature_version,
        "default_acl": None,  # the bucket's own policy: private
        "querystring_auth": True,
        "querystring_expire": querystring_expire,
        "file_overwrite": False,
        **options,
    }
    return {
        "documents": {
            "BACKEND": "onboarding.s3.S3DocumentStorage",
            "OPTIONS": {**common, "location": f"{prefix}documents"},
        },
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": f"{prefix}media"},
        },
    }


def s3_origins(
    *, bucket: str, endpoint_url: str = "", region_name: str = "", addressing_style: str = ""
) -> list[str]:
    """Where browsers fetch signed URLs from (the CSP's img-src must allow it)."""
    if endpoint_url:
        scheme, _sep, host = endpoint_url.rstrip("/").partition("://")
        host = host.split("/", 1)[0]
        origins = [f"{scheme}://{host}"]
        if addressing_style != "path":
            origins.append(f"{scheme}://{bucket}.{host}")
        return origins
    region = region_name or "us-east-1"
    return [
        f"https://{bucket}.s3.amazonaws.com",
        f"https://{bucket}.s3.{region}.amazonaws.com",
        f"https://s3.{region}.amazonaws.com",
    ]


def logging_config(log_format: str, level: str) -> dict:
    """LOGGING: every handler runs both filters, request_id first (partner_center/requestid.py),
    then the credential mask, so no line, whatever its format, shows a secret."""
    filters = ["request_id", "redact_credentials"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "partner_center.logs.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
            "server": {
                "()": "django.utils.log.ServerFormatter",
                "format": "[{server_time}] {message}",
                "style": "{",
            },
        },
        # SPEC §4.8: Open API credentials travel in query strings; no log line may show them.
        "filters": {
            "request_id": {"()": "partner_center.requestid.RequestIdFilter"},
            "redact_credentials": {"()": "open_api.redaction.RedactCredentials"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": filters,
            },
            # Django's development server access log, with the same filters.
            "server": {
                "class": "logging.StreamHandler",
                "formatter": "server" if log_format == "plain" else "json",
                "filters": filters,
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        },
    }


def init_sentry(dsn: str, *, environment: str | None, traces_sample_rate: float) -> None:
    """Errors to Sentry: no personal data, credentials masked (partner_center/errors.py),
    each event tagged with its request id."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from partner_center.errors import before_send, before_send_transaction

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=before_send,
        before_send_transaction=before_send_transaction,
    )
