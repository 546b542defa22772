"""Domain errors of the patients package (rendered as RFC 9457 problems; never quote data)."""

from app.core.errors import DomainError


class RecordIntegrityError(DomainError):
    """A stored ciphertext failed authentication: the record is reported, never returned garbled."""

    status, type, title = 409, "record-integrity-error", "Stored record failed its integrity check"


class PatientErased(DomainError):
    status, type, title = 410, "patient-erased", "Patient erased"
