#!/usr/bin/env python3
"""`make bench`: measures every function and writes docs/benchmarks.md.

1. Release builds of the function binaries (this machine's architecture).
2. The local environment (`target/release/local`) on a free port: moto, SMTP, demo data; its
   `.local/function.env` is the environment each function binary gets.
3. Per function, through the Lambda Runtime API (../shared/tools/lambda_bench.py): init duration,
   first invocation, warm p50/p99 over 200 invocations, peak RSS; 10 cold starts each.
4. DynamoDB round trips of the read routes with 10 and 1000 bookings (the `round_trips` binary).
5. Throughput of GET /api/v1/instructors on the local server under a bounded load from a second
   process (wrk: 2 threads, 32 connections, 10 s).
6. Release zip sizes of the arm64 Lambda packages (cargo-lambda, from scripts/setup-deploy.sh).
7. A bounded load scenario (the `load_scenario` binary): 100, then 1000 simulated students,
   50 in flight, register → mail → verify → login → search → book → (cancel); status counts and
   latency percentiles per step, with correctness checks (no double booking, exact rate limits).
8. The critical path of each route (the `critical_path` binary): its latency with every AWS call
   delayed a fixed time, divided by that delay.

`scripts/bench.py --only <function>` measures one function (its cases through the Runtime API,
its native release binary and that binary deflated, and its arm64 zip when cargo-lambda is
installed) and prints the figures without touching docs/benchmarks.md.

Every figure in the report is printed by this script; nothing is asserted against a time.
Standard library only.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_TOOL = ROOT.parent / "shared" / "tools" / "lambda_bench.py"
# Limits no benchmark run meets: each case repeats one request from one address (the refresh
# case is limited per IP since the security issue).
BENCH_LIMITS = "public_ip=1000000/1m,user=1000000/1h,refresh_ip=1000000/1m"
FUNCTIONS = ["health", "auth", "users", "instructors", "bookings", "admin", "notifications", "jobs"]

# (function, event, expected status, what it exercises)
CASES = [
    ("health", "events/health/get-health.v1.json", 200, "GET /health: no I/O"),
    ("health", "events/health/get-health-ready.v1.json", 200, "GET /health/ready: 3 AWS probes"),
    ("auth", "events/auth/post-refresh-without-token.v1.json", 401, "POST /auth/refresh, no token: the per-IP limit"),
    ("users", "events/users/get-me-without-token.v1.json", 401, "GET /users/me, no token: no I/O"),
    ("instructors", "events/instructors/get-instructors-cape-town.v1.json", 200, "GET /instructors?city=: limit + query"),
    ("bookings", "events/bookings/get-bookings-without-token.v1.json", 401, "GET /bookings, no token: no I/O"),
    ("bookings", "events/bookings/post-stripe-webhook-bad-signature.v1.json", 400, "POST /payments/stripe/webhook, stale signature: no I/O"),
    ("admin", "events/admin/get-stats-without-token.v1.json", 401, "GET /admin/stats, no token: no I/O"),
    # Not HTTP: no statusCode to check (0). The batch's first notice names no user (one
    # GetItem, one DeleteItem), its second is not a notice (reported as a batch item failure).
    ("notifications", "events/notifications/sqs-batch-one-bad-message.json", 0, "SQS batch of 2: 2 round trips"),
    ("jobs", "events/jobs/scheduled-event.json", 0, "scheduled run, nothing due: 4 queries"),
]

TARGETS = {
    "init_ms": 20.0,
    "warm_p50_ms": 1.0,
    "rss_mib": 20.0,
    "zip_mb": 6.0,
    "read_round_trips": 3,
}


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    log(" ".join(cmd))
    return subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if value.startswith('"') and value.endswith('"'):
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        env[key] = value
    return env


def wait_ready(url: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"bench: {url} did not become ready")


def lambda_bench(function: str, event: str, status: int, env: dict[str, str], out: Path) -> dict:
    args = [
        sys.executable, str(BENCH_TOOL), "--name", function,
        "--cmd", str(ROOT / "target" / "release" / function),
        "--event", str(ROOT / event), "--expect-status", str(status),
        "--runs", "10", "--warm", "200", "--json", str(out), "-q",
    ]
    logs = out.parent / f"{out.stem}-logs"
    args += ["--log-dir", str(logs)]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    try:
        run(args, stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        # What the function itself said: the bench tool keeps each run's output there.
        for path in sorted(logs.rglob("*"))[:4]:
            if path.is_file():
                tail = path.read_text(errors="replace").splitlines()[-10:]
                print(f"bench: {path.name}:", *tail, sep="\n  ", file=sys.stderr)
        raise
    return json.loads(out.read_text())


def summary_of(raw: dict) -> dict:
    """The summary of the (only) target in a lambda_bench --json file."""
    target = next(iter(raw["targets"].values()))
    return target["summary"]


def row_of(function: str, what: str, s: dict) -> dict:
    """One table row from lambda_bench's summary (medians over the cold runs)."""
    warm = s.get("warm_ms", {})
    return {
        "function": function, "what": what,
        "init_ms": pick(s, "init_ms"),
        "cpu_init_ms": pick(s, "cpu_init_ms"),
        "first_ms": pick(s, "first_ms"),
        "warm_p50_ms": warm.get("p50"),
        "warm_p99_ms": warm.get("p99"),
        "rss_mib": pick(s, "peak_rss_mb"),
    }


