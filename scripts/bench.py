#!/usr/bin/env python3
"""`make bench`: measures every function and writes docs/benchmarks.md.

1. Release builds of the function binaries (this machine's architecture).
2. The local environment (`target/release/local`) on a free port: moto, SMTP, demo data; its
   `.local/function.env` is the environment each function binary gets.
3. Per function, through the Lambda Runtime API (../shared/tools/lambda_bench.py): init duration,
   first invocation, warm p50/p99 over 200 invocations, peak RSS; 10 cold starts each.
3b. The same over TLS with invocations on the CPU share of each function's memory, on a route
   that reads DynamoDB, with the FastAPI + boto3 peer beside ours (scripts/bench_cold.py).
4. DynamoDB round trips of the read routes with 10 and 1000 bookings (the `round_trips` binary).
5. Throughput of GET /api/v1/instructors on the local server under a bounded load from a second
   process (wrk: 2 threads, 32 connections, 10 s).
6. Release zip sizes of the arm64 Lambda packages (cargo-lambda, from scripts/setup-deploy.sh).
7. A bounded load scenario (the `load_scenario` binary): 100, then 1000 simulated students,
   50 in flight, register → mail → verify → login → search → book → (cancel); status counts and
   latency percentiles per step, with correctness checks (no double booking, exact rate limits).
8. The critical path of each route (the `critical_path` binary): its latency with every AWS call
   delayed a fixed time, divided by that delay.
9. docs/cost.md, the cost per million requests per route and a modelled month, from
   docs/cost-routes.json, docs/prices.json and the warm latencies just written
   (`scripts/bench.py --cost-only` writes it alone; `--cost-check` checks it is current).

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

import bench_cold

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
    ("jobs", "events/jobs/scheduled-event.json", 0, "scheduled run, nothing due: 32 queries (4 lists × 8 shards)"),
]

# Read routes whose calls fan out at once over a fixed number of partitions (geohash cells,
# role indexes, shards): constant in the data, above the call budget, two in sequence at most.
FAN_OUT = ("nearby", "role indexes", "shards")

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


def run_release_binary(work: Path, name: str, what: str, timeout: int) -> subprocess.CompletedProcess | None:
    """A measuring binary of the tests crate: its stdout kept, its stderr in `work/<name>.log`;
    `None` when it ran past `timeout` seconds."""
    log(f"target/release/{name} ({what})")
    with open(work / f"{name}.log", "w") as err:
        try:
            return subprocess.run([str(ROOT / "target" / "release" / name)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=err, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


def load_scenario(work: Path) -> dict:
    """The `load_scenario` binary (its own app, moto and SMTP): its one-line JSON summary."""
    done = run_release_binary(work, "load_scenario", "100 then 1000 students; a few minutes", 900)
    if done is None:
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
    done = run_release_binary(work, "critical_path", "every AWS call delayed; about a minute", 300)
    if done is None:
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
    cell = bench_cold.cell
    for row in results["functions"]:
        no_io = "no I/O" in row["what"]
        lines.append(
            f"| {row['function']} | {row['what']} | {cell(row['init_ms'], TARGETS['init_ms'])} "
            f"| {cell(row.get('cpu_init_ms'))} | {cell(row['first_ms'])} | {cell(row['warm_p50_ms'], TARGETS['warm_p50_ms'] if no_io else None)} "
            f"| {cell(row['warm_p99_ms'])} | {cell(row['rss_mib'], TARGETS['rss_mib'], '{:.1f}')} |"
        )
    lines += bench_cold.report_lines(results.get("cold"))
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
        ok = row["at_10"] == row["at_1000"] and (row["at_10"] <= TARGETS["read_round_trips"]
                                                or any(f in row["route"] for f in FAN_OUT))
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
    "  authenticating functions (all but health) the JWT signing keys from Secrets Manager",
    "  (current and previous version at once, so a missing or weak key stops the cold start)",
    "  beside the DynamoDB warm-up read (health: its readiness probe). Those waits are the",
    "  difference between `init ms` and `init CPU ms`; moto answers them one at a time.",
    "- Init grew by 3-8 ms here against the run before the init warm-up (5-11 ms): the",
    "  warm-up reads wait behind the signing-key reads in moto's one-at-a-time queue, and health",
    "  now runs its three probes in init. The TLS table above is the one that says what a",
    "  client waits for: there the warm-up takes one handshake out of the first response.",
    "- The jobs function's scheduled run reads 4 work lists over 8 shards each: 32 queries,",
    "  issued at once but answered one at a time by moto, hence its 46 ms warm here.",
    "- Warm latencies of routes without I/O are the handler stack's own overhead (routing,",
    "  middleware, problem rendering, headers, the access-log line).",
    "- The admin's booking and audit listings (\"8 shards\") query every shard of their index",
    "  at once and merge the pages in order (docs/architecture.md, \"Hot keys\"): 9 calls with",
    "  the guard's, constant in the data, 2 in sequence (the critical-path table); the user",
    "  listing likewise queries its three role indexes at once.",
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
    write_cost()


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
        logins = json.loads((work / "state" / "demo-logins.json").read_text())
        cold = bench_cold.measure(BENCH_TOOL, work, function_env, f"http://127.0.0.1:{port}",
                                  logins, only=function)
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
    print(json.dumps({"function": function, "cases": rows, "cold_over_tls": cold["rows"],
                      "sizes": sizes, "targets": TARGETS}, indent=2))


# ---------------------------------------------------------------------------------------------
# Cost model: docs/cost.md from docs/cost-routes.json (each route's DynamoDB calls and request
# units, checked by tests/tests/api/cost_table.rs), docs/prices.json (unit prices, one place),
# the template's memory per function and the warm latencies in docs/benchmarks.md (`make bench`
# writes it just before; `scripts/bench.py --cost-only` uses the committed one).
# ---------------------------------------------------------------------------------------------

COST_ROUTES = ROOT / "docs" / "cost-routes.json"
COST_PRICES = ROOT / "docs" / "prices.json"
COST_DOC = ROOT / "docs" / "cost.md"
# Durations where the bench has no row with I/O for the function (warm, in AWS: a few
# milliseconds per DynamoDB round trip, most routes 2-3 in sequence, plus ~1 ms of our own).
COST_DEFAULT_MS = 20.0
# Routes that hash or verify a password (argon2id, 19 MiB, t=2: ~40 ms of one vCPU; the auth
# function's 512 MB is ~0.29 vCPU).
COST_ARGON2_MS = 150.0
COST_ARGON2_ROUTES = ("POST /auth/register/student", "POST /auth/login")
# The notifications function per notice: an SMTP send and an SNS publish (network-bound).
COST_NOTICE_MS = 60.0
COST_DEFAULT_INIT_MS = 20.0
# One cold start per this many invocations (steady traffic; AWS reports well under 1 %).
COST_WARM_PER_COLD = 100
# Bytes of CloudWatch Logs per API request: API Gateway's access-log line (~480 bytes in the
# template's format), the function's access-log line (~450) and Lambda's platform lines (~550).
COST_LOG_BYTES = 1500
# Requests per notice the notifications function's SQS polling adds (a receive and a delete per
# batch of up to 5, counted as one batch per notice at this traffic), beside the SendMessage.
COST_SQS_PER_NOTICE = 2
# Web ACL rules in infra/template.yaml: two rate-based rules, two AWS managed rule groups.
COST_WAF_RULES = 4
COST_SECRETS = 4  # JWT, cursor, Stripe key, Stripe webhook secret
COST_KMS_KEYS = 1


def cost_prices() -> dict[str, float]:
    """The `usd` of each entry of docs/prices.json."""
    raw = json.loads(COST_PRICES.read_text())
    return {name: float(entry["usd"]) for name, entry in raw["prices"].items()}


def function_memory_mb(template: Path = ROOT / "infra" / "template.yaml") -> dict[str, int]:
    """MemorySize per function: Globals' value unless the function's block sets its own."""
    lines = template.read_text().splitlines()
    default, memory, current, in_globals = 128, {}, None, False
    for line in lines:
        if re.match(r"^\S", line):
            in_globals = line.startswith("Globals:")
            current = None
        head = re.match(r"^  (\w+)Function:\s*$", line)
        if head:
            current = head.group(1).lower()
            memory.setdefault(current, None)
            continue
        size = re.match(r"^\s+MemorySize:\s*(\d+)", line)
        if size and in_globals:
            default = int(size.group(1))
        elif size and current:
            memory[current] = int(size.group(1))
    return {name: mb or default for name, mb in memory.items()}


def bench_latencies() -> dict[str, dict[str, float]]:
    """Per function, from the tables of docs/benchmarks.md (rows with a `function` column): the
    largest warm p50 among its cases that do I/O, and the largest init."""
    rows = []
    path = ROOT / "docs" / "benchmarks.md"
    header: list[str] | None = None
    for line in path.read_text().splitlines() if path.exists() else []:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = [c.lower() for c in cells]
        elif not set(line) <= set("|-: ") and header[0] == "function":
            def number(name: str) -> float | None:
                index = next((i for i, h in enumerate(header) if h.startswith(name)), None)
                match = re.match(r"[\d.]+", cells[index]) if index is not None and index < len(cells) else None
                return float(match.group(0)) if match else None
            rows.append({"function": cells[0], "what": cells[1] if len(cells) > 1 else "",
                         "warm_p50_ms": number("warm p50"), "init_ms": number("init ms")})
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        entry = out.setdefault(row["function"], {})
        if row.get("init_ms") is not None:
            entry["init_ms"] = max(entry.get("init_ms", 0.0), row["init_ms"])
        if row.get("warm_p50_ms") is not None and "no I/O" not in row.get("what", ""):
            entry["warm_ms"] = max(entry.get("warm_ms", 0.0), row["warm_p50_ms"])
    return out


def route_duration_ms(route: dict, latencies: dict) -> tuple[float, str]:
    """The route's billed duration and where the figure comes from."""
    if route["route"] in COST_ARGON2_ROUTES:
        return COST_ARGON2_MS, "argon2id default"
    if route["function"] == "notifications":
        return COST_NOTICE_MS, "default"
    measured = latencies.get(route["function"], {}).get("warm_ms")
    if measured:
        return measured, "bench warm p50"
    return COST_DEFAULT_MS, "default"


