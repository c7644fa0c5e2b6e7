"""A real PostgreSQL server for the Aurora sink's tests: Debian's `postgresql` (installed by scripts/bootstrap),
started on 127.0.0.1 with TLS only (a certificate from a test CA, ssl_min_protocol_version = TLSv1.2), stopped at
the end. Where the server binaries are missing, `find_binaries` says why, and the tests skip with that reason."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
DATABASE = "sensors"


def find_binaries(root: Path = Path("/usr/lib/postgresql"), which=shutil.which) -> tuple[Path | None, str]:
    """(folder holding initdb/pg_ctl/postgres, '') or (None, why not)."""
    versions = [p for p in root.glob("*/bin") if p.parent.name.isdigit()]
    candidates = sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    on_path = which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            if which("psql") is None and not (folder / "psql").exists():
                return None, "psql is missing (Debian package postgresql-client)"
            return folder, ""
    return None, "PostgreSQL server binaries not found (run scripts/bootstrap as root: apt-get install postgresql)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Pki:
    ca: Path  # the CA that signed the server certificate
    other_ca: Path  # a CA the server has nothing to do with
    server_cert: Path
    server_key: Path


def make_pki(folder: Path, host_names: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = ()) -> Pki:
    """A test CA, a server certificate it signs (for the names and addresses given), and an unrelated CA."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    folder.mkdir(parents=True, exist_ok=True)

    def ca(name: str) -> tuple[object, object]:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return key, cert

    ca_key, ca_cert = ca("anomaly-tests CA")
    _, other_cert = ca("an unrelated CA")
    server_key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(n) for n in host_names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host_names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    pki = Pki(folder / "ca.pem", folder / "other-ca.pem", folder / "server.crt", folder / "server.key")
    pki.ca.write_bytes(ca_cert.public_bytes(pem))
    pki.other_ca.write_bytes(other_cert.public_bytes(pem))
    pki.server_cert.write_bytes(server_cert.public_bytes(pem))
    pki.server_key.write_bytes(
        server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    pki.server_key.chmod(0o600)
    return pki


class PostgresServer:
    """initdb, TLS-only pg_hba, start; `psql` as the superuser over the local socket; stop and remove."""

    def __init__(self, binaries: Path, root: Path, superuser_password: str) -> None:
        self.bin, self.root = binaries, root
        self.data, self.socket_dir = root / "data", root / "socket"
        self.port = _free_port()
        self.password = superuser_password
        self.pki = make_pki(root / "pki")
        # initdb refuses to run as root: the server runs as Debian's postgres user then (it owns only its folder).
        self.run_as = SUPERUSER if os.geteuid() == 0 else None

    def _command(self, *argv: str | Path) -> list[str]:
        args = [str(a) for a in argv]
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else args

    def _own(self, *paths: Path) -> None:
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for path in paths:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> None:
        for folder in (self.root, self.data, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o700 if folder == self.data else 0o755)
        self._own(self.root, self.data, self.socket_dir, self.pki.server_key, self.pki.server_cert)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._own(pwfile)
        subprocess.run(
            self._command(
                self.bin / "initdb",
                "-D",
                self.data,
                "-U",
                SUPERUSER,
                "--pwfile",
                pwfile,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        pwfile.unlink()
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n".join(
                    [
                        "listen_addresses = '127.0.0.1'",
                        f"port = {self.port}",
                        f"unix_socket_directories = '{self.socket_dir}'",
                        "ssl = on",
                        f"ssl_cert_file = '{self.pki.server_cert}'",
                        f"ssl_key_file = '{self.pki.server_key}'",
                        "ssl_min_protocol_version = 'TLSv1.2'",
                        "password_encryption = 'scram-sha-256'",
                        "fsync = off",
                        "",
                    ]
                )
            )
        # TLS only over TCP: a plaintext connection finds no pg_hba line and is refused (as rds.force_ssl = 1).
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n"
        )
        self._own(self.data / "pg_hba.conf")
        subprocess.run(
            self._command(
                self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-t", "60", "start"
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        self.psql(f"CREATE DATABASE {DATABASE}", database="postgres")

    def psql(self, sql: str | None = None, *, file: Path | None = None, database: str = DATABASE) -> str:
        """Run SQL as the superuser over the local socket (stops at the first error)."""
        argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p", str(self.port)]
        argv += ["-U", SUPERUSER, "-d", database, "-At"]
        argv += ["-f", str(file)] if file else ["-c", sql or ""]
        run = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if run.returncode:
            raise RuntimeError(f"psql failed ({run.returncode}): {run.stderr.strip()}")
        return run.stdout.strip()

    def stop(self) -> None:
        subprocess.run(
            self._command(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"),
            capture_output=True,
            text=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
