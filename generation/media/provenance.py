"""C2PA Content Credentials for generated videos (DESIGN.md §6), with c2pa-python.

`sign_mp4` embeds a signed manifest saying the video was created by a trained algorithm
(IPTC digitalSourceType trainedAlgorithmicMedia), by which model, for which job and author.
`read_manifest` reads it back and says whether it is intact and signed by a trusted certificate.

Signing material comes from generation.conf's C2PA_* fields (a PEM chain, key and trust anchors);
without them a development CA and leaf are made once under C2PA_DEV_DIR and reused, and that CA is the
trust anchor.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from generation.conf import conf

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GENERATION_LABEL = "castfeed.generation"
MP4 = "video/mp4"

# Codes that are notes, not failures, should they appear in a manifest store's flat validation_status
# list (current readers sort statuses into success / informational / failure themselves).
_INFORMATIONAL = ("signingCredential.ocsp.skipped", "timeStamp.untrusted")


@dataclass(frozen=True)
class Manifest:
    """What a file's Content Credentials say. `valid` means a manifest is present, intact, and signed
    by a certificate chaining to a trust anchor; `validation_errors` lists the failure codes."""

    valid: bool
    validation_errors: list[str] = field(default_factory=list)
    digital_source_type: str | None = None
    job_id: str | None = None
    model: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


# --- signing material ------------------------------------------------------------------------------


def signing_material() -> tuple[bytes, bytes, bytes]:
    """(certificate chain PEM, leaf first; private key PEM; trust anchors PEM).

    From the files generation.conf names when C2PA_CERT_CHAIN and C2PA_PRIVATE_KEY are set; otherwise
    the development chain under C2PA_DEV_DIR, made on first use.
    """
    knobs = conf()
    if knobs.c2pa_cert_chain and knobs.c2pa_private_key:
        return knobs.c2pa_cert_chain.read_bytes(), knobs.c2pa_private_key.read_bytes(), trust_anchors()
    return _dev_material(knobs.c2pa_dev_folder)


def trust_anchors() -> bytes:
    """The CA certificates (PEM) a manifest's signer must chain to: TRUST_ANCHORS when set, else the
    root (last certificate) of CERT_CHAIN when set, else the development CA. Needs no private key, so
    a process that only verifies can call it."""
    knobs = conf()
    if knobs.c2pa_trust_anchors:
        anchors = knobs.c2pa_trust_anchors.read_bytes()
        _certificates(anchors, knobs.c2pa_trust_anchors, "C2PA_TRUST_ANCHORS")
        return anchors
    if knobs.c2pa_cert_chain:
        root = _certificates(knobs.c2pa_cert_chain.read_bytes(), knobs.c2pa_cert_chain, "C2PA_CERT_CHAIN")[-1]
        return root.public_bytes(serialization.Encoding.PEM)
    return _dev_material(knobs.c2pa_dev_folder)[2]


class CredentialsError(ValueError):
    """A configured PEM file holds no certificate (empty, text, binary junk): said with the file and
    its setting, where c2pa and cryptography would raise their own errors naming neither."""


def _certificates(data: bytes, path: Path, setting: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CredentialsError(f"{path}: no PEM certificate in it (CASTFEED_GENERATION_{setting}).") from exc


def _dev_material(folder: Path) -> tuple[bytes, bytes, bytes]:
    """The development chain under `folder` (chain.pem, key.pem, ca.pem), made if missing.

    Safe when processes race: the maker holds an exclusive lock on `folder`/.lock while it checks and
    writes, and each file is written under a temporary name and renamed into place, so a reader sees
    either no set or one whole set, never files of two different sets.
    """
    paths = (folder / "chain.pem", folder / "key.pem", folder / "ca.pem")
    if not all(p.exists() for p in paths):
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not all(p.exists() for p in paths):
                # ca.pem is renamed into place last: its presence means the set is complete.
                for path, data in zip(paths, _make_dev_chain(), strict=True):
                    _write_atomic(path, data, mode=0o600 if path.name == "key.pem" else 0o644)
    chain, key, ca = (p.read_bytes() for p in paths)
    return chain, key, ca


def _write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    """Write `data` to a temporary file beside `path` and rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _make_dev_chain() -> tuple[bytes, bytes, bytes]:
    """A fresh ES256 (P-256) development CA and a leaf it signs for C2PA claim signing:
    (chain PEM leaf first, leaf key PEM, CA PEM)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "castfeed development"),
            x509.NameAttribute(NameOID.COMMON_NAME, "castfeed development CA"),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "castfeed development"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "castfeed development signer"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    key_pem = leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return leaf_cert.public_bytes(pem) + ca_pem, key_pem, ca_pem


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


# --- signing and reading ---------------------------------------------------------------------------


def _context(anchors: bytes) -> c2pa.Context:
    """A c2pa Context that verifies trust against `anchors` (PEM) and embeds no thumbnail."""
    return c2pa.Context.from_dict(
        {
            "version": 1,
            "trust": {"trust_anchors": anchors.decode()},
            "verify": {"verify_trust": True},
            "builder": {"thumbnail": {"enabled": False}},
        }
    )


def sign_mp4(
    source: Path,
    dest: Path,
    *,
    job_id: str,
    model: str,
    author: str,
    title: str = "castfeed video",
) -> None:
    """Write `dest`: the MP4 `source` with an embedded C2PA manifest, signed ES256 with
    signing_material(), declaring it created by a trained algorithm (`model`), for job `job_id` by
    `author` (a handle)."""
    if Path(source).resolve() == Path(dest).resolve():
        raise ValueError("sign_mp4 writes a new file: source and dest must differ")
    chain, key, anchors = signing_material()
    name, _, version = conf().c2pa_claim_generator.partition("/")
    manifest = {
        # Claims v2 keep only claim_generator_info (the old claim_generator string is dropped).
        "claim_generator_info": [{"name": name, "version": version or "0"}],
        "title": title,
        "format": MP4,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": {"name": f"castfeed ({model})"},
                        }
                    ]
                },
            },
            {
                "label": GENERATION_LABEL,
                "data": {"job_id": job_id, "model": model, "author": author},
            },
        ],
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None)
    try:
        with (
            _context(anchors) as context,
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(manifest, context=context) as builder,
            open(source, "rb") as src,
            open(dest, "w+b") as dst,
        ):
            builder.sign(signer, MP4, src, dst)
    except BaseException:
        Path(dest).unlink(missing_ok=True)  # no half-signed file
        raise


def read_manifest(path: Path) -> Manifest:
    """Read and validate the C2PA manifest of the file at `path` (an MP4). A file without one reads as
    Manifest(valid=False, validation_errors=["claim.missing"])."""
    with _context(trust_anchors()) as context, open(path, "rb") as f:
        try:
            reader = c2pa.Reader.try_create(MP4, f, None, context)
        except c2pa.C2paError as e:
            return Manifest(valid=False, validation_errors=[f"error: {e}"])
        if reader is None:
            return Manifest(valid=False, validation_errors=["claim.missing"])
        with reader:
            raw = json.loads(reader.json())
    return _summarise(raw)


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects in a list read from a manifest: anyone can sign one, with any JSON where an object
    or a list is expected (a `castfeed.generation` assertion that is a list raised AttributeError)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _summarise(raw: dict[str, Any]) -> Manifest:
    active = raw.get("manifests", {}).get(raw.get("active_manifest", ""), {})
    errors = [status.get("code", "unknown") for status in _failures(raw) if status.get("code") not in _INFORMATIONAL]
    source_type = job_id = model = None
    for assertion in _objects(active.get("assertions")):
        label, data = str(assertion.get("label", "")), assertion.get("data")
        data = data if isinstance(data, dict) else {}
        if label.startswith("c2pa.actions"):
            for action in _objects(data.get("actions")):
                if action.get("action") == "c2pa.created":
                    source_type = _text(action.get("digitalSourceType"))
        elif label == GENERATION_LABEL:
            job_id, model = _text(data.get("job_id")), _text(data.get("model"))
    valid = bool(active) and not errors and raw.get("validation_state") == "Trusted"
    return Manifest(
        valid=valid,
        validation_errors=errors,
        digital_source_type=source_type,
        job_id=job_id,
        model=model,
        raw=raw,
    )


def _failures(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The failure entries of the reader's validation results (active manifest and ingredients), or of
    the older flat validation_status list."""
    results = raw.get("validation_results")
    if not results:
        return list(raw.get("validation_status", []))
    failures = list(results.get("activeManifest", {}).get("failure", []))
    for delta in results.get("ingredientDeltas", []):
        failures += delta.get("validationDeltas", {}).get("failure", [])
    return failures
