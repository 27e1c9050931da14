"""`make bench` part: cold starts as AWS runs them — every AWS call over TLS, invocations on the
CPU share of the function's configured memory — with the FastAPI + boto3 peer beside ours.

The emulator is put behind `scripts/tls_front.py` (a certificate authority made for the run, one
port per AWS service so each client opens its own connection as with AWS's separate endpoints),
and the functions trust it through the standard variables (`SSL_CERT_FILE` for ours,
`AWS_CA_BUNDLE` for boto3) pointing at the system bundle plus that authority. Each function is
measured from process start to the end of its first response on a route that reads DynamoDB,
with real tokens where the route needs one; `../shared/tools/lambda_bench.py
--invoke-cpu-share` applies the share when the function first polls `/next` (init runs at full
CPU, as in Lambda). Standard library only; used by scripts/bench.py.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_DIR = ROOT.parent / "shared" / "tools" / "peer-fastapi"
PEER_VENV = ROOT / ".venv-peer"
# Lambda gives a function one vCPU at 1,769 MB and a proportional share below that.
MB_PER_VCPU = 1769
# The services a function calls, each on its own TLS port, under the SDKs' standard names.
SERVICES = ["DYNAMODB", "SECRETS_MANAGER", "KMS", "SQS", "SNS"]

# (function, route, event template, what to change in it, expected status, peer pairs with it)
CASES = [
    ("health", "GET /health", "events/health/get-health.v1.json", {}, 200, True),
    ("health", "GET /health/ready", "events/health/get-health-ready.v1.json", {}, 200, False),
    ("auth", "POST /auth/refresh (unknown token)", "events/auth/post-refresh-without-token.v1.json",
     {"body": {"refresh_token": "unknown-refresh-token-for-the-benchmark"}}, 401, False),
    ("users", "GET /users/me", "events/users/get-me-without-token.v1.json",
     {"bearer": "student"}, 200, False),
    ("instructors", "GET /instructors/{id}", "events/instructors/get-instructor-unknown.v1.json",
     {"instructor": True}, 200, True),
    ("bookings", "GET /bookings", "events/bookings/get-bookings-without-token.v1.json",
     {"bearer": "student"}, 200, False),
    ("admin", "GET /admin/stats", "events/admin/get-stats-without-token.v1.json",
     {"bearer": "admin"}, 200, False),
]
UNKNOWN_INSTRUCTOR = "00000000-0000-4000-8000-000000000000"


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def memory_of(function: str) -> int:
    """The function's MemorySize in infra/template.yaml (its own, else the Globals one)."""
    text = (ROOT / "infra" / "template.yaml").read_text()
    default = int(re.search(r"^Globals:.*?^\s+MemorySize:\s*(\d+)", text, re.S | re.M).group(1))
    resource = function.capitalize() + "Function"
    block = re.search(rf"^  {resource}:\n(.*?)(?=^  \S)", text, re.S | re.M)
    if block:
        own = re.search(r"^\s+MemorySize:\s*(\d+)", block.group(1), re.M)
        if own:
            return int(own.group(1))
    return default


def cpu_share(memory_mb: int) -> float:
    return round(min(memory_mb / MB_PER_VCPU, 1.0), 3)


def start_tls_front(work: Path, moto_url: str) -> tuple[subprocess.Popen, list[str]]:
    upstream = moto_url.split("://", 1)[1].rstrip("/")
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "scripts" / "tls_front.py"),
         "--upstream", upstream, "--dir", str(work / "tls"), "--listeners", str(len(SERVICES))],
        stdout=subprocess.PIPE, stderr=open(work / "tls_front.log", "w"), text=True,
    )
    line = proc.stdout.readline().split() if proc.stdout else []
    if len(line) != len(SERVICES):
        proc.kill()
        raise SystemExit(f"bench: the TLS front did not start (see {work / 'tls_front.log'})")
    return proc, line


def tls_env(function_env: dict[str, str], urls: list[str], trust: Path) -> dict[str, str]:
    env = dict(function_env)
    env["AWS_ENDPOINT_URL"] = urls[0]
    for service, url in zip(SERVICES, urls):
        env[f"AWS_ENDPOINT_URL_{service}"] = url
    env["SSL_CERT_FILE"] = str(trust)
    return env


def peer_python() -> Path | None:
    """The peer's interpreter, its pinned requirements installed once into .venv-peer."""
    requirements = PEER_DIR / "requirements-sdk.txt"
    if not requirements.exists():
        return None
    python = PEER_VENV / "bin" / "python"
    stamp = PEER_VENV / ".requirements"
    if not python.exists() or not stamp.exists() or stamp.read_text() != requirements.read_text():
        log(f"installing the peer's pinned requirements into {PEER_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--only-binary", ":all:",
                        "-r", str(requirements)], check=True)
        stamp.write_text(requirements.read_text())
    return python