def route_cost(route: dict, prices: dict, memory: dict, latencies: dict, notices: dict) -> dict:
    """USD per million requests of one route, per service (notices it enqueues included)."""
    fn = route["function"]
    mb = memory.get(fn, 256)
    ms, source = route_duration_ms(route, latencies)
    init_ms = latencies.get(fn, {}).get("init_ms") or COST_DEFAULT_INIT_MS
    services = route.get("services", {})
    functions = json.loads(COST_ROUTES.read_text())["functions"]
    secrets_per_cold = functions.get(fn, {}).get("secrets_manager_per_cold_start", 0)
    m = 1_000_000
    gb_s = mb / 1024 * (ms + init_ms / COST_WARM_PER_COLD) / 1000
    cost = {
        "api_gateway": 0.0 if fn in ("notifications", "jobs") else prices["api_gateway_rest_million"],
        "waf": 0.0 if fn in ("notifications", "jobs") else prices["waf_requests_million"],
        "lambda": prices["lambda_requests_million"] + m * gb_s * prices["lambda_arm64_gb_second"],
        "dynamodb": route["rru"] * prices["dynamodb_rru_million"] + route["wru"] * prices["dynamodb_wru_million"],
        "kms": m * services.get("kms", 0) * prices["kms_requests_10k"] / 10_000,
        "secrets_manager": m * (services.get("secrets_manager", 0) + secrets_per_cold / COST_WARM_PER_COLD)
        * prices["secrets_manager_calls_10k"] / 10_000,
        "sqs": services.get("sqs_send_message", 0) * prices["sqs_requests_million"],
        "sms": services.get("sns_sms", 0) * m * prices["sns_sms_za_message"],
        "email": services.get("emails", 0) * m * prices["email_thousand"] / 1000,
        "logs": m * COST_LOG_BYTES / 1e9 * prices["cloudwatch_logs_ingest_gb"],
        "xray": prices["xray_traces_million"],
    }
    if fn == "notifications":
        cost["sqs"] += COST_SQS_PER_NOTICE * prices["sqs_requests_million"]
    # The notices it enqueues, each costing what its background entry costs, service by service.
    downstream = 0.0
    for name, count in services.get("notices", {}).items():
        for service, usd in notices[name].items():
            if service not in ("total", "of_which_notices"):
                cost[service] += count * usd
                downstream += count * usd
    cost["total"] = sum(cost.values())
    cost["of_which_notices"] = downstream
    return {"route": route["route"], "function": fn, "memory_mb": mb, "ms": ms, "ms_source": source,
            "dynamodb_calls": sum(route["dynamodb"].values()), "rru": route["rru"], "wru": route["wru"],
            "usd_per_million": cost}


