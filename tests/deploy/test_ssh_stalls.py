"""An SSH host that accepts the session and then never answers must not hold a stage:
the driver gives up within its timeout and says why. The host here is an in-process
SSH server (paramiko's server side) whose command handler never returns."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import paramiko
import pytest

from app.drivers.base import DriverError, ReleaseRef, Target
from app.drivers.command import EnvironmentCommands
from app.drivers.ssh import SshDriver
from tests.support.sshd_server import keypair


class StallingHost(paramiko.ServerInterface):
    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.asked = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.asked.set()
        self.release.wait(60)  # a wedged host: the request is never answered
        return False


@pytest.fixture
def stalling_host() -> Iterator[tuple[int, str, StallingHost]]:
    host_key = paramiko.RSAKey.generate(2048)
    release = threading.Event()
    host = StallingHost(release)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    transports: list[paramiko.Transport] = []

    def serve() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(sock)
            transport.add_server_key(host_key)
            transport.start_server(server=host)
            transports.append(transport)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield port, f"[127.0.0.1]:{port} ssh-rsa {host_key.get_base64()}", host
    finally:
        release.set()
        listener.close()
        for transport in transports:
            transport.close()


def test_a_host_that_never_answers_the_command_request_times_out(stalling_host):
    port, known_hosts, host = stalling_host
    private, _ = keypair()
    ssh = SshDriver({"hosts": EnvironmentCommands.from_dict({"deploy": "install {target}", "status": "status",
                                                             "timeout_seconds": 30})},
                    resolve_secret=lambda _ref: private, connect_timeout=1.5)
    target = Target("hosts", "web-01", "ssh", {"host": "127.0.0.1", "port": str(port), "user": "deploy",
                                               "host_key": known_hosts, "client_key": "file:key"})
    began = time.monotonic()
    with pytest.raises(DriverError, match="did not answer the command request within 1.5s"):
        ssh.observe(target)
    assert host.asked.is_set() and time.monotonic() - began < 10
    release = ReleaseRef.from_release_json({"name": "platform", "version": "1.3.0", "components": [
        {"name": "api", "image": "registry.local/api", "digest": "sha256:" + "a" * 64}]})
    with pytest.raises(DriverError, match="did not answer the command request"):
        ssh.deploy(target, release, log=lambda _line: None)
