"""The local server (target/debug/local, what `make run` starts) for the scripts that test it
from outside: on a free loopback port, ready once `/api/v1/health/ready` answers 200, stopped
with SIGINT (its Ctrl-C: it stops the moto and SMTP servers it started). Standard library only;
used by scripts/api_fuzz.py and scripts/docs_browser_test.py."""

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "target" / "debug" / "local"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(url, body=None, timeout=5):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def wait_ready(base, server, deadline_secs=120):
    deadline = time.monotonic() + deadline_secs
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the local server exited with status {server.returncode}")
        try:
            status, _ = request(f"{base}/api/v1/health/ready", timeout=2)
            if status == 200:
                return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the local server was not ready within {deadline_secs} s")


def sign_in(base, login):
    _, body = request(
        f"{base}/api/v1/auth/login",
        {"username": login["username"], "password": login["password"]},
    )
    return body["access_token"]


def stop(server):
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
