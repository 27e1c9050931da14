#!/usr/bin/env python3
"""Local stand-ins for the cloud: the moto server (DynamoDB, KMS, Secrets Manager, SQS, SNS), an
SMTP server that keeps every message it receives as one file, and localstripe (Stripe).

Each service runs as its own process so that a test can stop one of them (fault injection) while
the other keeps going. The process binds 127.0.0.1 on a free port, prints one line
`READY {"port": N}` on stdout, and exits when its standard input closes (its parent died or let
go of it) or on SIGTERM/SIGINT, so nothing outlives the test or the `make run` that started it.

    local_services.py moto     (GET /_local/sms lists the SMS its SNS published)
    local_services.py smtp --mail-dir .local/mail [--auth-user U]   (password in SMTP_AUTH_PASSWORD)
    local_services.py stripe --state-file .local/localstripe.pickle
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import socket
import sys
import threading
import time
import uuid
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"service did not start listening on 127.0.0.1:{port}")


def exit_when_parent_lets_go() -> None:
    """Blocks until stdin reaches EOF, then ends the process at once."""

    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))


def announce(port: int) -> None:
    print("READY " + json.dumps({"port": port}), flush=True)


def install_item_level_transactions() -> None:
    """Replaces moto's TransactWriteItems with one whose cost does not grow with the table.

    moto 5.2 deep-copies the whole table once per item of a transaction, to roll back on
    failure: a 12-item booking costs twelve copies of every item in the table, so transactions
    slow down as data accumulates (about 0.3 s per copy at 5000 items) and a load test stalls.
    This version does what DynamoDB does: it checks every condition against the state before
    the transaction, writes only when all pass, and on an unexpected failure puts back the
    items it had already written (from copies of those items alone). Requests reach the
    backend one at a time (see run_moto), so nothing interleaves with a transaction.
    """
    import copy

    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    def transact_write_items(self, transact_items):
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        targets = set()
        errors = []  # one (code, message, item) per operation, as moto reports them
        planned = []
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException
            original_item = None
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                if op_type == "Put":
                    table = self.get_table(table_name)
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                target = (str(table_name), str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)
                current = self.get_item(table_name, key)
                condition = op.get("ConditionExpression")
                if condition is not None:
                    check = get_filter_expression(
                        condition,
                        op.get("ExpressionAttributeNames"),
                        op.get("ExpressionAttributeValues"),
                    )
                    if not check.expr(current):
                        if (
                            op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                            and current
                        ):
                            original_item = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=original_item)
                planned.append((op_type, op, table_name, key))
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:  # noqa: BLE001 (moto reports any failure as a reason)
                errors.append((type(e).__name__, str(e), original_item))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)

        written = []  # (table, key, the item before), to put back on failure
        for position, (op_type, op, table_name, key) in enumerate(planned):
            if op_type == "ConditionCheck":
                continue
            before = self.get_item(table_name, key)
            written.append((table_name, key, copy.deepcopy(before)))
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            try:
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], expression_attribute_names=names,
                                  expression_attribute_values=values)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, expression_attribute_names=names,
                                     expression_attribute_values=values)
                else:
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                     expression_attribute_names=names,
                                     expression_attribute_values=values)
            except Exception as e:  # noqa: BLE001
                for table_name, key, before in reversed(written):
                    if before is None:
                        self.delete_item(table_name, key)
                    else:
                        self.put_item(table_name, before.to_json()["Attributes"])
                reasons = [(None, None, None)] * len(errors)
                reasons[position] = (type(e).__name__, str(e), None)
                raise TransactionCanceledException(reasons) from e

    DynamoDBBackend.transact_write_items = transact_write_items


def install_transaction_client_tokens() -> None:
    """TransactWriteItems honours ClientRequestToken, as DynamoDB does and moto 5.2 does not.

    The AWS SDK puts a fresh token on every TransactWriteItems call and sends the same one
    when it retries a lost attempt. DynamoDB answers a repeat of a successful transaction
    (same token, same items, within ten minutes) with success and changes nothing, and a
    reuse of the token with other items with IdempotentParameterMismatchException. Without
    this, a retried booking whose first attempt was written fails its own slot conditions
    here (a 409) where AWS would answer 201.
    """
    import hashlib

    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self) -> None:
            super().__init__(
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )

    window_secs = 600.0
    completed = {}  # token -> (digest of the items, when, the answer)
    original = DynamoHandler.transact_write_items

    def transact_write_items(self):
        token = self.body.get("ClientRequestToken")
        if token is None:
            return original(self)
        # The parsed request: binary attributes are bytes here, numbers may be Decimals.
        digest = hashlib.sha256(
            json.dumps(self.body["TransactItems"], sort_keys=True, default=repr).encode()
        ).hexdigest()
        now = time.monotonic()
        for old in [t for t, (_, at, _) in completed.items() if now - at > window_secs]:
            del completed[old]
        if token in completed:
            seen_digest, _, answer = completed[token]
            if seen_digest != digest:
                raise IdempotentParameterMismatch()
            return answer
        answer = original(self)  # raises when the transaction is cancelled: nothing to keep
        completed[token] = (digest, now, answer)
        return answer

    DynamoHandler.transact_write_items = transact_write_items


def install_unsorted_query_candidates() -> None:
    """Stops moto's Query from sorting the whole table before it looks at the key.

    moto 5.2 starts every Query with `Table.all_items()`, which sorts every item in the table
    by its keys (Python-level comparisons), then filters by the key condition and sorts the
    matches again. The first sort decides nothing, but costs O(n log n) per query: at 20 000
    items a query took about 200 ms of the one request moto serves at a time. Here a query on
    the table's own key starts from that key's partition, and an index query from the items
    unsorted; moto's own filtering, ordering and paging then run unchanged.
    """
    from moto.dynamodb.models.table import Table

    original_query = Table.query

    def query(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")

        def candidates():
            if index_name is None and self.range_key_attr:
                return list(self.items.get(hash_key, {}).values())
            if self.range_key_attr:
                return [item for part in self.items.values() for item in part.values()]
            return list(self.items.values())

        # An instance attribute shadows the method for this one call; requests reach the
        # backend one at a time (see run_moto).
        self.all_items = candidates
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query


# The SMS moto's SNS was asked to publish (`Publish` with a `PhoneNumber`), for tests to read.
SMS_PATH = "/_local/sms"


def published_sms() -> list:
    """Every SMS published so far, oldest first, as {"phone", "message"} objects."""
    from moto.sns.models import sns_backends

    messages = []
    for _account, regions in sns_backends.items():
        for _region, backend in regions.items():
            for phone, message in backend.sms_messages.values():
                messages.append({"phone": phone, "message": message})
    return messages


def run_moto(args: argparse.Namespace) -> None:
    """moto's threaded server, with one request in its backend at a time.

    moto's TransactWriteItems (its own, or the one installed above) takes no lock, so two
    concurrent transactions can both pass their conditions or crash on a table changed under
    them. DynamoDB serialises conflicting transactions; serialising every request in
    the emulator gives the same guarantee (at a few milliseconds a call, the cost is small).
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    install_item_level_transactions()
    install_transaction_client_tokens()
    install_unsorted_query_candidates()
    app = DomainDispatcherApplication(create_backend_app)
    backend_lock = threading.Lock()

    def serialised(environ, start_response):
        if environ.get("PATH_INFO") == SMS_PATH:
            with backend_lock:
                body = json.dumps(published_sms()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        with backend_lock:
            # Materialise the body inside the lock: moto builds responses eagerly, but a lazy
            # iterable must not run outside it.
            return list(app(environ, start_response))

    port = args.port or free_port()
    server = make_server("127.0.0.1", port, serialised, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wait_listening(port)
    announce(port)
    threading.Event().wait()


class MailKeeper:
    """aiosmtpd handler: each accepted message becomes one .eml file, written atomically."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir
        self.mail_dir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        header = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        tmp = self.mail_dir / (name + ".tmp")
        tmp.write_bytes(header + content)
        tmp.rename(self.mail_dir / name)
        return "250 Message accepted for delivery"


def run_smtp(args: argparse.Namespace) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    port = args.port or free_port()
    kwargs: dict = {}
    if args.auth_user:
        password = os.environ.get("SMTP_AUTH_PASSWORD", "")
        expected = (args.auth_user.encode(), password.encode())

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login,
                auth_data.password,
            ) == expected
            # handled=False: aiosmtpd then answers 535 itself on failure (with True it sends
            # nothing and the client waits for a reply until it times out).
            return AuthResult(success=ok, handled=False)

        kwargs = {
            "authenticator": authenticator,
            "auth_required": True,
            "auth_require_tls": False,
        }
    controller = Controller(
        MailKeeper(Path(args.mail_dir)), hostname="127.0.0.1", port=port, **kwargs
    )
    controller.start()
    announce(port)
    threading.Event().wait()


def run_stripe(args: argparse.Namespace) -> None:
    """localstripe, on 127.0.0.1 only (its own start() listens on every interface), keeping its
    store in `--state-file` instead of the fixed /tmp/localstripe.pickle every user shares."""
    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    state_file = Path(args.state_file)
    state_file.parent.mkdir(parents=True, exist_ok=True)

    def load(store) -> None:
        try:
            with state_file.open("rb") as f:
                old = pickle.load(f)
            store.clear()
            store.update(old)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            pass

    def dump(store) -> None:
        tmp = state_file.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(state_file)

    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = dump
    resources.store.try_load_from_disk()

    port = args.port or free_port()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    announce(port)
    web.run_app(app, sock=sock, print=None, handle_signals=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="service", required=True)
    moto = sub.add_parser("moto", help="DynamoDB, KMS and Secrets Manager emulator")
    moto.add_argument("--port", type=int, default=0)
    smtp = sub.add_parser("smtp", help="SMTP server that keeps each message as a file")
    smtp.add_argument("--port", type=int, default=0)
    smtp.add_argument("--mail-dir", default=os.environ.get("LOCAL_MAIL_DIR", ".local/mail"))
    smtp.add_argument("--auth-user", default=None, help="require AUTH as this user")
    stripe = sub.add_parser("stripe", help="localstripe, the local Stripe")
    stripe.add_argument("--port", type=int, default=0)
    stripe.add_argument("--state-file", default=".local/localstripe.pickle")
    args = parser.parse_args()
    exit_when_parent_lets_go()
    {"moto": run_moto, "smtp": run_smtp, "stripe": run_stripe}[args.service](args)


if __name__ == "__main__":
    main()
