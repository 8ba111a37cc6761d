"""A real OpenSSH server on 127.0.0.1 for integration tests: a high free port, a
temporary host key, the running user allowed with one temporary client key only,
and two scripts the environment's commands call (install writes a version file per
target, status prints it). Always stopped by the context manager."""

from __future__ import annotations

import getpass
import os
import socket
from pathlib import Path

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519

from devkit.loopback_server import LoopbackServer
from tests.support.system_tools import ensure_tool

INSTALL = """#!/bin/sh
# install TARGET DIGEST VERSION RELEASE: what a host's installer does, in one file
set -e
echo "installing $4 $3 on $1"
touch "{root}/hosts/$1.busy"
[ -f "{root}/slow" ] && sleep "$(cat "{root}/slow")"
printf '%s %s %s\\n' "$2" "$3" "$4" > "{root}/hosts/$1.version.tmp"
mv "{root}/hosts/$1.version.tmp" "{root}/hosts/$1.version"
rm -f "{root}/hosts/$1.busy"
echo "done"
"""
STATUS = """#!/bin/sh
# status TARGET: the digest, version and release the host runs, or none
if [ -f "{root}/hosts/$1.version" ]; then cat "{root}/hosts/$1.version"; else echo none; fi
"""


def keypair() -> tuple[str, str]:
    """(OpenSSH private key text, public key line) of a fresh Ed25519 key."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, ser.NoEncryption()).decode()
    public = key.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
    return private, public


class SshServer(LoopbackServer):
    name = "sshd"

    def __init__(self, root: Path) -> None:
        self.binary = ensure_tool("sshd", "openssh-server")
        super().__init__(root)
        self.user = getpass.getuser()
        self.client_private, self.client_public = keypair()
        self.host_public = ""

    @property
    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.host_public}"

    @property
    def install(self) -> str:
        return str(self.root / "bin" / "install")

    @property
    def status(self) -> str:
        return str(self.root / "bin" / "status")

    def busy(self, target: str) -> bool:
        return (self.root / "hosts" / f"{target}.busy").exists()

    def set_installed(self, target: str, digest: str, version: str, release: str = "platform") -> None:
        (self.root / "hosts").mkdir(parents=True, exist_ok=True)
        (self.root / "hosts" / f"{target}.version").write_text(f"{digest} {version} {release}\n")

    def version_of(self, target: str) -> str | None:
        path = self.root / "hosts" / f"{target}.version"
        return path.read_text().split()[1] if path.exists() else None

    def new_host_key(self) -> None:
        """Replace the host key (a rebuilt host, or someone in between): restart needed."""
        private, self.host_public = keypair()
        path = self.root / "host_ed25519"
        path.write_text(private)
        path.chmod(0o600)

    def start(self) -> SshServer:
        for folder in ("bin", "hosts"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        for name, text in (("install", INSTALL), ("status", STATUS)):
            script = self.root / "bin" / name
            script.write_text(text.replace("{root}", str(self.root)))
            script.chmod(0o755)
        if not self.host_public:
            self.new_host_key()
        (self.root / "authorized_keys").write_text(self.client_public + "\n")
        (self.root / "authorized_keys").chmod(0o600)
        config = self.root / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {self.root / 'host_ed25519'}",
            f"PidFile {self.root / 'sshd.pid'}", f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
            "StrictModes no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "PermitRootLogin prohibit-password", "UsePAM no",
            f"AllowUsers {self.user}", "LogLevel VERBOSE", ""]))
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
        self.spawn([self.binary, "-D", "-e", "-f", str(config)], ready=self._ready, timeout=15)
        return self

    def _ready(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            return sock.recv(4).startswith(b"SSH-")

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.remove("hosts")
