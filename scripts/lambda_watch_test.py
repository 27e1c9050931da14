#!/usr/bin/env python3
"""The README's developer loop, run as written: `cargo lambda watch` against a local stack, then
`cargo lambda invoke` of one event per function, each answering its status in
events/manifest.json.

The commands are read from the README's "One function through the real Lambda runtime" section
(its `sh` blocks), so the README cannot drift from what is tested. Two things are put in place
for the run: a free loopback port for the invoke port 9000, and the environment file of a local
stack this script starts itself (target/debug/local on a free port, as `make run` starts it, its
files in a temporary directory) for `.local/function.env`, so a developer's `make run` is left
alone. The `watch` line runs in the background in its own process group; the server and that
group are stopped by their PIDs whatever happens. Every command is bounded in time, the whole
run by LAMBDA_WATCH_TIMEOUT seconds (default 900: a first run installs cargo-lambda).

Run by scripts/test.sh after `cargo build --bins`. Standard library only.
"""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from local_server import ROOT, SERVER, free_port, stop, wait_ready

README = ROOT / "README.md"
SECTION = "### One function through the real Lambda runtime"
INVOKE_PORT = "9000"
ENV_FILE = ".local/function.env"


def log(message):
    print(f"lambda-watch: {message}", flush=True)


def readme_commands():
    """The lines of the section's ```sh blocks, in order."""
    text = README.read_text()
    start = text.index(SECTION)
    end = text.find("\n#", start + len(SECTION))
    section = text[start : end if end != -1 else len(text)]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        lines += [l.strip() for l in block.splitlines() if l.strip() and not l.startswith("#")]
    return lines


def expected_statuses():
    """Per event file: its function and what it must answer. An API Gateway event's status; for
    an SQS batch the message ids reported failed; for a scheduled event no failed job."""
    manifest = json.loads((ROOT / "events" / "manifest.json").read_text())
    expected = {}
    for e in manifest["events"]:
        kind = e.get("kind", "http")
        if kind == "sqs":
            want = ("sqs", sorted(e.get("failed_message_ids", [])))
        elif kind == "schedule":
            want = ("schedule", 0)
        else:
            want = ("http", e["status"])
        expected[f"events/{e['file']}"] = (e["function"], want)
    return expected


def outcome(answer, kind):
    """What an answer says, in the terms `expected_statuses` uses for its kind."""
    if kind == "sqs":
        return sorted(f["itemIdentifier"] for f in answer.get("batchItemFailures", []))
    if kind == "schedule":
        return answer.get("jobs_failed")
    return answer.get("statusCode")


def option(argv, *names):
    for i, arg in enumerate(argv[:-1]):
        if arg in names:
            return argv[i + 1]
    return None


