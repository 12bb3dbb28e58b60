#!/usr/bin/env bash
# Firefox ESR (Debian's `firefox-esr`, headless) logs in to the test web server with the virtual
# card's auth key through the module, set up the way a user's machine is:
#   - the module is registered in the profile's NSS database (cert9.db/key4.db/pkcs11.txt) with
#     modutil, as `card-cp setup` or a user following Mozilla's instructions does; or, with
#     VIA=policy, by the enterprise policy SecurityDevices in policies.json, as an administrator
#     does (Firefox ESR reads <install dir>/distribution/policies.json; the test bind-mounts a
#     private copy of that directory inside its own mount namespace, the machine's stays as it is);
#   - the certificate is chosen without a dialog: security.default_personal_cert =
#     "Select Automatically" in the profile's user.js;
#   - the PIN reaches NSS through NSS's password callback, answered by nss_pin_hook.so
#     (LD_PRELOAD) for the auth token only; every other token Firefox asks about is logged
#     and gets no password (the user cancelling).
# Firefox is driven over Marionette (marionette.py; geckodriver is not in Debian 12): load the
# page, read its DOM, take a screenshot, quit.
#
#   Usage: firefox.sh MODULE VCARD PIN_HOOK tls12|tls13-no-pss|tls13-pss [modutil|policy|card-cp]
#   card-cp: registered by `card-cp setup` ($CARD_CP) through profiles.ini; then the page load
#   must ask NSS for the auth PIN and for no other token's password.
#   tls12: the page must show (PASS: the server logged a TLS 1.2 request with the card's
#          certificate, and the DOM shows that certificate's SHA-256).
#   tls13-pss: with the virtual card's `pss` switch the same over TLS 1.3.
#   tls13-no-pss: without it the card has no signature scheme TLS 1.3 allows for a client
#          (RFC 8446 §4.4.3), so no request may carry the card's certificate and Firefox must
#          show its own error page (SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT).
# Exit 77 (ctest: skipped, with the reason printed) when firefox-esr is not installed.
MODULE=$1 VCARD=$2 PIN_HOOK=$3 CASE=$4 VIA=${5:-modutil}
BROWSER=firefox-esr
source "$(dirname "$0")/common.sh"

tls=$TLS expect_page=$EXPECT_PAGE
profile=$WORK/firefox-profile
case $VIA in
  modutil) make_nss_db "$profile" ;;
  policy)
    make_nss_db "$profile" no-module
    # Only the policy can bring the module in: the profile's module list does not name it.
    ! grep -qF "$MODULE" "$profile/pkcs11.txt" || fail "the profile already lists the module"
    firefox_dir=$(dirname "$(readlink -f "$(command -v firefox-esr)")")
    [ -d "$firefox_dir/distribution" ] || fail "no $firefox_dir/distribution to mount over"
    require_private_mounts "$firefox_dir/distribution"
    dist=$WORK/firefox-distribution
    mkdir -p "$dist"
    cp -a "$firefox_dir/distribution/." "$dist/"
    python3 - "$dist/policies.json" "$MODULE" <<'PY'
import json, sys
json.dump({"policies": {"SecurityDevices": {"Add": {"mynacard": sys.argv[2]}}}}, open(sys.argv[1], "w"))
PY
    mount --bind "$dist" "$firefox_dir/distribution"
    ;;
  card-cp)
    # As a user does it: Firefox has run once (its profile and database exist, listed in
    # profiles.ini), then `card-cp setup` registers the module (CARD_CP names the binary).
    [ -x "${CARD_CP:-}" ] || fail "VIA=card-cp needs CARD_CP (the card-cp binary)"
    make_nss_db "$profile" no-module
    mkdir -p "$HOME/.mozilla/firefox"
    printf '[Profile0]\nName=test\nIsRelative=0\nPath=%s\nDefault=1\n\n[General]\nVersion=2\n' \
      "$profile" > "$HOME/.mozilla/firefox/profiles.ini"
    "$CARD_CP" setup --module "$MODULE" || fail "card-cp setup"
    grep -qF "library=$MODULE" "$profile/pkcs11.txt" || fail "card-cp setup did not register the module"
    ;;
  *) fail "unknown way to register the module: $VIA" ;;