def login(api: str, account: dict) -> str:
    body = json.dumps({"username": account["username"], "password": account["password"]}).encode()
    request = urllib.request.Request(f"{api}/api/v1/auth/login", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def make_event(template: str, change: dict, logins: list[dict], api: str, out: Path) -> Path:
    text = (ROOT / template).read_text()
    if change.get("instructor"):
        instructor = next(a for a in logins if a["role"] == "INSTRUCTOR")["user_id"]
        text = text.replace(UNKNOWN_INSTRUCTOR, instructor)
    event = json.loads(text)
    if "bearer" in change:
        account = next(a for a in logins if a["role"] == change["bearer"].upper())
        token = login(api, account)
        event["headers"]["Authorization"] = f"Bearer {token}"
        event["multiValueHeaders"]["Authorization"] = [f"Bearer {token}"]
    if "body" in change:
        event["body"] = json.dumps(change["body"])
        event["headers"]["Content-Type"] = "application/json"
        event["multiValueHeaders"]["Content-Type"] = ["application/json"]
    out.write_text(json.dumps(event))
    return out


def run_case(bench_tool: Path, case: tuple, event: Path, env: dict[str, str], urls: list[str],
             trust: Path, peer: Path | None, out: Path, runs: int, warm: int) -> dict:
    function, route, _, _, status, paired = case
    memory = memory_of(function)
    args = [
        sys.executable, str(bench_tool), "--name", function,
        "--cmd", str(ROOT / "target" / "release" / function),
        "--event", str(event), "--expect-status", str(status),
        "--runs", str(runs), "--warm", str(warm), "--memory", str(memory),
        "--invoke-cpu-share", str(cpu_share(memory)), "--json", str(out), "-q",
        "--region", env.get("AWS_REGION", "us-east-1"),
        "--log-dir", str(out.parent / f"{out.stem}-logs"),
    ]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    if paired and peer is not None:
        args += ["--pair-name", "fastapi", "--pair-cmd", f"{peer} -m awslambdaric app_sdk.handler",
                 "--pair-cwd", str(PEER_DIR), "--pair-env", f"AWS_CA_BUNDLE={trust}",
                 "--pair-env", "AWS_ACCESS_KEY_ID=local", "--pair-env", "AWS_SECRET_ACCESS_KEY=local"]
    log(f"cold starts over TLS: {function} {route} (memory {memory} MB, CPU share {cpu_share(memory)})")
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    raw = json.loads(out.read_text())
    ours = raw["targets"][function]["summary"]
    peer_summary = raw["targets"].get("fastapi", {}).get("summary")
    return {"function": function, "route": route, "memory_mb": memory,
            "cpu_share": cpu_share(memory), "ours": figures(ours),
            "peer": figures(peer_summary) if peer_summary else None}


def figures(summary: dict) -> dict:
    def median(key):
        value = summary.get(key)
        return value.get("median") if isinstance(value, dict) else None
    warm = summary.get("warm_ms", {})
    return {"init_ms": median("init_ms"), "cpu_init_ms": median("cpu_init_ms"),
            "first_ms": median("first_ms"), "warm_p50_ms": warm.get("p50"),
            "warm_p99_ms": warm.get("p99"), "rss_mib": median("peak_rss_mb")}


def measure(bench_tool: Path, work: Path, function_env: dict[str, str], api: str,
            logins: list[dict], runs: int = 10, warm: int = 200,
            only: str | None = None) -> dict:
    """Every case over TLS on the CPU share; the peer beside the paired ones."""
    proc, urls = start_tls_front(work, function_env["AWS_ENDPOINT_URL"])
    trust = work / "tls" / "trust.pem"
    try:
        env = tls_env(function_env, urls, trust)
        peer = peer_python()
        rows = []
        for i, case in enumerate(CASES):
            if only and case[0] != only:
                continue
            event = make_event(case[2], case[3], logins, api, work / f"tls-event-{i}.json")
            rows.append(run_case(bench_tool, case, event, env, urls, trust, peer,
                                 work / f"tls-{case[0]}-{i}.json", runs, warm))
        return {"rows": rows, "peer": peer is not None}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


TARGETS = {"first_ms": 60.0, "init_ms": 20.0, "init_ratio": 20.0, "rss_mib": 20.0}


def cell(value: float | None, target: float | None = None, fmt: str = "{:.2f}") -> str:
    """A table cell: the figure, and ✅/❌ against `target` (at most) when there is one."""
    if value is None:
        return "n/a"
    text = fmt.format(value)
    return text if target is None else f"{text} {'✅' if value <= target else '❌'}"


def report_lines(cold: dict | None) -> list[str]:
    lines = [
        "",
        "## Cold starts over TLS, on the CPU share of the function's memory",
        "",
        "Every AWS call goes over TLS (a certificate authority made for the run; one port per",
        "service, so each client opens its own connection as with AWS's endpoints), and every",
        "invocation runs under a cgroup CPU quota of the function's configured memory / 1,769 MB",
        "(256 MB: 0.145 of a CPU; auth's 512 MB: 0.289), applied when the function first polls",
        "`/next`, so init runs at full CPU as in Lambda. First ms is the first invocation, start",
        "of the request to the end of its response; the cold start a client sees is init + first.",
        "The peer is the FastAPI + Mangum + boto3 function (../shared/tools/peer-fastapi) doing the",
        "same init work, in the same run, alternating with ours (ABBA); ratio = peer / ours.",
        "",
        "| function | route | init ms [≤ 20] | init CPU ms | first ms [≤ 60] | warm p50 ms | warm p99 ms | peak RSS MiB [≤ 20] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    if not cold or not cold.get("rows"):
        return lines + ["", "Not measured."]

    for row in cold["rows"]:
        o = row["ours"]
        lines.append(
            f"| {row['function']} | {row['route']} | {cell(o['init_ms'], TARGETS['init_ms'])} "
            f"| {cell(o['cpu_init_ms'])} | {cell(o['first_ms'], TARGETS['first_ms'])} "
            f"| {cell(o['warm_p50_ms'])} | {cell(o['warm_p99_ms'])} "
            f"| {cell(o['rss_mib'], TARGETS['rss_mib'], '{:.1f}')} |")
    paired = [row for row in cold["rows"] if row.get("peer")]
    lines += ["", "### Beside the FastAPI + boto3 peer", ""]
    if not paired:
        return lines + ["Not measured: the peer's requirements could not be installed."]
    lines += [
        "| route | | init ms | first ms | warm p50 ms | warm p99 ms | peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in paired:
        o, p = row["ours"], row["peer"]

        def ratio(key):
            if o.get(key) and p.get(key):
                return f"{p[key] / o[key]:.1f}×"
            return "n/a"
        lines += [
            f"| {row['route']} | ours | {cell(o['init_ms'])} | {cell(o['first_ms'])} | {cell(o['warm_p50_ms'])} | {cell(o['warm_p99_ms'])} | {cell(o['rss_mib'], None, '{:.1f}')} |",
            f"| | peer | {cell(p['init_ms'])} | {cell(p['first_ms'])} | {cell(p['warm_p50_ms'])} | {cell(p['warm_p99_ms'])} | {cell(p['rss_mib'], None, '{:.1f}')} |",
            f"| | peer / ours | {ratio('init_ms')} | {ratio('first_ms')} | {ratio('warm_p50_ms')} | {ratio('warm_p99_ms')} | {ratio('rss_mib')} |",
        ]
    checks = []
    for row in paired:
        o, p = row["ours"], row["peer"]
        if o.get("init_ms") and p.get("init_ms"):
            r = p["init_ms"] / o["init_ms"]
            checks.append(f"{row['route']}: init {r:.0f}× shorter than the peer's "
                          f"[≥ {TARGETS['init_ratio']:.0f}×] {'✅' if r >= TARGETS['init_ratio'] else '❌'}")
        if row["route"].startswith("GET /instructors/") and o.get("warm_p50_ms") and p.get("warm_p50_ms"):
            ok = o["warm_p50_ms"] <= p["warm_p50_ms"] and (o["first_ms"] or 0) <= (p["first_ms"] or 0)
            checks.append(f"{row['route']}: first and warm p50 no slower than the peer's "
                          f"{'✅' if ok else '❌'}")
    return lines + [""] + [f"- {c}" for c in checks] + [""] + COLD_NOTES


COLD_NOTES = [
    "Reading these figures: TLS on loopback has no network round trip, so a handshake here costs",
    "its CPU only (in AWS add about one in-region round trip, under a millisecond, per new",
    "connection). moto answers one request at a time, so calls a function makes at once (the two",
    "signing-key versions and the DynamoDB warm-up in init, the rate limit beside the read)",
    "queue behind each other here and run side by side in AWS. Init opens the connections the",
    "first request needs (Secrets Manager for the signing keys, DynamoDB; health: the three its",
    "readiness probe uses); AWS-LC is built without its CPU-jitter entropy source (README,",
    "\"TLS and crypto\", has the measurements behind both choices).",
]

