"""Scheduling: opening hours, availability, holds, appointments, write-back and ICS feeds."""
