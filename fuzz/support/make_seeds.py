#!/usr/bin/env python3
"""Writes the fixed test PKI (fuzz/support/pki/) and the seed inputs of the revocation and
cache fuzz targets (fuzz/corpus/{crl,ocsp,cert_cache}/). Run once by hand (python3-cryptography);
its output is committed, so builds never need Python. Re-running keeps an existing PKI and
rewrites only the seeds named here; fuzzer-found regressions in the corpora are left alone."""
import datetime as dt
import os
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)
PKI = os.path.join(HERE, "pki")
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 25, tzinfo=UTC)  # must match kNow in fuzz/support/fuzz_pki.hpp
DAY = dt.timedelta(days=1)
CA_DN = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                   x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI-FUZZ"),
                   x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Fuzz CA")])
DP_DN = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                   x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI-FUZZ"),
                   x509.NameAttribute(NameOID.COMMON_NAME, "Fuzz-shi CRLDP")])
LEAF_SERIAL = 0x1000


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_or_make():
    paths = {n: os.path.join(PKI, n) for n in ("ca.pem", "ca.key", "leaf.pem", "leaf_nodp.pem",
                                               "responder.pem", "responder.key")}
    if all(os.path.exists(p) for p in paths.values()):
        rd = lambda n: open(paths[n], "rb").read()
        return (x509.load_pem_x509_certificate(rd("ca.pem")),
                serialization.load_pem_private_key(rd("ca.key"), None),
                x509.load_pem_x509_certificate(rd("responder.pem")),
                serialization.load_pem_private_key(rd("responder.key"), None))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(CA_DN).issuer_name(CA_DN)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(dt.datetime(2023, 7, 16, tzinfo=UTC))
          .not_valid_after(dt.datetime(2033, 7, 15, 14, 59, 59, tzinfo=UTC))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)

    def leaf(cn, serial, key, dp=True, responder=False):
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                                      x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
             .issuer_name(CA_DN).public_key(key.public_key()).serial_number(serial)
             .not_valid_before(dt.datetime(2025, 10, 27, tzinfo=UTC))
             .not_valid_after(dt.datetime(2030, 2, 17, 14, 59, 59, tzinfo=UTC))
             .add_extension(aki, critical=False)
             .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                 x509.oid.AuthorityInformationAccessOID.OCSP,
                 x509.UniformResourceIdentifier("http://127.0.0.1:1/ocsp"))]), critical=False))
        if dp:
            b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.DirectoryName(DP_DN)], None, None, None)]), critical=False)
        if responder:
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        return b.sign(ca_key, hashes.SHA256())

    leaf_key = ec.generate_private_key(ec.SECP256R1())
    resp_key = ec.generate_private_key(ec.SECP256R1())
    responder = leaf("fuzz-responder", 0x2000, resp_key, dp=False, responder=True)
    os.makedirs(PKI, exist_ok=True)
    out = {"ca.pem": ca.public_bytes(serialization.Encoding.PEM), "ca.key": pem_key(ca_key),
           "leaf.pem": leaf("fuzz-leaf", LEAF_SERIAL, leaf_key).public_bytes(serialization.Encoding.PEM),
           "leaf_nodp.pem": leaf("fuzz-leaf-nodp", LEAF_SERIAL, leaf_key, dp=False).public_bytes(serialization.Encoding.PEM),
           "responder.pem": responder.public_bytes(serialization.Encoding.PEM), "responder.key": pem_key(resp_key)}
    for n, data in out.items():
        open(paths[n], "wb").write(data)
    return load_or_make()


def write(target, name, data):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(data)


def crl(ca, key, revoked=(), number=1, this=NOW - DAY, nxt=NOW + DAY, idp=None, extra=(), issuer=None,
        aki=True):
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer or ca.subject)
         .last_update(this))
    if nxt is not None:
        b = b.next_update(nxt)
    if number is not None:
        b = b.add_extension(x509.CRLNumber(number), critical=False)
    if aki:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False)
    if idp is not None:
        b = b.add_extension(idp, critical=True)
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    for serial, reason in revoked:
        r = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW - 2 * DAY)
        if reason is not None:
            r = r.add_extension(x509.CRLReason(reason), critical=False)
        b = b.add_revoked_certificate(r.build())
    return b.sign(key, hashes.SHA256())


def der(obj):
    return obj.public_bytes(serialization.Encoding.DER)


def crl_input(flags, first, second=b""):
    return bytes([flags]) + struct.pack(">H", len(first)) + first + second


