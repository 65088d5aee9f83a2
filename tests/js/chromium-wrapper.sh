#!/bin/sh
# chromium-wrapper.sh — the Chromium that Ace's puppeteer launches
# (ace-check.sh points PUPPETEER_EXECUTABLE_PATH here). It runs the real
# browser, ${QUIRE_CHROMIUM_REAL:-/usr/bin/chromium}, with the flags this
# project's test machines need (running as root, no GPU, no network), and
# puppeteer's own arguments after them.
#
# Puppeteer already passes a fresh --user-data-dir=$TMPDIR/puppeteer_dev_chrome_profile-*
# (removed when it closes the browser); one is made here only if the caller
# gave none, so the browser never touches ~/.config/chromium.
real="${QUIRE_CHROMIUM_REAL:-/usr/bin/chromium}"
set -- --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --disable-quic "$@"
case " $* " in
  *" --user-data-dir="*) ;;
  *) set -- "--user-data-dir=$(mktemp -d "${TMPDIR:-/tmp}/quire-chromium-profile.XXXXXX")" "$@" ;;
esac
exec "$real" "$@"
