#!/usr/bin/env python3
"""The docs page in a real browser: headless Chromium opens GET /api/v1/docs of a local server.

Starts target/debug/local (what `make run` starts) on a free loopback port with its files in a
temporary directory, then drives Debian's chromium through chromedriver (selenium) and checks:
- every tag of the served document has its section and every operation its entry;
- "Try it out" works against the server: POST /auth/login with a demo login answers 200, the
  access token entered under "Authorize" (bearer) is sent, and GET /users/me answers 200;
- no request failed (an error or a 4XX/5XX), none left the server's origin, the console
  logged no error (a Content-Security-Policy violation is one).
Screenshots of the whole page go to target/docs-browser/: docs.png as it opens, docs-tried.png
after the two tries. The browser and the
server are stopped by their PIDs whatever happens; the run is bounded by DOCS_BROWSER_TIMEOUT
seconds (default 180).

Run by scripts/test.sh with .venv-browser's Python (scripts/setup-browser.sh).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from local_server import ROOT, SERVER, free_port, stop, wait_ready

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = ROOT / "target" / "docs-browser"
METHODS = ("get", "post", "put", "patch", "delete")
WAIT = 30


def log(message):
    print(f"docs-browser: {message}", flush=True)


def expected_operations(document):
    """(tag, operationId, METHOD path) of every operation, as Swagger UI lists them."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                for tag in operation["tags"]:
                    yield tag, operation["operationId"], f"{method.upper()} {path}"


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        # Nothing of Chromium's own may go out: the test watches every request.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(WAIT)
    return driver


def wait_for(driver, condition, what):
    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except WebDriverException as err:
        raise RuntimeError(f"{what} did not happen within {WAIT} s") from err


def operation(driver, tag, operation_id):
    """Opens one operation's entry and switches it to "Try it out"."""
    block = driver.find_element(By.ID, f"operations-{tag}-{operation_id}")
    block.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    button = wait_for(
        driver,
        lambda _: block.find_element(By.CSS_SELECTOR, "button.try-out__btn"),
        f"{operation_id}: the Try it out button",
    )
    button.click()
    return block


def execute(driver, block, what):
    """Presses Execute and returns the status and body Swagger UI shows for the answer."""
    block.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = wait_for(
        driver,
        lambda _: block.find_element(
            By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"
        ),
        f"{what}: the answer",
    ).text.strip()
    body = block.find_element(
        By.CSS_SELECTOR, ".live-responses-table .response-col_description pre"
    ).text
    return status, body


def authorize_bearer(driver, token):
    driver.find_element(By.CSS_SELECTOR, ".auth-wrapper button.authorize").click()
    modal = wait_for(
        driver, ready.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")), "Authorize"
    )
    for container in modal.find_elements(By.CSS_SELECTOR, ".auth-container"):
        if container.find_element(By.TAG_NAME, "h4").text.startswith("bearer"):
            container.find_element(By.CSS_SELECTOR, "input").send_keys(token)
            container.find_element(By.CSS_SELECTOR, "button.authorize").click()
            break
    else:
        raise RuntimeError("the Authorize dialog has no bearer scheme")
    modal.find_element(By.CSS_SELECTOR, "button.close-modal").click()