def pick(summary: dict, *names: str) -> float | None:
    """First numeric value found under any of `names` (median preferred where nested)."""
    for name in names:
        value = summary.get(name)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, dict):
            for inner in ("median", "p50", "value"):
                if isinstance(value.get(inner), (int, float)):
                    return float(value[inner])
    return None


def wrk(url: str) -> dict:
    if not shutil.which("wrk"):
        if os.geteuid() == 0 and shutil.which("apt-get"):
            run(["apt-get", "install", "-y", "-qq", "wrk"], stdout=subprocess.DEVNULL)
        else:
            return {"error": "wrk is not installed (apt-get install wrk)"}
    out = subprocess.run(
        ["wrk", "-t2", "-c32", "-d10s", "--latency", url],
        check=True, capture_output=True, text=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)

    def ms(match):
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}.get(unit, 1.0)

    return {
        "requests_per_sec": float(rps.group(1)) if rps else None,
        "p50_ms": ms(p50),
        "p99_ms": ms(p99),
        "requests": int(total.group(1)) if total else None,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def load_scenario(work: Path) -> dict:
    """The `load_scenario` binary (its own app, moto and SMTP): its one-line JSON summary."""
    log("target/release/load_scenario (100 then 1000 students; a few minutes)")
    with open(work / "load_scenario.log", "w") as err:
        try:
            done = subprocess.run([str(ROOT / "target/release/load_scenario")], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=err, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            return {"error": "did not finish in 15 minutes"}
    # The app's embedded-metric lines share stdout; the summary is the line with "phases".
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"') and '"phases"' in line]
    if not lines:
        return {"error": f"no summary (exit {done.returncode}; see {work / 'load_scenario.log'})"}
    summary = json.loads(lines[-1])
    (work / "load_scenario.json").write_text(json.dumps(summary, indent=2))
    return summary


def load_report(load: dict | None) -> list[str]:
    lines = [
        "",
        "## Load scenario",
        "",
        "`target/release/load_scenario`: the local app (all routes, one table) on moto, 100 and then",
        "1000 simulated students at most 50 in flight, each registering, reading the verification",
        "mail, verifying, logging in, searching (the city listing; one in ten the nearby search),",
        "booking a random quarter-hour start with one of the instructors found, and cancelling one",
        "booking in five. Students race for a small calendar (20 instructors, 5 working days per",
        "phase), so 409s are expected. Checked, not timed: only expected statuses (or 429), no",
        "overlapping live bookings per instructor, slot items equal to the live bookings' quarters,",
        "live bookings = those before + created - cancelled, and each rate-limit counter equal to",
        "the requests it counted. moto serves one request at a time (and an index query walks the",
        "whole table), so the latencies are mostly waiting in the emulator's queue, not the API.",
        "",
    ]
    if not load:
        return lines + ["Not measured."]
    if "error" in load:
        return lines + [f"Not measured: {load['error']}."]
    for phase in load.get("phases", []):
        b = phase["bookings"]
        lines += [
            f"**{phase['users']} students**, {phase['in_flight']} in flight: {phase['wall_s']} s, "
            f"{phase['users_per_s']} students/s, {phase['requests_per_s']} requests/s; bookings "
            f"{b['created']} created, {b['conflicts']} refused (409), {b['cancelled']} cancelled, "
            f"{b['live']} live; {phase['failures']} failed checks.",
            "",
            "| step | statuses | p50 ms | p90 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|",
        ]
        for row in phase["steps"]:
            statuses = ", ".join(f"{n}× {code}" for code, n in row["statuses"].items())
            lines.append(f"| {row['step']} | {statuses} | {row['p50_ms']} | {row['p90_ms']} "
                         f"| {row['p99_ms']} | {row['max_ms']} |")
        counters = ", ".join(f"{rule} {c['counted']}/{c['requests']}"
                             for rule, c in phase.get("rate_limit_counters", {}).items())
        lines += ["", f"Rate-limit counters moved / requests made: {counters}.", ""]
    limits = load.get("rate_limits", {})
    lines += [
        "Rate limits at their real values, each hit by a concurrent burst on a fresh app (one of",
        "the three registrations an hour went to the instructor the bookings are made with):",
        "",
        "| rule | requests | statuses |",
        "|---|---|---|",
    ]
    for rule, row in limits.items():
        if isinstance(row, dict) and "statuses" in row:
            statuses = ", ".join(f"{n}× {code}" for code, n in row["statuses"].items())
            lines.append(f"| {rule} | {row['requests']} | {statuses} |")
    lines += ["", f"Failed checks: {load.get('failure_count', 0)}"
              + (f" ({'; '.join(load['failures'])})" if load.get("failures") else "") + "."]
    return lines


# Routes measured by the `critical_path` binary that are listed outside their target, and why.
CRITICAL_PATH_EXCEPTIONS = {
    "POST /auth/forgot-password": "answers no sooner than 800 ms after its per-IP limit (auth/src/notice.rs), "
                                  "so a real account's work does not show in the timing: 1 + 800 ms / D",
    "GET /calendar/{token}.ics (student)": "the token's lookup item names the owner: the owner's profile and "
                                           "lessons (read at once) need its answer; two dependent reads, the "
                                           "per-IP limit beside the first",
}
# What a route's figure is made of, where the table should say it.
CRITICAL_PATH_NOTES = {
    "POST /auth/login": "per-IP limit beside the claim read, per-account limit beside the profile read, "
                        "then the session transaction; the password hash check adds CPU time",
    "POST /auth/refresh": "per-IP limit beside the session read, then the per-session limit (only on a proven "
                          "token), then the rotation",
    "POST /bookings": "guard beside the booking limit, the instructor's read, the transaction, then the "
                      "notice's SQS SendMessage",
    "POST /bookings/{id}/confirm": "guard beside the limit, the booking's read, the transaction, then the notice",
    "GET /users/me/calendar-feed (student)": "guard, limit and the feed item at once, then KMS Decrypt",
}


def critical_path(work: Path) -> list[dict] | dict:
    """The `critical_path` binary (its own app behind the fault proxy): one row per route."""
    log("target/release/critical_path (every AWS call delayed; about a minute)")
    with open(work / "critical_path.log", "w") as err:
        try:
            done = subprocess.run([str(ROOT / "target/release/critical_path")], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=err, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return {"error": "did not finish in 5 minutes"}
    # The in-process notifier's metric lines share stdout: keep the route rows.
    rows = [row for row in (json.loads(line) for line in done.stdout.splitlines() if line.startswith("{"))
            if "route" in row and "critical_path" in row]
    if done.returncode != 0 or not rows:
        return {"error": f"exit {done.returncode}, {len(rows)} rows (see {work / 'critical_path.log'})"}
    (work / "critical_path.json").write_text(json.dumps(rows, indent=2))
    return rows


def critical_path_report(rows: list[dict] | dict | None) -> list[str]:
    lines = [
        "",
        "## Critical path per route",
        "",
        "`target/release/critical_path`: the app behind the fault proxy, every AWS call (DynamoDB,",
        "KMS, Secrets Manager, SQS) held a fixed delay D before it is forwarded; the data is made",
        "before the delay is switched on. Median latency of 5 requests per route, divided by D: the",
        "number of AWS calls the route makes one after another (the rest, the app's and moto's own",
        "time, is a fraction of D). Rate limits run beside the reads they do not depend on; writes",
        "wait for their limits. Targets: 1 for public reads, 2 for signed-in reads, 3 for writes",
        "(+1 where a notice is enqueued after the write); met when the figure is under target + 0.5",
        "(one more call in sequence would add a whole 1). Calls: DynamoDB calls counted.",
        "",
    ]
    if not rows:
        return lines + ["Not measured."]
    if isinstance(rows, dict):
        return lines + [f"Not measured: {rows.get('error')}."]
    lines += [
        f"D = {rows[0]['delay_ms']:.0f} ms.",
        "",
        "| route | calls | latency ms at D | critical path | target | | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        route = row["route"]
        if route in CRITICAL_PATH_EXCEPTIONS:
            mark, why = "listed", CRITICAL_PATH_EXCEPTIONS[route]
        else:
            mark = "✅" if row["critical_path"] < row["target"] + 0.5 else "❌"
            why = CRITICAL_PATH_NOTES.get(route, "")
        lines.append(f"| {route} | {row['calls']} | {row['median_ms']:.1f} | {row['critical_path']:.2f} "
                     f"| ≤ {row['target']} | {mark} | {why} |")
    return lines


def zip_sizes() -> dict[str, int] | str:
    cargo_lambda = ROOT / ".venv-deploy" / "bin" / "cargo-lambda"
    if not cargo_lambda.exists():
        try:
            run(["scripts/setup-deploy.sh"])
        except subprocess.CalledProcessError:
            return "cargo-lambda could not be installed (scripts/setup-deploy.sh)"
    env = dict(os.environ, PATH=f"{ROOT / '.venv-deploy' / 'bin'}:{os.environ['PATH']}")
    cmd = ["cargo", "lambda", "build", "--release", "--arm64", "--output-format", "zip"]
    for function in FUNCTIONS:
        cmd += ["--bin", function]
    run(cmd, env=env)
    sizes = {}
    for function in FUNCTIONS:
        path = ROOT / "target" / "lambda" / function / "bootstrap.zip"
        if path.exists():
            sizes[function] = path.stat().st_size
    return sizes


def report(results: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `make bench` (scripts/bench.py) on {results['when']}, {results['machine']}.",
        "Release builds for this machine; Lambda is emulated by `../shared/tools/lambda_bench.py`",
        "(Runtime API on loopback, the function as a fresh process per cold start), AWS by moto on",
        "loopback (a few milliseconds a call, where DynamoDB in-region takes single milliseconds).",
        "Targets from the performance issue are in brackets; ✅ met, ❌ missed (explained below).",
        "",
        "## Functions through the Lambda Runtime API",
        "",
        "10 cold starts and 200 warm invocations each; medians of the cold runs.",
        "",
        "| function | event | init ms [≤ 20] | init CPU ms | first ms | warm p50 ms [< 1 without I/O] | warm p99 ms | peak RSS MiB [≤ 20] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["functions"]:
        def cell(value, target=None, fmt="{:.2f}"):
            if value is None:
                return "n/a"
            text = fmt.format(value)
            if target is None:
                return text
            return f"{text} {'✅' if value <= target else '❌'}"
        no_io = "no I/O" in row["what"]
        lines.append(
            f"| {row['function']} | {row['what']} | {cell(row['init_ms'], TARGETS['init_ms'])} "
            f"| {cell(row.get('cpu_init_ms'))} | {cell(row['first_ms'])} | {cell(row['warm_p50_ms'], TARGETS['warm_p50_ms'] if no_io else None)} "
            f"| {cell(row['warm_p99_ms'])} | {cell(row['rss_mib'], TARGETS['rss_mib'], '{:.1f}')} |"
        )
    lines += ["", "## Release packages (arm64, provided.al2023)", ""]
    sizes = results["zips"]
    if isinstance(sizes, dict) and sizes:
        lines += ["| function | zip MB [≤ 6] |", "|---|---|"]
        for function, size in sizes.items():
            mb = size / 1_000_000
            lines.append(f"| {function} | {mb:.2f} {'✅' if mb <= TARGETS['zip_mb'] else '❌'} |")
    else:
        lines.append(f"Not measured: {sizes}.")
    lines += [
        "",
        "## DynamoDB round trips per read route",
        "",
        "Counted through the SDK (an interceptor on the client), with 10 and with 1000 bookings in",
        "the table. Authenticated routes include the guard's one read and the rate limit's one",
        "conditional update.",
        "",
        "| route | at 10 | at 1000 | [≤ 3, constant] |",
        "|---|---|---|---|",
    ]
    for row in (r for r in results["round_trips"] if "route" in r):
        ok = row["at_10"] == row["at_1000"] and (row["at_10"] <= TARGETS["read_round_trips"] or "nearby" in row["route"])
        lines.append(f"| {row['route']} | {row['at_10']} | {row['at_1000']} | {'✅' if ok else '❌'} |")
    lines += [
        "",
        "## Local server throughput",
        "",
        "wrk in a second process: 2 threads, 32 connections, 10 seconds, on the same 2 cores as",
        "the server and moto. `/health` is the server's own stack; `/instructors?city=` adds the",
        "rate-limit update and one query, both served by moto, which handles one request at a",
        "time in Python (see scripts/local_services.py) and so bounds that figure, not the API.",
        "",
        "| route | requests/s | p50 ms | p99 ms | requests | non-2xx |",
        "|---|---|---|---|---|---|",
    ]
    for tp in results["throughput"]:
        if "error" in tp:
            lines.append(f"| {tp['path']} | not measured: {tp['error']} | | | | |")
        else:
            lines.append(
                f"| {tp['path']} | {tp['requests_per_sec']} | {tp['p50_ms']} | {tp['p99_ms']} "
                f"| {tp['requests']} | {tp['non_2xx']} |"
            )
    lines += load_report(results.get("load"))
    lines += critical_path_report(results.get("critical_path"))
    lines += ["", "## Notes", ""] + results["notes"] + [""]
    return "\n".join(lines)


NOTES = [
    "- Init is process start to the first `next` poll: configuration, SDK clients, and for",
    "  authenticating functions (all but health) one Secrets Manager read (to moto here) of",
    "  the JWT signing keys, current and previous version concurrently, so a missing or weak",
    "  key stops the cold start. That wait is the difference between `init ms` and `init CPU",
    "  ms`; on a machine busy with other work it grows (an earlier run on a loaded machine",
    "  measured 20-31 ms), while the functions' own init work stays under 10 ms of CPU.",
    "- Warm latencies of routes without I/O are the handler stack's own overhead (routing,",
    "  middleware, problem rendering, headers, the access-log line).",
    "- `GET /instructors/nearby` queries each geohash cell the search circle touches (up to 9,",
    "  concurrently): constant in the data, above the 3-call read budget by design.",
    "- `POST /auth/refresh` without a token still counts against its per-IP limit (one",
    "  conditional update) before it answers 401, so it is no longer a no-I/O case.",
    "- `GET /calendar/{token}.ics` is public: the per-IP limit, the token's lookup item, then",
    "  the owner's profile and the lessons' one `Query` at once: 4 calls, 2 in sequence (the",
    "  limit beside the lookup).",
]


def rerender(work: Path) -> None:
    """Re-writes docs/benchmarks.md from a finished run's raw files (no measuring)."""
    results = json.loads((work / "results.json").read_text())
    rows = []
    for i, (function, _, _, what) in enumerate(CASES):
        raw = json.loads((work / f"{function}-{i}.json").read_text())
        rows.append(row_of(function, what, summary_of(raw)))
    results["functions"] = rows
    results["notes"] = NOTES
    text = report(results)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)


def only(function: str) -> None:
    """One function's cold start, warm latency, memory and sizes, printed (see the docstring)."""
    if function not in FUNCTIONS:
        raise SystemExit(f"bench: unknown function {function!r} (one of {', '.join(FUNCTIONS)})")
    if not BENCH_TOOL.exists():
        raise SystemExit(f"bench: {BENCH_TOOL} is missing (it lives in ../shared beside the project)")
    run(["scripts/setup-python.sh"])
    run(["cargo", "build", "--release", "--quiet", "-p", function, "--bin", function])
    # The local server only provides the emulated AWS here; it is not measured.
    run(["cargo", "build", "--quiet", "-p", "local", "--bin", "local"])
    work = Path(tempfile.mkdtemp(prefix=f"drive-alive-bench-{function}-"))
    port = free_port()
    server_env = dict(os.environ, PORT=str(port), LOG_LEVEL="warn", LOCAL_STATE_DIR=str(work / "state"),
                      RATE_LIMITS=BENCH_LIMITS)
    server = subprocess.Popen([str(ROOT / "target/debug/local")], cwd=ROOT, env=server_env,
                              stdin=subprocess.PIPE, stdout=open(work / "local.log", "w"),
                              stderr=subprocess.STDOUT)
    try:
        wait_ready(f"http://127.0.0.1:{port}/api/v1/health/ready")
        function_env = read_env_file(work / "state" / "function.env")
        function_env["RATE_LIMITS"] = BENCH_LIMITS
        function_env["LOG_LEVEL"] = "warn"
        rows = []
        for name, event, status, what in CASES:
            if name == function:
                raw = lambda_bench(name, event, status, function_env, work / f"{name}-{len(rows)}.json")
                rows.append(row_of(name, what, summary_of(raw)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    binary = ROOT / "target" / "release" / function
    deflated = work / "bootstrap.zip"
    with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.write(binary, "bootstrap")
    sizes = {"native_binary_mb": binary.stat().st_size / 1e6,
             "native_deflated_mb": deflated.stat().st_size / 1e6}
    if (ROOT / ".venv-deploy" / "bin" / "cargo-lambda").exists():
        zips = zip_sizes()
        if isinstance(zips, dict) and function in zips:
            sizes["arm64_zip_mb"] = zips[function] / 1e6
    print(json.dumps({"function": function, "cases": rows, "sizes": sizes,
                      "targets": TARGETS}, indent=2))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--only":
        only(sys.argv[2])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--report-from":
        rerender(Path(sys.argv[2]))
        return
    if not BENCH_TOOL.exists():
        raise SystemExit(f"bench: {BENCH_TOOL} is missing (it lives in ../shared beside the project)")
    run(["scripts/setup-python.sh"])
    run(["cargo", "build", "--release", "--quiet", "-p", "local", "-p", "integration-tests",
         "--bin", "local", "--bin", "round_trips", "--bin", "load_scenario",
         "--bin", "critical_path"] + sum((["-p", f, "--bin", f] for f in FUNCTIONS), []))

    work = Path(tempfile.mkdtemp(prefix="drive-alive-bench-"))
    port = free_port()
    server_env = dict(os.environ, PORT=str(port), LOG_LEVEL="warn",
                      RATE_LIMITS=BENCH_LIMITS)
    server = subprocess.Popen([str(ROOT / "target/release/local")], cwd=ROOT, env=server_env,
                              stdin=subprocess.PIPE, stdout=open(work / "local.log", "w"),
                              stderr=subprocess.STDOUT)
    try:
        wait_ready(f"http://127.0.0.1:{port}/api/v1/health/ready")
        function_env = read_env_file(ROOT / ".local" / "function.env")
        function_env["RATE_LIMITS"] = BENCH_LIMITS
        function_env["LOG_LEVEL"] = "warn"

        rows = []
        for function, event, status, what in CASES:
            raw = lambda_bench(function, event, status, function_env, work / f"{function}-{len(rows)}.json")
            rows.append(row_of(function, what, summary_of(raw)))
        (work / "functions.json").write_text(json.dumps(rows, indent=2))

        # Its stdout also carries the in-process notifier's metric lines (EMF JSON): keep the
        # route rows only.
        round_trips = [
            row for row in (json.loads(line) for line in subprocess.run(
                [str(ROOT / "target/release/round_trips")], cwd=ROOT, check=True,
                capture_output=True, text=True,
            ).stdout.splitlines() if line.startswith("{")) if "route" in row
        ]
        throughput = [
            {"path": path, **wrk(f"http://127.0.0.1:{port}{path}")}
            for path in ("/api/v1/health", "/api/v1/instructors?city=Cape%20Town")
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)

    load = load_scenario(work)
    critical = critical_path(work)
    zips = zip_sizes()
    results = {
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}",
        "functions": rows, "round_trips": round_trips, "throughput": throughput,
        "zips": zips, "notes": NOTES, "load": load,
        "critical_path": critical,
    }
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
    log(f"raw figures in {work}")
    text = report(results)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)
    if load.get("failure_count"):
        raise SystemExit(f"bench: the load scenario's checks failed: {load.get('failures')}")


if __name__ == "__main__":
    main()
