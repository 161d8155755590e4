"""Portal settings from the environment, and the secret file made once with mode 0600."""

from __future__ import annotations

import stat

import pytest

from portal.settings import PortalSettings


def test_settings_default_under_home(tmp_path):
    settings = PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.db_url == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.link_max_age_days == 14 and settings.link_max_age_seconds == 14 * 86_400


def test_settings_create_the_secret_file_once_with_mode_0600(tmp_path):
    first = PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path)})
    secret_file = tmp_path / "secret.key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    assert PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path)}).secret_key == first.secret_key
    assert PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path / "b")}).secret_key != first.secret_key


def test_settings_prefer_the_environment(tmp_path):
    settings = PortalSettings.from_env(
        {
            "LEDGERLOOP_HOME": str(tmp_path),
            "LEDGERLOOP_SECRET_KEY": "from-env-" + "x" * 32,
            "LEDGERLOOP_PORTAL_DB_URL": "sqlite:////tmp/other.sqlite3",
            "LEDGERLOOP_PORTAL_URL": "https://p.example/",
            "LEDGERLOOP_LINK_MAX_AGE_DAYS": "3",
        }
    )
    assert settings.secret_key.startswith("from-env-")
    assert not (tmp_path / "secret.key").exists()
    assert (settings.db_url, settings.base_url, settings.link_max_age_days) == (
        "sqlite:////tmp/other.sqlite3",
        "https://p.example",
        3,
    )


@pytest.mark.parametrize("days", ["soon", "0"])
def test_settings_refuse_a_bad_link_age(tmp_path, days):
    with pytest.raises(ValueError, match="LEDGERLOOP_LINK_MAX_AGE_DAYS"):
        PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path), "LEDGERLOOP_LINK_MAX_AGE_DAYS": days})


def test_settings_refuse_a_short_secret_file(tmp_path):
    (tmp_path / "secret.key").write_text("short\n")
    (tmp_path / "secret.key").chmod(0o600)
    with pytest.raises(ValueError, match="secret.key: secret key is shorter"):
        PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path)})


def test_settings_refuse_a_short_secret_from_the_environment(tmp_path):
    with pytest.raises(ValueError, match="LEDGERLOOP_SECRET_KEY is shorter than 32"):
        PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path), "LEDGERLOOP_SECRET_KEY": "changeme"})


def test_settings_refuse_a_secret_file_others_can_read(tmp_path):
    secret_file = tmp_path / "secret.key"
    secret_file.write_text("x" * 48 + "\n")
    secret_file.chmod(0o644)
    with pytest.raises(ValueError, match="readable by others .*chmod 600"):
        PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path)})


def test_settings_repr_shows_neither_the_secret_nor_the_database_password(tmp_path):
    settings = PortalSettings.from_env({
        "LEDGERLOOP_HOME": str(tmp_path),
        "LEDGERLOOP_SECRET_KEY": "the-signing-secret-" + "x" * 32,
        "LEDGERLOOP_PORTAL_DB_URL": "postgresql+psycopg://portal:hunter2-db-pass@db/portal",
    })
    assert "the-signing-secret" not in repr(settings)
    assert "hunter2-db-pass" not in repr(settings)
