"""Host keys pinned in a target's settings, and the client key read from the secrets
provider, for the SSH driver.

A target's ``host_key`` is one known_hosts entry (``[host]:port ssh-ed25519 AAAA…``,
``host ssh-ed25519 AAAA…`` or just ``ssh-ed25519 AAAA…``). The server must present
exactly that key: an unknown or different key is refused, naming the fingerprint it
presented (SHA256, as ``ssh-keygen -lf`` prints it) so an operator can compare it
out of band; nothing is ever trusted on first use.
"""

from __future__ import annotations

import base64
import binascii
import io

import paramiko

from app.drivers.base import DriverError

KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
             "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa")


class HostKeyRefused(DriverError):
    """The server's host key is not the one pinned for the target."""

    def __init__(self, message: str, *, fingerprint: str) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint


def fingerprint(key: paramiko.PKey) -> str:
    return str(key.fingerprint)  # "SHA256:…", OpenSSH's form


def pinned_key(entry: str, *, target: str) -> paramiko.PKey:
    """The public key of a known_hosts entry; a line that is not one is refused."""
    fields = entry.split()
    if fields and fields[0] not in KEY_TYPES:
        fields = fields[1:]  # the host pattern: the key is pinned to this target anyway
    if len(fields) < 2 or fields[0] not in KEY_TYPES:
        raise DriverError(f"{target}: host_key must be a known_hosts entry such as "
                          "'[10.0.0.5]:22 ssh-ed25519 AAAA…' (ssh-keyscan prints them)")
    try:
        return paramiko.PKey.from_type_string(fields[0], base64.b64decode(fields[1], validate=True))
    except (binascii.Error, ValueError, paramiko.SSHException) as err:
        raise DriverError(f"{target}: host_key is not a readable {fields[0]} key ({err})") from None


class PinnedKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Called by paramiko only for a key it does not hold: always a refusal, with the fingerprint."""

    def __init__(self, target: str) -> None:
        self._target = target

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise HostKeyRefused(
            f"{self._target}: {hostname} presented a {key.get_name()} host key {fingerprint(key)} that is "
            "not the one pinned in the target's host_key setting; refused (compare it with the host's "
            "own `ssh-keygen -lf` before changing the pin)", fingerprint=fingerprint(key))


def client_key(text: str, *, target: str) -> paramiko.PKey:
    """An unencrypted OpenSSH or PEM private key, of any type paramiko reads."""
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError, TypeError):
            continue
    raise DriverError(f"{target}: the client key is not an unencrypted Ed25519, ECDSA or RSA private key")
