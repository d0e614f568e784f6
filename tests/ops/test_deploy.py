"""`manage.py check --deploy` is clean with production settings (DEBUG off, HTTPS declared)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "kommunalhub.example.de",
    "CSRF_TRUSTED_ORIGINS": "https://kommunalhub.example.de",
    "KOMMUNALHUB_MANIFEST_STATIC": "1",
    "LOG_LEVEL": "WARNING",
}


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR), capture_output=True, text=True,
        env={**os.environ, **PRODUCTION, **env})


def test_deploy_checks_are_clean_with_production_settings():
    result = deploy_check()
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_checks_flag_a_site_without_declared_https():
    result = deploy_check(HTTPS="0")
    assert result.returncode == 1
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr


def test_deploy_checks_flag_a_weak_secret_key():
    result = deploy_check(SECRET_KEY="short")
    assert result.returncode == 1
    assert "security.W009" in result.stderr