esac
cat > "$profile/user.js" <<'JS'
// The certificate is chosen without a dialog (Firefox: Settings > Certificates > "Select one
// automatically").
user_pref("security.default_personal_cert", "Select Automatically");
// Marionette on a free port; Firefox writes it to MarionetteActivePort in the profile.
user_pref("marionette.port", 0);
// No first-run pages, no background requests (the test's network namespace has loopback only).
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("browser.safebrowsing.update.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("security.OCSP.enabled", 0);
JS

step "set up"; start_server "$tls"

export MYNACARD_TEST_NSS_PIN=$AUTH_PIN
export MYNACARD_TEST_NSS_PIN_TOKEN=$AUTH_LABEL
export MYNACARD_TEST_NSS_PIN_LOG=$WORK/pin.log
shot=$ARTIFACTS/firefox-$CASE$([ "$VIA" = modutil ] || echo "-$VIA").png
rm -f "$shot" "$profile/MarionetteActivePort"

step "firefox-esr --headless --marionette: $SERVER_URL (TLS $tls)"
start_group env LD_PRELOAD="$PIN_HOOK" \
  firefox-esr --headless --marionette --no-remote --profile "$profile" about:blank \
  >"$WORK/firefox.log" 2>&1
firefox_pid=$STARTED_PGID
mrc=0
timeout 150 python3 "$(dirname "$0")/marionette.py" --port-file "$profile/MarionetteActivePort" \
  --url "$SERVER_URL" --screenshot "$shot" --result "$WORK/result.json" || mrc=$?
rc=0
wait_group_leader "$firefox_pid" 30 || rc=$?
stop_group "$firefox_pid"

step "done"; echo "--- PIN callback log"; cat "$WORK/pin.log" 2>/dev/null || echo "(none)"
show_server_log
[ "$mrc" = 0 ] || { tail -40 "$WORK/firefox.log" >&2; fail "Marionette session failed ($mrc)"; }
[ "$rc" = 0 ] || echo "note: firefox-esr exit status $rc after Marionette:Quit"
echo "--- page"; cat "$WORK/result.json"; echo
[ -s "$shot" ] && echo "screenshot: $shot"

field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$WORK/result.json" "$1"; }
if [ "$expect_page" = 1 ]; then
  check_card_requests "$tls"
  [ -z "$(field navigate_error)" ] || fail "navigation failed: $(field navigate_error)"
  [ "$(field status)" = mynacard-authenticated ] || fail "the DOM does not show the authenticated page"
  [ "$(field client_sha256)" = "$AUTH_CERT_SHA256" ] ||
    fail "the page names certificate $(field client_sha256), not the card's $AUTH_CERT_SHA256"
  check_one_auth_pin_ask
  if [ "$VIA" = card-cp ]; then
    # card-cp setup's registration (issue 11 §2): the page load asks for the auth PIN and for
    # nothing else, in particular not for the signing password.
    if grep '^ask token=' "$WORK/pin.log" | grep -qv "^ask token=$AUTH_LABEL "; then
      fail "Firefox asked for another token's password: $(grep '^ask token=' "$WORK/pin.log" | grep -v "^ask token=$AUTH_LABEL " | head -1)"
    fi
    echo "firefox via card-cp setup: only the auth PIN was asked for"
  fi
  [ -s "$shot" ] || fail "no screenshot"
  echo "firefox $CASE: page shown to the card's certificate over TLSv$tls"
else
  check_no_card_request
  [ "$(field status)" != mynacard-authenticated ] || fail "the page showed without client authentication"
  [ -n "$(field navigate_error)" ] || fail "Firefox reported no error page"
  # NSS finds no TLS 1.3 signature scheme for the card's key, so Firefox answers the server's
  # CertificateRequest with no certificate, and the server (certificate required) ends the
  # handshake with the certificate_required alert (RFC 8446 §4.4.2.4), which Firefox shows.
  code=$(field error_code)
  [ "$code" = SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT ] ||
    fail "Firefox's error page shows '$code', expected SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT"
  echo "firefox $CASE without PSS: Firefox's own error $code"
fi
echo "firefox: all checks passed"
