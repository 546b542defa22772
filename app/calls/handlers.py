"""Outbox handlers of the calls domain (imported by the worker: app.worker.HANDLER_MODULES)."""

from app.calls import escalation, notify, webhook_delivery

__all__ = ["escalation", "notify", "webhook_delivery"]
