"""Errors of the crypto layer; none of them ever carries a plaintext or a key."""


class CryptoError(Exception):
    """Base class for every error raised by app.crypto."""


class IntegrityError(CryptoError):
    """A ciphertext failed authentication: tampered, truncated, swapped or bound to another place."""


class MalformedCiphertext(IntegrityError):
    """The stored text is not a ciphertext of a known format (also an integrity failure)."""


class UnknownKeyVersion(CryptoError):
    """The key version named by a ciphertext is absent or retired from the keyring."""


class KeyConfigurationError(CryptoError):
    """The master key is missing, malformed, wrong, or a development key used in production."""


class NormalisationError(CryptoError, ValueError):
    """An input (phone, surname, birth date) cannot be normalised; the message never quotes it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
