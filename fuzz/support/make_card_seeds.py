#!/usr/bin/env python3
"""Writes the seeds of fuzz_card_session (fuzz/corpus/card_session/). Each seed is a scripted
card: flags, then answers (support/fuzz_card.hpp framing) and operation bytes in the order the
card layer consumes them; MYNACARD_FUZZ_VERBOSE=1 fuzz_card_session SEED shows the exchange.
Run by hand after make_seeds.py (uses its test PKI); output committed."""
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
C = os.path.join(os.path.dirname(HERE), "corpus", "card_session")


def ans(*rs):
    out = b""
    for r in rs:
        r = bytes.fromhex(r.replace(" ", "")) if isinstance(r, str) else r
        out += (bytes([len(r)]) if len(r) < 0xFF else b"\xff" + struct.pack(">H", len(r))) + r
    return out


LABEL = b"JPKIAPICCTOKEN2" + b" " * 17 + b"\x90\x00"
REC = b"\x01\x1c" + b"AB12345678901CD" + b"0" * 13 + b"\x90\x00"  # Common AP serial record
# open(): SELECT JPKI AP, SELECT EF 0006, READ 32 (label), SELECT+READ EF 0008,
# SELECT Common AP, READ RECORD, SELECT JPKI AP.
OPEN = ans("9000", "9000", LABEL, "9000", "8F8F00 9000", "9000", REC, "9000")
cert = subprocess.run(["openssl", "x509", "-in", os.path.join(HERE, "pki", "leaf.pem"), "-outform", "DER"],
                      capture_output=True, check=True).stdout
kenhojo_attrs = open(os.path.join(os.path.dirname(HERE), "corpus", "kenhojo", "ef0002"), "rb").read()


def reads(der, chunk=256):
    return [der[i:i + chunk] + b"\x90\x00" for i in range(0, len(der), chunk)]


def w(name, flags, body, opened=True):
    os.makedirs(C, exist_ok=True)
    open(os.path.join(C, name), "wb").write(bytes([flags]) + (OPEN if opened else b"") + body)


# Operation byte: low nibble = operation (fuzz_card_session.cpp), bits 4-5 = kind / key.
w("open_only", 0, b"")
w("label_other", 0, ans("9000", "9000", b"JPKIAPGPKITOKEN " + b" " * 16 + b"\x90\x00"), opened=False)
w("read_auth_cert_short", 0, b"\x00" + ans("9000", "9000", *reads(cert)))
w("read_auth_cert_ext", 3, b"\x01" + ans("9000", "9000", cert[:256] + b"\x90\x00", cert[256:] + b"\x90\x00"))
w("cache_write", 4, b"\x00" + ans("9000", "9000", *reads(cert)))
# With flags 0x14 open() compares the pre-seeded cached auth certificate with the card.
w("cache_hit", 0x14, ans("9000", cert[:256] + b"\x90\x00") + b"\x00\x01")
w("cache_stale", 0x14, ans("9000", cert[:255] + b"\x00\x90\x00") + b"\x00" + ans("9000", "9000", *reads(cert)))
w("pin_status_verify_sign", 0, b"\x12" + ans("9000", "9000", "63C5") + b"\x13" + ans("9000", "9000", "63C5", "9000") +
  b"\x14" + ans("9000", "9000", bytes(256) + b"\x90\x00"))
w("sign_with_pin_locked", 0, b"\x15" + ans("9000", "9000", "63C0"))
w("verify_wrong_then_logout", 0, b"\x03" + ans("9000", "9000", "63C3", "63C2") + b"\x06" + b"\x24" + ans("9000", "9000", "6982"))
w("kenhojo", 0, b"\x07" + ans("9000", "9000", "63C3", "9000", "9000", "FF100E0C0C313233343536373839303132 9000",
                               "9000", kenhojo_attrs + b"\x90\x00", "9000"))
w("change_pin", 0, b"\x18" + ans("9000", "9000", "63C3", "9000", "9000"))
w("sign_cert_needs_login", 0, b"\x20" + ans("9000", "9000", "6982") + b"\x21" + ans("9000", "6A82"))
print("card_session seeds written")