class Loop:
    def __init__(self, env_file, port, deadline):
        self.env = dict(os.environ, PWD=str(ROOT))
        self.env_file, self.port, self.deadline = str(env_file), str(port), deadline
        self.watch = None
        self.watch_log = None
        self.answered = {}

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError("out of time")
        return left

    def expand(self, text):
        """`$NAME` from this run's environment (`$PWD` is the repository)."""
        return re.sub(r"\$(\w+)", lambda m: self.env.get(m[1], ""), text)

    def argv(self, line):
        """The line as arguments, with the port and environment file put in place."""
        argv = [self.expand(arg) for arg in shlex.split(line)]
        for i, arg in enumerate(argv):
            if arg == ENV_FILE:
                argv[i] = self.env_file
            elif arg == INVOKE_PORT and i > 0 and argv[i - 1] in ("-P", "--invoke-port"):
                argv[i] = self.port
        return argv

    def run(self, line, expected, state_dir):
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            self.env[name] = self.expand(shlex.split(value)[0])
            return
        argv = self.argv(line)
        if argv[:3] == ["cargo", "lambda", "watch"]:
            self.start_watch(argv, state_dir)
        elif argv[:3] == ["cargo", "lambda", "invoke"]:
            self.invoke(argv, expected)
        else:
            log(f"$ {line}")
            subprocess.run(argv, cwd=ROOT, env=self.env, check=True, timeout=self.remaining())

    def start_watch(self, argv, state_dir):
        if self.port not in argv or self.env_file not in argv:
            raise RuntimeError(f"the watch line must name -P {INVOKE_PORT} and {ENV_FILE}")
        log(f"$ {shlex.join(argv)}")
        self.watch_log = (state_dir / "watch.log").open("w")
        self.watch = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self.watch_log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log(f"cargo lambda watch: pid {self.watch.pid}")
        while True:
            if self.watch.poll() is not None:
                raise RuntimeError(f"cargo lambda watch exited with {self.watch.returncode}")
            try:
                socket.create_connection(("127.0.0.1", int(self.port)), timeout=1).close()
                return
            except OSError:
                self.remaining()
                time.sleep(0.2)

    def invoke(self, argv, expected):
        function = argv[3]
        data_file = option(argv, "--data-file")
        if data_file not in expected:
            raise RuntimeError(f"{data_file} is not in events/manifest.json")
        owner, (kind, status) = expected[data_file]
        if owner != function:
            raise RuntimeError(f"{data_file} is an event of {owner}, not of {function}")
        if self.watch is None or self.watch.poll() is not None:
            raise RuntimeError("cargo lambda watch is not running")
        started = time.monotonic()
        result = subprocess.run(
            argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=self.remaining(),
        )
        took = time.monotonic() - started
        if result.returncode != 0:
            raise RuntimeError(f"invoke {function} exited {result.returncode}: {result.stderr}")
        answer = json.loads(result.stdout)
        got = outcome(answer, kind)
        log(f"invoke {function} {data_file}: {got} in {took:.1f} s")
        if got != status:
            raise RuntimeError(f"{function} answered {got}, not {status}")
        self.answered[function] = got

    def stop_watch(self):
        if self.watch is not None and self.watch.poll() is None:
            # Its own process group: cargo and the function processes it started go with it.
            os.killpg(self.watch.pid, signal.SIGTERM)
            try:
                self.watch.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.watch.pid, signal.SIGKILL)
                self.watch.wait()
        if self.watch_log is not None:
            self.watch_log.close()


def main():
    if not SERVER.exists():
        sys.exit(f"lambda-watch: {SERVER} is missing; run cargo build --bins")
    started = time.monotonic()
    deadline = started + int(os.environ.get("LAMBDA_WATCH_TIMEOUT", "900"))
    lines = readme_commands()
    expected = expected_statuses()
    functions = sorted({function for function, _ in expected.values()})
    status = 1
    with tempfile.TemporaryDirectory(prefix="lambda-watch-") as tmp:
        state_dir = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PORT=str(port), LOCAL_STATE_DIR=str(state_dir), LOG_LEVEL="warn")
        server_log = (state_dir / "server.log").open("w")
        server = subprocess.Popen(
            [str(SERVER)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=server_log, stderr=subprocess.STDOUT,
        )
        loop = Loop(state_dir / "function.env", free_port(), deadline)
        try:
            log(f"local stack (server pid {server.pid}) on {base}")
            wait_ready(base, server)
            for line in lines:
                loop.run(line, expected, state_dir)
            missing = [f for f in functions if f not in loop.answered]
            if missing:
                raise RuntimeError(f"the README invokes no event of {', '.join(missing)}")
            status = 0
        except Exception as err:  # report, then still stop everything below
            log(f"FAILED: {err}")
        finally:
            loop.stop_watch()
            stop(server)
            server_log.close()
        if status != 0 and (state_dir / "watch.log").exists():
            log("cargo lambda watch log (last 30 lines):")
            for line in (state_dir / "watch.log").read_text(errors="replace").splitlines()[-30:]:
                print(f"  {line}")
    log(f"finished in {time.monotonic() - started:.1f} s, exit status {status}")
    return status


if __name__ == "__main__":
    sys.exit(main())