def network_problems(driver, origin):
    """Requests that failed, answered 4XX/5XX or went anywhere but `origin`; and what was sent
    with each URL (to see the bearer token go out)."""
    urls, problems, sent = {}, [], {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            sent.setdefault(url, []).append(params["request"].get("headers", {}))
            if not url.startswith((f"{origin}/", "data:", "blob:", "about:")):
                problems.append(f"a request left the origin: {url}")
        elif message["method"] == "Network.responseReceived":
            status = params["response"]["status"]
            if status >= 400:
                problems.append(f"{params['response']['url']} answered {status}")
        elif message["method"] == "Network.loadingFailed":
            url = urls.get(params["requestId"], params["requestId"])
            problems.append(f"{url} failed: {params.get('errorText')}")
    return problems, sent


def screenshot(driver, path):
    """The whole page, not just the window."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 100, 16000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    log(f"screenshot: {path.relative_to(ROOT)}")


def console_errors(driver):
    return [
        f"console {e['level']}: {e['message']}"
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE"
    ]


def check_page(driver, base, document, login):
    problems = []
    started = time.monotonic()
    driver.get(f"{base}/api/v1/docs")
    expected = list(expected_operations(document))
    wait_for(
        driver,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= len(expected),
        f"{len(expected)} operations listed",
    )
    log(f"page rendered {len(expected)} operations in {time.monotonic() - started:.1f} s")
    for tag in document["tags"]:
        if not driver.find_elements(By.ID, f"operations-tag-{tag['name']}"):
            problems.append(f"tag {tag['name']} is not listed")
    for tag, operation_id, name in expected:
        if not driver.find_elements(By.ID, f"operations-{tag}-{operation_id}"):
            problems.append(f"{name} ({operation_id}) is not listed under {tag}")

    screenshot(driver, SCREENSHOTS / "docs.png")

    block = operation(driver, "auth", "login")
    body = block.find_element(By.CSS_SELECTOR, "textarea.body-param__text")
    body.send_keys(Keys.CONTROL, "a")
    body.send_keys(json.dumps({"username": login["username"], "password": login["password"]}))
    status, answer = execute(driver, block, "POST /auth/login")
    if status != "200":
        raise RuntimeError(f"Try it out: POST /auth/login answered {status}: {answer}")
    token = json.loads(answer)["access_token"]

    authorize_bearer(driver, token)
    block = operation(driver, "users", "get_me")
    status, answer = execute(driver, block, "GET /users/me")
    if status != "200":
        problems.append(f"Try it out: GET /users/me with the bearer token answered {status}")
    elif json.loads(answer).get("user_id") != login["user_id"]:
        problems.append("Try it out: GET /users/me answered for another user")
    else:
        log("Try it out: login 200, bearer token entered, GET /users/me 200 for that user")

    screenshot(driver, SCREENSHOTS / "docs-tried.png")

    network, sent = network_problems(driver, base)
    me = [h for url, hs in sent.items() if url.endswith("/api/v1/users/me") for h in hs]
    if not any(h.get("Authorization") == f"Bearer {token}" for h in me):
        problems.append("GET /users/me was not sent with the bearer token")
    return problems + network + console_errors(driver)


def main():
    for needed, how in [(SERVER, "cargo build --bins"), (Path(CHROMEDRIVER), "scripts/setup-browser.sh")]:
        if not needed.exists():
            sys.exit(f"docs-browser: {needed} is missing; run {how}")
    timeout = int(os.environ.get("DOCS_BROWSER_TIMEOUT", "180"))
    started = time.monotonic()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    status = 1
    with tempfile.TemporaryDirectory(prefix="docs-browser-") as tmp:
        state_dir = Path(tmp)
        env = dict(os.environ, PORT=str(port), LOCAL_STATE_DIR=str(state_dir), LOG_LEVEL="warn")
        server_log = (state_dir / "server.log").open("w")
        server = subprocess.Popen(
            [str(SERVER)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=server_log, stderr=subprocess.STDOUT,
        )
        driver = None
        # The bound: past it the server is interrupted, which ends every wait below.
        watchdog = threading.Timer(timeout, lambda: server.send_signal(signal.SIGINT))
        watchdog.start()
        try:
            log(f"local server (pid {server.pid}) on {base}")
            wait_ready(base, server)
            with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=10) as answer:
                document = json.loads(answer.read())
            logins = json.loads((state_dir / "demo-logins.json").read_text())
            student = next(l for l in logins if l["role"].upper() == "STUDENT")
            driver = start_browser()
            log(f"chromium (chromedriver pid {driver.service.process.pid})")
            problems = check_page(driver, base, document, student)
            for problem in problems:
                log(f"FAILED: {problem}")
            status = 1 if problems else 0
        except Exception as err:  # report, then still stop the browser and server below
            log(f"FAILED: {err}")
        finally:
            watchdog.cancel()
            if driver is not None:
                driver.quit()
            stop(server)
            server_log.close()
        if status != 0:
            # Its log lines and errors only: the banner lists the demo passwords.
            lines = (state_dir / "server.log").read_text(errors="replace").splitlines()
            log("server log (last 20 lines):")
            for line in [l for l in lines if l.startswith(("{", "local server"))][-20:]:
                print(f"  {line}")
    log(f"finished in {time.monotonic() - started:.1f} s, exit status {status}")
    return status


if __name__ == "__main__":
    sys.exit(main())
