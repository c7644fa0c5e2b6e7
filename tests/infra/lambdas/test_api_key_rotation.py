"""The MES API key rotation Lambda against moto's Secrets Manager and a local HTTPS MES that keeps the documented
contract (it reads the keys it accepts from the secret): all four steps, idempotency, bad input, bad MES."""

from __future__ import annotations

import datetime
import io
import ipaddress
import json
import ssl
import threading
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws

from infra.lambdas import api_key_rotation as rotation

SECRET_NAME = "iotsp/t/mes-api-key"


def _certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, as a plant's own CA would issue."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mes.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return pem.decode(), tmp_path / "cert.pem", tmp_path / "key.pem"


class FakeMes:
    """`POST /keys/verify` with a bearer key: 204 when the key is the secret's AWSCURRENT or AWSPENDING api_key."""

    def __init__(self, tmp_path, client, mode="contract"):
        self.ca_pem, cert, key = _certificate(tmp_path)
        self.client, self.mode, self.calls = client, mode, []
        mes = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                presented = self.headers.get("Authorization", "").removeprefix("Bearer ")
                mes.calls.append(presented)
                self.send_response(mes.status(presented))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/keys/verify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def status(self, presented: str) -> int:
        if self.mode == "accepts-anything":
            return 200
        stages = ["AWSCURRENT"] if self.mode == "current-only" else ["AWSCURRENT", "AWSPENDING"]
        accepted = set()
        for stage in stages:
            try:
                raw = self.client.get_secret_value(SecretId=SECRET_NAME, VersionStage=stage)["SecretString"]
            except self.client.exceptions.ResourceNotFoundException:
                continue
            accepted.add(json.loads(raw).get("api_key"))
        return 204 if presented in accepted else 401

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def secret(tmp_path):
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-central-1")
        for i in range(4):
            (tmp_path / str(i)).mkdir()
        mes = FakeMes(tmp_path / "0", client)
        value = {"api_key": "old-key", "client": "mes", "verify_url": mes.url, "verify_ca_pem": mes.ca_pem}
        arn = client.create_secret(Name=SECRET_NAME, SecretString=json.dumps(value))["ARN"]
        client.rotate_secret(
            SecretId=arn,
            RotationLambdaARN=_rotation_function(),
            RotationRules={"AutomaticallyAfterDays": 30},
            RotateImmediately=False,
        )
        yield client, arn
        mes.close()


def _rotation_function() -> str:
    """A rotation function registered in moto (never invoked there: moto would need docker for that)."""
    role = boto3.client("iam", region_name="eu-central-1").create_role(
        RoleName="rotation", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(rotation.__file__, "api_key_rotation.py")
    return boto3.client("lambda", region_name="eu-central-1").create_function(
        FunctionName="rot",
        Runtime="python3.12",
        Role=role,
        Handler="api_key_rotation.handler",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]


def run(client, arn, token, step):
    rotation.handler({"SecretId": arn, "ClientRequestToken": token, "Step": step}, None, client)


def value(client, arn, stage):
    return json.loads(client.get_secret_value(SecretId=arn, VersionStage=stage)["SecretString"])


def test_four_steps_rotate_the_key_and_keep_other_fields(secret):
    client, arn = secret
    token = str(uuid.uuid4())
    for step in rotation.STEPS:
        run(client, arn, token, step)
    current = value(client, arn, "AWSCURRENT")
    assert current["client"] == "mes" and current["api_key"] != "old-key"
    assert len(current["api_key"]) == rotation.KEY_LENGTH and current["api_key"].isalnum()
    assert value(client, arn, "AWSPREVIOUS")["api_key"] == "old-key"


def test_steps_are_idempotent(secret):
    client, arn = secret
    token = str(uuid.uuid4())
    run(client, arn, token, "createSecret")
    pending = client.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")["SecretString"]
    run(client, arn, token, "createSecret")  # a retried step does not generate another key
    assert client.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")["SecretString"] == pending
    for step in ("setSecret", "testSecret", "finishSecret", "finishSecret"):
        run(client, arn, token, step)
    assert value(client, arn, "AWSCURRENT")["api_key"] == json.loads(pending)["api_key"]


def test_bad_events_are_refused(secret):
    client, arn = secret
    with pytest.raises(rotation.RotationError, match="unknown rotation step"):
        run(client, arn, str(uuid.uuid4()), "dropSecret")
    with pytest.raises(rotation.RotationError, match="not a version"):
        run(client, arn, str(uuid.uuid4()), "setSecret")
    current = next(
        v for v, s in client.describe_secret(SecretId=arn)["VersionIdsToStages"].items() if "AWSCURRENT" in s
    )
    run(client, arn, current, "testSecret")  # already current: nothing to do


def test_test_step_rejects_a_malformed_pending_key(secret):
    client, arn = secret
    token = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps({"api_key": "short!"}),
        VersionStages=["AWSPENDING"],
    )
    with pytest.raises(rotation.RotationError, match="alphanumeric"):
        run(client, arn, token, "testSecret")
    other = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=other, SecretString="not json", VersionStages=["AWSPENDING"]
    )
    with pytest.raises(rotation.RotationError, match="not JSON"):
        run(client, arn, other, "setSecret")