def main():
    ca, ca_key, responder, resp_key = load_or_make()
    leaf = x509.load_pem_x509_certificate(open(os.path.join(PKI, "leaf.pem"), "rb").read())
    R = x509.ReasonFlags
    idp_ours = x509.IssuingDistributionPoint([x509.DirectoryName(DP_DN)], None, False, False, None, False, False)
    idp_other = x509.IssuingDistributionPoint([x509.DirectoryName(x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "Other-machi CRLDP")]))], None, False, False, None, False, False)
    other_key = ec.generate_private_key(ec.SECP256R1())

    # --- fuzz_crl: flags | u16 length of CRL 1 | CRL 1 | CRL 2 (optional)
    good = der(crl(ca, ca_key))
    write("crl", "good_not_listed", crl_input(0, good))
    write("crl", "revoked_key_compromise", crl_input(0, der(crl(ca, ca_key, [(LEAF_SERIAL, R.key_compromise)]))))
    write("crl", "hold_then_released", crl_input(0, der(crl(ca, ca_key, [(LEAF_SERIAL, R.certificate_hold)], number=5)),
                                                  der(crl(ca, ca_key, [], number=6))))
    write("crl", "rolled_back", crl_input(8, der(crl(ca, ca_key, [], number=9)),
                                          der(crl(ca, ca_key, [(LEAF_SERIAL, R.certificate_hold)], number=8))))
    write("crl", "idp_ours_stale", crl_input(0, der(crl(ca, ca_key, [(0x77, None)], idp=idp_ours,
                                                        this=NOW - 10 * DAY, nxt=NOW - 5 * DAY))))
    write("crl", "idp_other_no_number", crl_input(4, der(crl(ca, ca_key, idp=idp_other, number=None))))
    write("crl", "delta_critical", crl_input(0, der(crl(ca, ca_key, extra=[(x509.DeltaCRLIndicator(3), True)]))))
    write("crl", "forged_resign_fixes", crl_input(3, der(crl(ca, other_key, issuer=x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "Somebody")]), aki=False))))
    write("crl", "other_key_aki", crl_input(0, der(crl(ca, other_key))))
    pem = (crl(ca, ca_key, [(LEAF_SERIAL, None)], number=2).public_bytes(serialization.Encoding.PEM) +
           crl(ca, ca_key, number=3).public_bytes(serialization.Encoding.PEM))
    write("crl", "pem_two", crl_input(0, pem))
    write("crl", "garbage", crl_input(1, b"\x30\x03\x02\x01\x01", b"-----BEGIN X509 CRL-----\nMAA=\n"))

    # --- fuzz_ocsp: flags (bits 0-1 mode, bit 2 echo nonce, bit 3 require nonce) | body
    def resp(status, signer=ca, key=ca_key, this=NOW - dt.timedelta(hours=1), nxt=NOW + DAY, reason=None, certs=None):
        b = ocsp.OCSPResponseBuilder().add_response(
            cert=leaf, issuer=ca, algorithm=hashes.SHA1(), cert_status=status, this_update=this,
            next_update=nxt, revocation_time=(NOW - DAY) if status == ocsp.OCSPCertStatus.REVOKED else None,
            revocation_reason=reason)
        b = b.responder_id(ocsp.OCSPResponderEncoding.HASH, signer)
        if certs:
            b = b.certificates(certs)
        return der(b.sign(key, hashes.SHA256()))
    S = ocsp.OCSPCertStatus
    write("ocsp", "good_by_ca", bytes([1]) + resp(S.GOOD))
    write("ocsp", "good_resigned_nonce", bytes([2 | 4 | 8]) + resp(S.GOOD))
    write("ocsp", "revoked_by_responder", bytes([3]) + resp(S.REVOKED, responder, resp_key, reason=R.key_compromise,
                                                         certs=[responder]))
    write("ocsp", "hold_resigned", bytes([2]) + resp(S.REVOKED, reason=R.certificate_hold))
    write("ocsp", "unknown_status", bytes([2 | 4]) + resp(S.UNKNOWN))
    write("ocsp", "stale", bytes([2]) + resp(S.GOOD, this=NOW - 5 * DAY, nxt=NOW - 4 * DAY))
    write("ocsp", "future", bytes([2]) + resp(S.GOOD, this=NOW + 2 * DAY, nxt=None))
    write("ocsp", "try_later", bytes([1]) + der(ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.TRY_LATER)))
    write("ocsp", "require_nonce_missing", bytes([1 | 8]) + resp(S.GOOD))
    body = resp(S.GOOD)
    write("ocsp", "http_raw_200", bytes([0]) + b"HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body)
    write("ocsp", "http_raw_404", bytes([0]) + b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    write("ocsp", "http_raw_wrong_type", bytes([0]) + b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")

    # --- fuzz_cert_cache: mode | DER (see fuzz_cert_cache.cpp)
    leaf_der = der(leaf)
    import hashlib
    key = b"common-ap:FUZZ0123456789A"  # must match kIdentity in fuzz_cert_cache.cpp
    for kind in (0, 2):
        head = b"MYNACERT" + bytes([1, kind, len(key)]) + key + struct.pack(">I", len(leaf_der))
        write("cert_cache", "file_kind%d" % kind, bytes([kind]) + head + hashlib.sha256(head + leaf_der).digest() + leaf_der)
    write("cert_cache", "file_wrong_identity", bytes([0]) + b"MYNACERT\x01\x00\x03a:b" + bytes(40))
    write("cert_cache", "wrap_leaf", bytes([0x10]) + leaf_der)
    write("cert_cache", "wrap_flip", bytes([0x20, 0x05]) + leaf_der)
    write("cert_cache", "wrap_junk", bytes([0x10]) + b"\x30\x02\x05\x00")
    print("seeds written")


if __name__ == "__main__":
    sys.exit(main())