def cost_table() -> tuple[list[dict], dict]:
    """Per-route costs (notices first, since routes include the notices they enqueue)."""
    prices, memory = cost_prices(), function_memory_mb()
    latencies = bench_latencies()
    routes = json.loads(COST_ROUTES.read_text())["routes"]
    notices: dict[str, dict] = {}
    for route in (r for r in routes if r["route"].startswith("notice:")):
        notices[route["route"]] = route_cost(route, prices, memory, latencies, {})["usd_per_million"]
    table = [route_cost(r, prices, memory, latencies, notices) for r in routes]
    return table, prices


# The modelled month: 50,000 students, 2,000 instructors, 20,000 lessons. (route, requests a
# month, the assumption). A student visit is an app open: GET /users/me and the dashboard, a
# token refresh per 15 minutes of use; search and profile views before a booking.
STUDENTS, INSTRUCTORS, LESSONS = 50_000, 2_000, 20_000
BOOKINGS_MADE = int(LESSONS * 1.1)  # one booking in eleven is cancelled before its lesson
CANCELLED = BOOKINGS_MADE - LESSONS
NEW_STUDENTS = 5_000
CALENDAR_SUBSCRIBERS = 200 + 1_000  # a tenth of instructors, a fiftieth of students
MONTHLY_MODEL = [
    ("POST /auth/register/student", NEW_STUDENTS, "5,000 new students a month (10 % growth)"),
    ("POST /auth/verify", NEW_STUDENTS, "each new student verifies once"),
    ("POST /auth/login", STUDENTS * 2 + INSTRUCTORS * 8, "2 a student, 8 an instructor (30-day sessions)"),
    ("POST /auth/refresh", STUDENTS * 12 + INSTRUCTORS * 60, "6 visits × 2 a student, 60 an instructor"),
    ("POST /auth/logout", STUDENTS // 5, "one student in five logs out once"),
    ("POST /auth/forgot-password", STUDENTS // 50, "one student in fifty"),
    ("GET /users/me", STUDENTS * 6 + INSTRUCTORS * 30, "per visit: 6 a student, 30 an instructor"),
    ("PATCH /users/me", STUDENTS // 10, "one student in ten edits the profile"),
    ("GET /users/me/dashboard", STUDENTS * 6 + INSTRUCTORS * 30, "per visit"),
    ("GET /instructors?city=", STUDENTS * 2, "2 searches a student"),
    ("GET /instructors/nearby", STUDENTS * 2, "2 map searches a student"),
    ("GET /instructors/{id}", STUDENTS * 6, "6 profile views a student"),
    ("GET /instructors/{id}/reviews", STUDENTS * 3, "3 a student"),
    ("GET /instructors/{id}/availability", STUDENTS * 4, "4 days looked at a student"),
    ("POST /bookings", BOOKINGS_MADE, "20,000 lessons + 1 in 11 cancelled"),
    ("GET /bookings", STUDENTS * 4 + INSTRUCTORS * 30, "4 a student, 30 an instructor"),
    ("GET /bookings/{id}", STUDENTS * 2 + INSTRUCTORS * 20, "2 a student, 20 an instructor"),
    ("POST /bookings/{id}/payment", BOOKINGS_MADE, "every booking is paid"),
    ("POST /payments/stripe/webhook", BOOKINGS_MADE + CANCELLED, "a success per payment, a refund per cancellation"),
    ("POST /bookings/{id}/confirm", BOOKINGS_MADE, "the instructor confirms each"),
    ("POST /bookings/{id}/cancel", CANCELLED, "1 in 11 bookings, after payment"),
    ("GET /calendar/{token}.ics", CALENDAR_SUBSCRIBERS * 24 * 30, "1,200 subscribed calendars polling hourly"),
    ("GET /admin/stats", 5 * 100, "5 admins, 100 a month each"),
    ("GET /admin/users", 5 * 100, "5 admins, 100 a month each"),
    ("GET /health/ready", 0, "nothing in the stack calls it (a deploy check does, rarely)"),
    ("notice: account email", NEW_STUDENTS + STUDENTS // 50, "verification and reset mails"),
    ("notice: booking news (email + SMS)", 2 * LESSONS, "the reminders the jobs function sends (both parties); the routes' notices are counted with them"),
    ("jobs: scheduled run", 4 * 24 * 30, "every 15 minutes"),
]


def monthly_model(table: list[dict], prices: dict) -> dict:
    """Per service: the month's usage-driven cost and the fixed monthly costs."""
    by_route = {row["route"]: row for row in table}
    usage: dict[str, float] = {}
    requests = 0
    for route, count, _ in MONTHLY_MODEL:
        row = by_route[route]
        if not route.startswith(("notice:", "jobs:")):
            requests += count
        for service, usd in row["usd_per_million"].items():
            if service not in ("total", "of_which_notices"):
                usage[service] = usage.get(service, 0.0) + usd * count / 1_000_000
    # Functions that authenticate re-read the JWT ring (2 calls) every 5 minutes while an
    # instance lives: one instance each, all month. SQS asks KMS for a data key per principal
    # every 5 minutes (KmsDataKeyReusePeriodSeconds) for the 5 roles that use the queue.
    five_minutes = 12 * 24 * 30
    fixed = {
        "waf": prices["waf_web_acl_month"] + COST_WAF_RULES * prices["waf_rule_month"],
        "kms": COST_KMS_KEYS * prices["kms_key_month"] + 5 * five_minutes * prices["kms_requests_10k"] / 10_000,
        "secrets_manager": COST_SECRETS * prices["secrets_manager_secret_month"]
        + 5 * five_minutes * 2 * prices["secrets_manager_calls_10k"] / 10_000,
    }
    return {"usage": usage, "fixed": fixed, "requests": requests}


def money(usd: float) -> str:
    return f"{usd:,.2f}" if usd >= 0.995 or usd == 0 else f"{usd:.3f}"


def cost_report(table: list[dict], prices: dict, model: dict) -> str:
    raw_prices = json.loads(COST_PRICES.read_text())
    lines = [
        "# Cost per million requests, per route",
        "",
        f"Written by `scripts/bench.py` (`make bench`, or `scripts/bench.py --cost-only`) from",
        "docs/cost-routes.json (each route's DynamoDB calls and request units, checked against the",
        "running code by tests/tests/api/cost_table.rs) and docs/prices.json (unit prices, their",
        f"source and date; region {raw_prices['region']}, why in that file). Nothing here is measured in AWS.",
        "",
        "## Assumptions",
        "",
        f"- Lambda: billed duration = the bench's warm p50 for the function where it has a case with",
        f"  I/O (moto on loopback, a few ms a call, close to DynamoDB in-region), else {COST_DEFAULT_MS:.0f} ms;",
        f"  {COST_ARGON2_MS:.0f} ms for the routes that run argon2id ({', '.join(COST_ARGON2_ROUTES)});",
        f"  {COST_NOTICE_MS:.0f} ms a notice. Memory from infra/template.yaml. One cold start per",
        f"  {COST_WARM_PER_COLD} invocations, its init (bench, else {COST_DEFAULT_INIT_MS:.0f} ms) billed and its Secrets",
        "  Manager reads (docs/cost-routes.json `functions`) spread over them. The bench's case for a",
        "  function (named in docs/benchmarks.md) may make fewer calls than the route priced with it;",
        "  Lambda is under 10 % of any route's cost here, so that moves no total much.",
        f"- Logs: {COST_LOG_BYTES} bytes ingested a request (API Gateway's access-log line, the function's",
        "  access-log line, Lambda's platform lines). X-Ray: every request traced (tracing is Active; at",
        "  this traffic the 1-a-second reservoir of the default sampling rule takes nearly all).",
        "- Booking news goes by SMS unless the recipient opted out (the default is in); the model",
        "  assumes nobody did.",
        "- Stripe's fees are not AWS costs and are left out; so are data transfer out and DynamoDB",
        "  storage (cents at this size).",
        "",
        "## Per route (USD per million requests)",
        "",
        "Each service's column includes what the notices the route enqueues cost downstream (the",
        "notifications function, its DynamoDB units, SQS, email, SMS); the last column says how much",
        "of the total that is.",
        "",
        "| route | function (MB) | ms | DynamoDB calls | RRU | WRU | API GW + WAF | Lambda | DynamoDB | KMS + Secrets + SQS | logs + X-Ray | SMS + email | total | of which notices |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table:
        c = row["usd_per_million"]
        lines.append(
            f"| {row['route']} | {row['function']} ({row['memory_mb']}) | {row['ms']:.1f} ({row['ms_source']}) "
            f"| {row['dynamodb_calls']} | {row['rru']:g} | {row['wru']:g} | {money(c['api_gateway'] + c['waf'])} "
            f"| {money(c['lambda'])} | {money(c['dynamodb'])} | {money(c['kms'] + c['secrets_manager'] + c['sqs'])} "
            f"| {money(c['logs'] + c['xray'])} | {money(c['sms'] + c['email'])} | **{money(c['total'])}** "
            f"| {money(c['of_which_notices'])} |"
        )
    example = next(r for r in table if r["route"] == "GET /instructors/{id}")
    c = example["usd_per_million"]
    gb_s = example["memory_mb"] / 1024 * example["ms"] / 1000
    lines += [
        "",
        "### Worked example: `GET /instructors/{id}`, one million requests",
        "",
        f"- API Gateway REST {money(prices['api_gateway_rest_million'])} + WAF {money(prices['waf_requests_million'])}.",
        f"- Lambda: {money(prices['lambda_requests_million'])} for the invocations, plus {example['memory_mb']} MB / 1024 ×"
        f" {example['ms']:.2f} ms = {gb_s:.6f} GB-s each (+ init spread over {COST_WARM_PER_COLD}), × 10⁶ ×"
        f" ${prices['lambda_arm64_gb_second']:.10f}".rstrip("0") + f" = {money(c['lambda'])} in all.",
        f"- DynamoDB: {example['rru']:g} RRU (one strongly consistent GetItem of the profile, ≤ 4 KB)",
        f"  and {example['wru']:g} WRU (the rate limit's UpdateItem of its counter, ≤ 1 KB):",
        f"  {example['rru']:g} × {money(prices['dynamodb_rru_million'])} + {example['wru']:g} × {money(prices['dynamodb_wru_million'])} = {money(c['dynamodb'])}.",
        f"- Secrets Manager: 2 reads per cold start / {COST_WARM_PER_COLD} × 10⁶ × $0.05 / 10⁴ = {money(c['secrets_manager'])}.",
        f"- Logs {money(c['logs'])}, X-Ray {money(c['xray'])}. Total {money(c['total'])}.",
        "",
        "## A month of the modelled marketplace",
        "",
        f"{STUDENTS:,} students, {INSTRUCTORS:,} instructors, {LESSONS:,} lessons a month. Requests per route",
        "and the assumption behind each:",
        "",
        "| route | requests a month | assumption | USD |",
        "|---|---|---|---|",
    ]
    by_route = {row["route"]: row for row in table}
    for route, count, why in MONTHLY_MODEL:
        usd = by_route[route]["usd_per_million"]["total"] * count / 1_000_000
        lines.append(f"| {route} | {count:,} | {why} | {money(usd)} |")
    usage, fixed = model["usage"], model["fixed"]
    services = ["api_gateway", "waf", "lambda", "dynamodb", "kms", "secrets_manager", "sqs", "sms",
                "email", "logs", "xray"]
    names = {"api_gateway": "API Gateway (REST)", "waf": "WAF", "lambda": "Lambda (arm64)",
             "dynamodb": "DynamoDB (on-demand)", "kms": "KMS", "secrets_manager": "Secrets Manager",
             "sqs": "SQS", "sms": "SMS (South Africa)", "email": "Email (SES SMTP)",
             "logs": "CloudWatch Logs ingestion", "xray": "X-Ray traces"}
    lines += [
        "",
        "The notices a route enqueues are in its row; the notice rows here are the reminders the jobs",
        "function sends and the account mails, on their own.",
        "",
        "| service | usage USD | fixed USD a month | total USD |",
        "|---|---|---|---|",
    ]
    grand = 0.0
    totals = {}
    for service in services:
        used = usage.get(service, 0.0)
        totals[service] = used + fixed.get(service, 0.0)
        grand += totals[service]
        lines.append(f"| {names[service]} | {money(used)} | {money(fixed.get(service, 0.0))} | {money(totals[service])} |")
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    lines += [
        f"| **Total** | | | **{money(grand)}** |",
        "",
        "Largest: " + ", ".join(f"{names[k]} {100 * v / grand:.0f} %" for k, v in ranked[:4]) + ".",
        "",
        f"That is {money(grand / LESSONS)} USD a lesson, for {model['requests']:,} API requests a month",
        f"(about {model['requests'] / (30 * 24 * 3600):.1f} a second on average). Fixed costs: the web ACL ({COST_WAF_RULES} rules),",
        f"{COST_KMS_KEYS} KMS key, {COST_SECRETS} secrets, and the Secrets Manager and KMS calls made every 5 minutes",
        "whatever the traffic.",
        "",
        f"Without SMS: {money(grand - totals['sms'])} USD a month ({money((grand - totals['sms']) / LESSONS)} a lesson).",
        "",
        "## Reading the table",
        "",
        "- SMS is nearly the whole bill: booking news (requested, confirmed, cancelled, the reminder",
        "  to both parties) goes by SMS as well as email unless the recipient opts out, at about",
        f"  {money(prices['sns_sms_za_message'])} USD a message. Sending only the reminder by SMS, or making SMS opt-in, is",
        "  the one lever that moves the total; it is a product decision, not a code change here.",
        "- For a read, the per-request charges around the function (API Gateway REST, X-Ray, WAF,",
        "  logs: about 10 USD a million) dwarf DynamoDB and Lambda (about 1 USD a million). X-Ray",
        "  sampling at 5 % instead of every request would save most of its 5 USD a million.",
        "- Writes are dominated by transactions (2 WRU an item) and index copies: `POST /bookings`",
        "  writes 14 items (8 of them quarter-hour slot claims) and rewrites the GSI copies of both",
        "  profiles because their booking counters live on the (indexed) profile item.",
        "- `GET /instructors/{id}` reads the profile strongly consistently (1 RRU); an eventually",
        "  consistent read would halve that, at DynamoDB's price a saving of 0.06 USD a million.",
        "",
        "## Unit prices",
        "",
        "| price | USD | unit | source | as of |",
        "|---|---|---|---|---|",
    ]
    for name, entry in raw_prices["prices"].items():
        lines.append(f"| {name} | {entry['usd']} | {entry['unit']} | {entry['source']} | {entry['as_of']} |")
    lines.append("")
    return "\n".join(lines)


def cost_text() -> str:
    """docs/cost.md as the route file, the prices and docs/benchmarks.md make it now."""
    table, prices = cost_table()
    return cost_report(table, prices, monthly_model(table, prices))


def write_cost() -> str:
    """Writes docs/cost.md (after docs/benchmarks.md, whose warm latencies it uses)."""
    text = cost_text()
    COST_DOC.write_text(text)
    return text


def cost_check() -> None:
    """`--cost-check` (run by tests/tests/api/cost_table.rs): the arithmetic on a route worked
    out by hand, then docs/cost.md against what the current files make."""
    prices = cost_prices()
    route = {"route": "GET /x", "function": "instructors", "rru": 1, "wru": 1,
             "dynamodb": {"GetItem": 1, "UpdateItem": 1}, "services": {"kms": 1}}
    got = route_cost(route, prices, {"instructors": 256}, {"instructors": {"warm_ms": 10.0, "init_ms": 20.0}}, {})
    # By hand, per million: 0.25 GB × (10 ms + 20 ms / 100) = 2,550 GB-s → 0.034 + 0.20 a
    # request; 0.125 + 0.625 DynamoDB; 3.00 KMS; 2 secrets reads / 100 → 0.10; 0.75 logs (1.5 GB).
    want = {"lambda": 0.234, "dynamodb": 0.75, "kms": 3.0, "secrets_manager": 0.1, "logs": 0.75,
            "api_gateway": 3.5, "waf": 0.6, "xray": 5.0, "total": 13.934}
    for name, usd in want.items():
        if abs(got["usd_per_million"][name] - usd) > 0.0005:
            raise SystemExit(f"bench: cost arithmetic: {name} {got['usd_per_million'][name]} (want {usd})")
    if not COST_DOC.exists() or COST_DOC.read_text() != cost_text():
        raise SystemExit("bench: docs/cost.md is not what docs/cost-routes.json, docs/prices.json and "
                         "docs/benchmarks.md make: run scripts/bench.py --cost-only")
    print("docs/cost.md is up to date")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--only":
        only(sys.argv[2])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--report-from":
        rerender(Path(sys.argv[2]))
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--cost-only":
        print(write_cost())
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--cost-check":
        cost_check()
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
        logins = json.loads((ROOT / ".local" / "demo-logins.json").read_text())
        cold = bench_cold.measure(BENCH_TOOL, work, function_env, f"http://127.0.0.1:{port}", logins)
        (work / "cold.json").write_text(json.dumps(cold, indent=2))

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
        "functions": rows, "cold": cold, "round_trips": round_trips, "throughput": throughput,
        "zips": zips, "notes": NOTES, "load": load,
        "critical_path": critical,
    }
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
    log(f"raw figures in {work}")
    text = report(results)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)
    write_cost()
    log("docs/cost.md written from docs/cost-routes.json, docs/prices.json and this run's docs/benchmarks.md")
    if load.get("failure_count"):
        raise SystemExit(f"bench: the load scenario's checks failed: {load.get('failures')}")


if __name__ == "__main__":
    main()
