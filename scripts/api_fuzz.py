#!/usr/bin/env python3
"""API fuzzing from docs/openapi.json with schemathesis, against a local server of its own.

Starts target/debug/local on a free loopback port (it starts moto and the SMTP server itself and
seeds the demo data), with its files in a temporary directory and rate limits high enough that
the fuzzing never meets one. Then schemathesis runs, with a fixed seed and a bounded number of
examples per operation, as a student (public routes included), an instructor and an admin,
each signed in with a demo login and given the ids of real demo records. It fails on any 5XX
and on any answer the document does not describe (status code, content type, body schema).
The server is stopped (SIGINT: it stops its moto and SMTP server) whatever happens.

Run by scripts/test.sh after `cargo build --bins`. Standard library only; schemathesis comes
from .venv-fuzz (scripts/setup-python.sh). Environment: API_FUZZ_MAX_EXAMPLES (per operation,
default 20), API_FUZZ_SEED (default 20260501), API_FUZZ_TIMEOUT (seconds for all the runs,
default 240), API_FUZZ_LOG_LEVEL (the server's, default warn).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from local_server import ROOT, SERVER, free_port, sign_in, stop, wait_ready

SCHEMATHESIS = ROOT / ".venv-fuzz" / "bin" / "schemathesis"
DOCUMENT = ROOT / "docs" / "openapi.json"

# Every rule, far above what the fuzzing sends (RATE_LIMITS overrides, see README).
RATE_LIMITS = ",".join(
    f"{rule}=1000000/{window}"
    for rule, window in [
        ("register_ip", "1h"),
        ("verify_ip", "1h"),
        ("login_ip", "1m"),
        ("login_account", "1h"),
        ("session", "1h"),
        ("forgot_ip", "1h"),
        ("forgot_account", "1h"),
        ("reset_ip", "1h"),
        ("user", "1h"),
        ("public_ip", "1m"),
        ("booking_create", "1h"),
        ("admin_create", "1d"),
    ]
)

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)

def log(message):
    print(f"api-fuzz: {message}", flush=True)


def get(base, path, token):
    req = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as response:
        return json.loads(response.read())


def first_id(page, status=None):
    for item in page["items"]:
        if status is None or item["status"] == status:
            return item["id"]
    raise RuntimeError(f"the demo data has no {status or ''} booking for this user")


def runs(base, state_dir):
    """The runs, in order: (who, their access token, operation filters, real ids to use).

    Each run fuzzes as one demo account, so role checks pass and the handlers do their work;
    ids of real demo records let the instructor and booking routes answer 200 (random ids only
    ever get 404).
    """
    logins = json.loads((state_dir / "demo-logins.json").read_text())
    by_role = {}
    for login in logins:
        by_role.setdefault(login["role"].upper(), []).append(login)
    student, instructor, admin = (by_role[r][0] for r in ("STUDENT", "INSTRUCTOR", "ADMIN"))
    student_token = sign_in(base, student)
    instructor_token = sign_in(base, instructor)
    admin_token = sign_in(base, admin)
    listed = get(base, "/api/v1/instructors?limit=1", student_token)["items"][0]["id"]
    student_booking = first_id(get(base, "/api/v1/bookings?limit=100", student_token))
    pending = first_id(
        get(base, "/api/v1/bookings?limit=100&status=pending", instructor_token), "pending"
    )
    return [
        (
            "the public and a student",
            student_token,
            # Signing out would end the session the rest of the run uses.
            ["--exclude-tag", "admin", "--exclude-operation-id", "logout"],
            {
                ("get_instructor", "list_instructor_reviews", "instructor_availability"): listed,
                ("get_booking", "cancel_booking", "review_booking"): student_booking,
            },
        ),
        (
            "an instructor",
            instructor_token,
            ["--include-tag", "bookings", "--include-tag", "users"]
            + ["--include-operation-id", "patch_my_instructor_profile"]
            + ["--exclude-operation-id", "create_booking"],
            {("get_booking", "confirm_booking", "complete_booking", "cancel_booking"): pending},
        ),
        # The SMTP test sends with the stored settings: before the next run has stored fuzzed
        # ones (some host outside loopback), it reaches the local SMTP server.
        (
            "an admin, SMTP test",
            admin_token,
            ["--include-operation-id", "test_smtp_settings"],
            {},
        ),
        (
            "an admin",
            admin_token,
            ["--include-tag", "admin", "--exclude-operation-id", "test_smtp_settings"],
            {
                ("suspend_user", "reactivate_user"): by_role["STUDENT"][-1]["user_id"],
                ("verify_instructor", "reject_instructor"): by_role["INSTRUCTOR"][-1]["user_id"],
            },
        ),
    ]


def config_file(state_dir, ids):
    """A schemathesis.toml that fills the `id` path parameter of the given operations with a
    real record's id most of the time (the rest stay generated, so 404s are exercised too)."""
    dictionaries, operations = ["[dictionaries]"], []
    for number, (operation_ids, value) in enumerate(ids.items()):
        dictionaries.append(f"ids{number} = {{ values = [{json.dumps(value)}] }}")
        listed = ", ".join(json.dumps(op) for op in operation_ids)
        operations += [
            "",
            "[[operations]]",
            f"include-operation-id = [{listed}]",
            f'parameters = {{ "path.id" = {{ dictionary = "ids{number}", probability = 0.7 }} }}',
        ]
    path = state_dir / f"schemathesis-{len(list(state_dir.glob('*.toml')))}.toml"
    path.write_text("\n".join(dictionaries + operations) + "\n" if ids else "")
    return path


