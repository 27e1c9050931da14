#!/usr/bin/env python3
"""TLS in front of the local AWS emulator, for `make bench`: the cold-start figures then include
the TLS handshakes a function pays in AWS (DynamoDB, Secrets Manager and KMS are HTTPS only).

    tls_front.py --upstream 127.0.0.1:PORT --dir WORKDIR [--listeners N]

makes a certificate authority for this run and a server certificate it signs (RSA 2048 like the
AWS endpoints' certificates, for 127.0.0.1 and localhost), writes `WORKDIR/ca.pem` and
`WORKDIR/trust.pem` (the system's roots followed by that authority: what `SSL_CERT_FILE` /
`AWS_CA_BUNDLE` point the functions at, so loading the trust store costs what it costs with the
system bundle), listens on N free ports of 127.0.0.1 (one per AWS service, so that, as in AWS,
each service's client opens its own connection) and prints their `https://127.0.0.1:PORT` URLs
on one line, space-separated, once they accept connections. Every connection's TLS is ended here and its bytes are piped to the
upstream over plain TCP; ALPN offers only HTTP/1.1 (the emulator speaks nothing else). Runs
until killed. Needs `cryptography` (in the project's .venv, a moto dependency).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import ipaddress
import ssl
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SYSTEM_BUNDLES = [
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu
    "/etc/pki/tls/certs/ca-bundle.crt",  # Amazon Linux (Lambda's provided.al2023)
]


def make_certificates(work: Path) -> tuple[Path, Path]:
    """The run's authority (`ca.pem`), the trust bundle (`trust.pem`) and the server pair."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Drive Alive bench CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    (work / "ca.pem").write_bytes(ca_pem)
    system = next((Path(p) for p in SYSTEM_BUNDLES if Path(p).exists()), None)
    (work / "trust.pem").write_bytes((system.read_bytes() if system else b"") + ca_pem)
    (work / "server.pem").write_bytes(server.public_bytes(pem))
    (work / "server.key").write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return work / "server.pem", work / "server.key"


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, ssl.SSLError):
            pass


async def serve(upstream: tuple[str, int], context: ssl.SSLContext, listeners: int) -> None:
    async def connection(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))

    servers = [await asyncio.start_server(connection, "127.0.0.1", 0, ssl=context, backlog=256)
               for _ in range(listeners)]
    print(" ".join(f"https://127.0.0.1:{s.sockets[0].getsockname()[1]}" for s in servers), flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the plain-HTTP emulator")
    parser.add_argument("--dir", required=True, type=Path, help="where the certificates go")
    parser.add_argument("--listeners", type=int, default=1, help="how many ports to listen on")
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    args.dir.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificates(args.dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    context.load_cert_chain(cert, key)
    try:
        asyncio.run(serve((host, int(port)), context, args.listeners))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
