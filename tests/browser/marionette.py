#!/usr/bin/env python3
"""Drives a Firefox started with --marionette (test equipment; geckodriver is not in Debian 12).

Marionette's wire protocol (remote/marionette in Firefox): each message is "<length>:<JSON>";
the server first sends {"applicationType": "gecko", "marionetteProtocol": 3}; a command is
[0, id, "Name", params] and its reply [1, id, error, result].

  marionette.py --port-file PROFILE/MarionetteActivePort --url URL --screenshot PNG --result JSON

Loads URL, then writes to --result a JSON object:
  {"navigate_error": null, or Marionette's message when the load ended on an error page,
   "url": the document's URL, "status": text of #status, "client_sha256": text of
   #client-sha256, "tls": text of #tls, "error_code": on Firefox's error page
   (about:neterror) the NSS/NSPR error name it shows, e.g. SSL_ERROR_..., else null}
and a screenshot of the viewport to --screenshot. Ends by asking Firefox to quit.
Exit status 0 when all of that could be done (what the page shows is the caller's to judge).
"""
import argparse
import base64
import json
import os
import socket
import sys
import time


class Marionette:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""
        self.next_id = 1
        hello = self._read()
        if hello.get("marionetteProtocol") != 3:
            raise RuntimeError(f"unexpected Marionette greeting: {hello}")

    def _read(self):
        while b":" not in self.buf:
            self._fill()
        length, rest = self.buf.split(b":", 1)
        length = int(length)
        while len(rest) < length:
            self.buf = rest
            self._fill()
            rest = self.buf
        self.buf = rest[length:]
        return json.loads(rest[:length])

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("Marionette connection closed")
        self.buf += chunk

    def call(self, name, params=None):
        msg_id = self.next_id
        self.next_id += 1
        data = json.dumps([0, msg_id, name, params or {}]).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data)
        while True:
            reply = self._read()
            if isinstance(reply, list) and len(reply) == 4 and reply[0] == 1 and reply[1] == msg_id:
                return reply[2], reply[3]


def wait_port(path, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"Firefox did not write {path} within {timeout} s")


SCRIPT = """
const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
// Firefox's error pages (about:neterror) carry the NSS/PR error name, e.g. SSL_ERROR_...
let code = null;
try {
  if (typeof document.getNetErrorInfo === 'function') code = document.getNetErrorInfo().errorCodeString || null;
} catch (e) { code = 'getNetErrorInfo: ' + e; }
return {url: document.documentURI, status: text('status'), client_sha256: text('client-sha256'),
        tls: text('tls'), error_code: code, body: document.body ? document.body.innerText : null};
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--result", required=True)
    ap.add_argument("--timeout", type=float, default=90)
    args = ap.parse_args()

    m = Marionette(wait_port(args.port_file, args.timeout))
    err, _ = m.call("WebDriver:NewSession", {"capabilities": {"alwaysMatch": {
        "acceptInsecureCerts": False, "pageLoadStrategy": "normal"}}})
    if err:
        raise RuntimeError(f"NewSession: {err}")
    err, _ = m.call("WebDriver:SetWindowRect", {"width": 1024, "height": 640})
    if err:
        print(f"marionette.py: SetWindowRect: {err}", file=sys.stderr)  # the screenshot's size only
    result = {"navigate_error": None}
    err, _ = m.call("WebDriver:Navigate", {"url": args.url})
    if err:
        # An error page (about:neterror / about:certerror) is reported as an error whose
        # message carries the error page's URL, and with it Firefox's error code.
        result["navigate_error"] = err.get("message") if isinstance(err, dict) else str(err)
    err, value = m.call("WebDriver:ExecuteScript", {"script": SCRIPT, "args": []})
    if err:
        raise RuntimeError(f"ExecuteScript: {err}")
    result.update(value.get("value", value) if isinstance(value, dict) else {})
    err, shot = m.call("WebDriver:TakeScreenshot", {"full": False, "hash": False})
    if err:
        raise RuntimeError(f"TakeScreenshot: {err}")
    png = base64.b64decode(shot["value"] if isinstance(shot, dict) else shot)
    os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
    with open(args.screenshot, "wb") as f:
        f.write(png)
    with open(args.result, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    # Quit inside the session (Marionette:Quit is refused without one); Firefox answers, then
    # closes the connection and exits.
    try:
        err, _ = m.call("Marionette:Quit", {"flags": ["eForceQuit"]})
        if err:
            print(f"marionette.py: Marionette:Quit: {err}", file=sys.stderr)
    except (RuntimeError, OSError):
        pass  # the connection closed while Firefox quits
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # the test prints this and fails
        print(f"marionette.py: {e}", file=sys.stderr)
        sys.exit(1)
