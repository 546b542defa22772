"""Settings: one class, read from the environment (prefix PERMANENCE_) and an optional .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-secret-change-me"  # noqa: S105 - the marker production mode refuses


class Settings(BaseSettings):
    """Everything configurable about a Permanence process."""

    model_config = SettingsConfigDict(env_prefix="PERMANENCE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/permanence.db"
    var_dir: Path = Path("./var")
    triage_rules_dir: Path = Path(__file__).resolve().parents[2] / "triage_rules"
    calendars_dir: Path = Path(__file__).resolve().parents[2] / "calendars"

    # Keys: a master key (base64, 32 bytes) given directly or as a file path.
    master_key: SecretStr | None = None
    master_key_file: Path | None = None
    secret_key: SecretStr = SecretStr(DEV_SECRET)

    # Browser sessions.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    cookie_secure: bool = False
    # Bearer tokens for API use by users.
    token_hours: int = 12
    # Login throttling.
    login_max_failures: int = 5
    login_window_seconds: int = 300

    # Connection pool per process, and how many requests may be inside the app at once (0: the pool's
    # size). Requests beyond that wait in the event loop, not in threads holding connections.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = 30.0
    max_requests_in_flight: int = 0

    max_body_bytes: int = 1_000_000
    hold_ttl_seconds: int = 180
    public_base_url: str = "http://127.0.0.1:8000"
    run_worker_in_process: bool = True
    smtp_host: str | None = None  # app/calls: practitioner e-mail; unset outside production: logged, not sent
    smtp_port: int = 25
    smtp_from: str = "permanence@localhost"
    smtp_timeout_seconds: float = 10.0
    ack_link_hours: int = 72  # validity of a message acknowledgement link
    webhook_timeout_seconds: float = 10.0

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> Settings:
        if self.env != "production":
            return self
        if self.secret_key.get_secret_value() == DEV_SECRET or len(self.secret_key.get_secret_value()) < 32:
            raise ValueError(
                "production mode needs PERMANENCE_SECRET_KEY (32+ characters), not the dev secret"
            )
        if self.master_key is None and self.master_key_file is None:
            raise ValueError("production mode needs PERMANENCE_MASTER_KEY or PERMANENCE_MASTER_KEY_FILE")
        if self.master_key_file is not None and self.master_key_file.name.startswith("dev-"):
            raise ValueError("production mode refuses a development master key file")
        return self

    @property
    def requests_in_flight(self) -> int:
        return self.max_requests_in_flight or self.db_pool_size + self.db_max_overflow

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
