#!/usr/bin/env bash
# Chromium (Debian's `chromium`, headless) logs in to the test web server with the virtual
# card's auth key through the module, set up the way a user's machine is:
#   - the module is registered in the NSS database of Chromium's user, ~/.pki/nssdb (HOME is a
#     temporary directory), with modutil;
#   - the certificate is chosen without a dialog by the managed policy AutoSelectCertificateForUrls
#     (a file under /etc/chromium/policies/managed, written only inside this test's private
#     mount namespace; the host's /etc is never touched);
#   - the PIN reaches NSS through NSS's password callback, answered by nss_pin_hook.so
#     (LD_PRELOAD) for the auth token only.
#
#   Usage: chromium.sh MODULE VCARD PIN_HOOK tls12|tls13-no-pss|tls13-pss
#   tls12: the page must show (PASS: the server logged a TLS 1.2 request with the card's
#          certificate, and the DOM shows that certificate's SHA-256).
#   tls13-pss: with the virtual card's `pss` switch the same over TLS 1.3.
#   tls13-no-pss: without it the card has no signature scheme TLS 1.3 allows for a client
#          (RFC 8446 §4.4.3: RSA-PSS only), and Chromium must report its own error
#          ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS.
# Exit 77 (ctest: skipped, with the reason printed) when chromium is not installed.
MODULE=$1 VCARD=$2 PIN_HOOK=$3 CASE=$4
BROWSER=chromium
source "$(dirname "$0")/common.sh"

tls=$TLS expect_page=$EXPECT_PAGE

# --- the user's NSS database -------------------------------------------------------------------
make_nss_db "$HOME/.pki/nssdb"

start_server "$tls"

# --- the policy, inside this test's mount namespace only ---------------------------------------
require_private_mounts /etc/chromium
etc=$WORK/etc-chromium
mkdir -p "$etc/policies/managed"
if [ -d /etc/chromium ]; then cp -a /etc/chromium/. "$etc/"; fi
# Debian's chromium reads /etc/chromium/policies/managed/*.json. The pattern is this server's
# origin; an empty filter takes the one certificate that matches the server's CA list.
python3 - "$etc/policies/managed/mynacard-test.json" "https://127.0.0.1:$SERVER_PORT" <<'PY'
import json, sys
path, origin = sys.argv[1:3]
rule = json.dumps({"pattern": origin, "filter": {}})
json.dump({"AutoSelectCertificateForUrls": [rule]}, open(path, "w"))
PY
mount --bind "$etc" /etc/chromium

# --- the browser -------------------------------------------------------------------------------
export MYNACARD_TEST_NSS_PIN=$AUTH_PIN
export MYNACARD_TEST_NSS_PIN_TOKEN=$AUTH_LABEL
export MYNACARD_TEST_NSS_PIN_LOG=$WORK/pin.log
shot=$ARTIFACTS/chromium-$CASE.png
rm -f "$shot"
# --no-sandbox: the test runs as root (pcsc-env.sh needs root for its namespaces), and Chromium
# refuses to start as root with its sandbox (the setuid/user-namespace sandbox cannot drop
# root's privileges). No site but the local test server is loaded.
# --disable-dev-shm-usage: a container's /dev/shm is often too small for Chromium.
step "chromium --headless: $SERVER_URL (TLS $tls)"
start_group env LD_PRELOAD="$PIN_HOOK" chromium --headless --no-sandbox --disable-gpu \
  --disable-dev-shm-usage --no-first-run --no-default-browser-check --disable-extensions \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$WORK/chromium-profile" --window-size=1024,640 \
  --screenshot="$shot" --dump-dom "$SERVER_URL" >"$WORK/dom.html" 2>"$WORK/chromium.log"
chromium_pid=$STARTED_PGID
rc=0
wait_group_leader "$chromium_pid" 120 || rc=$?
stop_group "$chromium_pid"  # helpers that outlive the browser process
[ "$rc" != 124 ] || { tail -30 "$WORK/chromium.log" >&2; fail "chromium did not finish in 120 s"; }
[ "$rc" = 0 ] || { tail -30 "$WORK/chromium.log" >&2; fail "chromium exited with $rc"; }

step "done"; echo "--- PIN callback log"; cat "$WORK/pin.log" 2>/dev/null || echo "(none)"
show_server_log
[ -s "$shot" ] && echo "screenshot: $shot"

if [ "$expect_page" = 1 ]; then
  check_card_requests "$tls"
  grep -q '<h1 id="status">mynacard-authenticated</h1>' "$WORK/dom.html" ||
    { head -c 3000 "$WORK/dom.html" >&2; grep -E 'ERR_|net_error' "$WORK/chromium.log" >&2
      fail "the DOM does not show the authenticated page"; }
  grep -q "<code id=\"client-sha256\">$AUTH_CERT_SHA256</code>" "$WORK/dom.html" ||
    fail "the page does not name the card's certificate ($AUTH_CERT_SHA256)"
  check_one_auth_pin_ask
  [ -s "$shot" ] || fail "no screenshot"
  echo "chromium $CASE: page shown to the card's certificate over TLSv$tls"
else
  check_no_card_request
  # Headless Chromium reports a failed page load on stderr with the net error's name (its
  # headless command handler: "Page load failed: net::ERR_..."), and prints no DOM.
  grep -F 'Page load failed: net::ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS' "$WORK/chromium.log" ||
    { grep -E 'ERR_|net_error' "$WORK/chromium.log" >&2; fail "Chromium did not report ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS"; }
  ! grep -q 'mynacard-authenticated' "$WORK/dom.html" || fail "the page showed without client authentication"
  echo "chromium $CASE without PSS: Chromium's own error ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS"
fi
echo "chromium: all checks passed"
