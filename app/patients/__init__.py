"""Patients: encrypted identity records of each practice's callers, searchable by blind index."""
