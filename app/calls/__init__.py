"""Calls, messages to practitioners, practice reporting, billing and integrator webhooks."""

from app.calls import appointment_events as appointment_events  # registers the appointment webhook listener
