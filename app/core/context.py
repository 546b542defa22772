"""Per-request context (request id) available to logging and audit without threading it through."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