def test_rotation_must_be_enabled():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-central-1")
        arn = client.create_secret(Name="plain", SecretString="{}")["ARN"]
        with pytest.raises(rotation.RotationError, match="rotation enabled"):
            run(client, arn, str(uuid.uuid4()), "createSecret")


def _with_mes(client, arn, tmp_path, mode):
    """Point the secret at a MES that behaves as `mode`."""
    mes = FakeMes(tmp_path / "1", client, mode)
    current = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    client.update_secret(
        SecretId=arn, SecretString=json.dumps({**current, "verify_url": mes.url, "verify_ca_pem": mes.ca_pem})
    )
    return mes


def test_a_mes_that_refuses_the_new_key_stops_the_rotation(secret, tmp_path):
    client, arn = secret
    mes = _with_mes(client, arn, tmp_path, "current-only")
    before = value(client, arn, "AWSCURRENT")["api_key"]
    token = str(uuid.uuid4())
    run(client, arn, token, "createSecret")
    run(client, arn, token, "setSecret")
    with pytest.raises(rotation.RotationError, match=r"refused the pending key .*HTTP 401"):
        run(client, arn, token, "testSecret")
    assert value(client, arn, "AWSCURRENT")["api_key"] == before and mes.calls
    mes.close()


def test_a_mes_that_accepts_anything_proves_nothing(secret, tmp_path):
    client, arn = secret
    mes = _with_mes(client, arn, tmp_path, "accepts-anything")
    token = str(uuid.uuid4())
    run(client, arn, token, "createSecret")
    with pytest.raises(rotation.RotationError, match="proves nothing"):
        run(client, arn, token, "testSecret")
    pending = value(client, arn, "AWSPENDING")["api_key"]
    assert mes.calls[0] == pending and mes.calls[1] != pending  # the key, then the control
    mes.close()


def test_the_verify_endpoint_must_be_known_https_reachable_and_trusted(secret, tmp_path, monkeypatch):
    client, arn = secret
    token = str(uuid.uuid4())
    run(client, arn, token, "createSecret")
    pending = value(client, arn, "AWSPENDING")

    def restage(**changes):
        client.put_secret_value(
            SecretId=arn,
            ClientRequestToken=token,
            SecretString=json.dumps({**pending, **changes}),
            VersionStages=["AWSPENDING"],
        )

    monkeypatch.delenv("MES_VERIFY_URL", raising=False)
    restage(verify_url="")
    with pytest.raises(rotation.RotationError, match="no MES verify endpoint"):
        run(client, arn, token, "testSecret")
    restage(verify_url="http://127.0.0.1:1/keys/verify")
    with pytest.raises(rotation.RotationError, match="must be an https"):
        run(client, arn, token, "testSecret")
    restage(verify_url="https://127.0.0.1:1/keys/verify")
    with pytest.raises(rotation.RotationError, match="unreachable"):
        run(client, arn, token, "testSecret")
    restage(verify_ca_pem="")  # the plant CA withheld: the self-signed MES is not trusted
    with pytest.raises(rotation.RotationError, match=r"unreachable.*CERTIFICATE_VERIFY_FAILED"):
        run(client, arn, token, "testSecret")


def test_the_endpoint_may_come_from_the_function_config(secret, monkeypatch):
    client, arn = secret
    token = str(uuid.uuid4())
    run(client, arn, token, "createSecret")
    pending = value(client, arn, "AWSPENDING")
    url = pending.pop("verify_url")
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending), VersionStages=["AWSPENDING"]
    )
    monkeypatch.setenv("MES_VERIFY_URL", url)
    run(client, arn, token, "testSecret")
    run(client, arn, token, "finishSecret")
    assert value(client, arn, "AWSCURRENT")["api_key"] == pending["api_key"]