def main():
    for needed, how in [
        (SERVER, "cargo build --bins"),
        (SCHEMATHESIS, "scripts/setup-python.sh"),
    ]:
        if not needed.exists():
            sys.exit(f"api-fuzz: {needed} is missing; run {how}")
    max_examples = os.environ.get("API_FUZZ_MAX_EXAMPLES", "20")
    seed = os.environ.get("API_FUZZ_SEED", "20260501")
    timeout = int(os.environ.get("API_FUZZ_TIMEOUT", "240"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="api-fuzz-") as tmp:
        state_dir = Path(tmp)
        env = dict(
            os.environ,
            PORT=str(port),
            LOCAL_STATE_DIR=str(state_dir),
            RATE_LIMITS=RATE_LIMITS,
            LOG_LEVEL=os.environ.get("API_FUZZ_LOG_LEVEL", "warn"),
        )
        server_log = (state_dir / "server.log").open("w")
        started = time.monotonic()
        server = subprocess.Popen(
            [str(SERVER)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            log(f"local server (pid {server.pid}) on {base}")
            wait_ready(base, server)
            planned = runs(base, state_dir)
            log(f"ready in {time.monotonic() - started:.1f} s")
            status = 0
            for who, token, filters, ids in planned:
                log(f"fuzzing as {who}")
                command = [
                    str(SCHEMATHESIS),
                    "--config-file",
                    str(config_file(state_dir, ids)),
                    "--no-color",
                    "run",
                    str(DOCUMENT),
                    "--url",
                    base,
                    "--checks",
                    CHECKS,
                    "--max-examples",
                    max_examples,
                    "--seed",
                    seed,
                    "--generation-with-security-parameters",
                    "false",
                    "--phases",
                    "examples,coverage,fuzzing",
                    # One worker: hypothesis describes filter lambdas with ast.parse, which
                    # races between threads on CPython before 3.11.8 (SystemError "AST
                    # constructor recursion depth mismatch", CPython gh-106905).
                    "--workers",
                    "1",
                    "--request-timeout",
                    "15",
                    "--header",
                    f"Authorization: Bearer {token}",
                    *filters,
                ]
                remaining = timeout - (time.monotonic() - started)
                try:
                    result = subprocess.run(
                        command, cwd=state_dir, stdin=subprocess.DEVNULL, timeout=remaining
                    )
                except subprocess.TimeoutExpired:
                    log(f"schemathesis did not finish within {timeout} s in all")
                    status = 1
                    break
                status = status or result.returncode
        except Exception as err:  # report, then still stop the server below
            log(f"failed: {err}")
            status = 1
        finally:
            stop(server)
            server_log.close()
        if status != 0:
            log("server log (last 40 lines):")
            lines = (state_dir / "server.log").read_text(errors="replace").splitlines()
            for line in lines[-40:]:
                print(f"  {line}")
        log(f"finished in {time.monotonic() - started:.1f} s, exit status {status}")
        return status


if __name__ == "__main__":
    sys.exit(main())
