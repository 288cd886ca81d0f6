"""`manage.py check --deploy` on the production profile: zero warnings; without
APP_SECRET_ENCRYPTION_KEY, an error that says what breaks and how to fix it."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
    "ALLOWED_HOSTS": "partner.example.com",
    "APP_SECRET_ENCRYPTION_KEY": "u6T3kqk2C3WnHQ1sCwqY3v8uZ7c1Cf2mM8b0o9yq6gA=",
    "PORTAL_BASE_URL": "https://partner.example.com",
}


def run(argv, env_overrides, tmp_path):
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env = {**keep, "VAR_DIR": str(tmp_path), **env_overrides}
    return subprocess.run(
        [sys.executable, *argv],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_profile_passes_the_deployment_checks(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_an_unset_encryption_key_is_a_deployment_error(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "APP_SECRET_ENCRYPTION_KEY"}

    result = run(["manage.py", "check", "--deploy"], env, tmp_path)

    assert result.returncode != 0
    assert "partner_center.E001" in result.stderr
    assert "APP_SECRET_ENCRYPTION_KEY is not set" in result.stderr


def test_production_cookies_are_secure(tmp_path):
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='partner_center.settings';"
        "django.setup(); from django.conf import settings as s;"
        "print(s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )

    result = run(["-c", script], PRODUCTION, tmp_path)

    assert result.stdout.split() == ["True", "True", "True"], result.stderr
