#!/usr/bin/env python3
"""Test web server (test equipment): HTTPS on 127.0.0.1 that requires a client certificate.

The handshake demands a certificate issued by --client-ca (the virtual card's auth CA): a client
without one, or with another, never reaches HTTP. The page names the client certificate it was
shown (SHA-256 of the DER, subject), so a browser's DOM proves which certificate it used. Every
handshake and request goes to --log as one JSON object per line:
  {"event": "request", "path": ..., "tls": "TLSv1.2", "client_sha256": ..., "client_subject": ...}
  {"event": "handshake_failed", "error": ...}

  tls_server.py --cert C --key K --client-ca CA --tls 1.2|1.3|any --port-file F --log L

Binds 127.0.0.1 on a free port (written to --port-file once listening). Stopped by SIGTERM
(the tests stop it by PID).
"""
import argparse
import hashlib
import html
import json
import os
import signal
import socketserver
import ssl
import sys
import threading

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>mynacard: authenticated</title>
<style>body {{ font-family: sans-serif; margin: 2em; }} code {{ font-size: 90%; }}</style></head>
<body><h1 id="status">mynacard-authenticated</h1>
<p>Protocol: <span id="tls">{tls}</span></p>
<p>Client certificate SHA-256: <code id="client-sha256">{sha256}</code></p>
<p>Subject: <code id="client-subject">{subject}</code></p>
</body></html>
"""


class Log:
    def __init__(self, path):
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8")

    def write(self, **record):
        with self._lock:
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()


def subject_text(cert_dict):
    parts = []
    for rdn in cert_dict.get("subject", ()):
        for key, value in rdn:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        server = self.server
        raw = self.request
        raw.settimeout(30)
        try:
            # Handshake here, in the connection's own thread: a browser opens spare connections
            # it may never use, and one of them must not block the accept loop.
            conn = server.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            server.log.write(event="handshake_failed", error=str(e))
            return
        try:
            der = conn.getpeercert(binary_form=True)
            if not der:  # cannot happen with CERT_REQUIRED; kept so the page never shows without one
                server.log.write(event="no_client_certificate")
                return
            sha256 = hashlib.sha256(der).hexdigest()
            subject = subject_text(conn.getpeercert() or {})
            tls = conn.version()
            reader = conn.makefile("rb")
            while True:
                line = reader.readline(8192)
                if not line:
                    return
                request_line = line.decode("latin-1").strip()
                headers_done = False
                keep_alive = True
                while not headers_done:
                    header = reader.readline(8192)
                    if not header or header in (b"\r\n", b"\n"):
                        headers_done = True
                    elif header.lower().startswith(b"connection:") and b"close" in header.lower():
                        keep_alive = False
                parts = request_line.split()
                path = parts[1] if len(parts) >= 2 else "?"
                if request_line.endswith("HTTP/1.0"):
                    keep_alive = False
                server.log.write(event="request", path=path, tls=tls, client_sha256=sha256,
                                 client_subject=subject, cipher=conn.cipher()[0])
                if path == "/":
                    body = PAGE.format(tls=html.escape(tls), sha256=sha256,
                                       subject=html.escape(subject)).encode("utf-8")
                    status = "200 OK"
                    ctype = "text/html; charset=utf-8"
                else:
                    body = b"not found\n"
                    status = "404 Not Found"
                    ctype = "text/plain"
                head = (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
                        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n")
                conn.sendall(head.encode("latin-1") + body)
                if not keep_alive:
                    return
        except (ssl.SSLError, OSError) as e:
            server.log.write(event="connection_error", error=str(e))
        finally:
            try:
                conn.close()
            except OSError:
                pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca", required=True)
    ap.add_argument("--tls", choices=["1.2", "1.3", "any"], default="any")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.load_verify_locations(cafile=args.client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    if args.tls == "1.2":
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_2
    elif args.tls == "1.3":
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_3
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2

    server = Server(("127.0.0.1", 0), Handler)
    server.context = context
    server.log = Log(args.log)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    port = server.server_address[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(args.port_file + ".tmp", args.port_file)
    server.log.write(event="listening", port=port, tls=args.tls)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
