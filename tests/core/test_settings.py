"""Settings refuse development secrets in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_production_refuses_dev_secret(tmp_path):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", master_key="x" * 44)


def test_production_refuses_dev_master_key_file(tmp_path):
    with pytest.raises(ValidationError, match="development master key"):
        Settings(env="production", secret_key="s" * 40, master_key_file=tmp_path / "dev-master.key")


def test_production_needs_a_master_key():
    with pytest.raises(ValidationError, match="MASTER_KEY"):
        Settings(env="production", secret_key="s" * 40)


def test_production_accepts_real_secrets(tmp_path):
    s = Settings(env="production", secret_key="s" * 40, master_key_file=tmp_path / "master.key")
    assert s.env == "production"
