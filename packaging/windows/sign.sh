#!/usr/bin/env bash
# sign.sh signs Windows executables in place with Authenticode (osslsigncode), when a certificate
# is supplied, and does nothing otherwise, so `make package` works unsigned by default.
#
# Usage: packaging/windows/sign.sh FILE.exe...
# Environment:
#   SIGN_CERT           certificate chain, PEM or DER (SPC); signing happens only if it and SIGN_KEY are set
#   SIGN_KEY            private key, PEM or DER
#   SIGN_PASS           the key's passphrase, if it has one (passed in a file, not on the command line)
#   SIGN_TIMESTAMP_URL  RFC 3161 time-stamping server, e.g. http://timestamp.digicert.com (optional:
#                       without it the signature stops validating when the certificate expires)
set -euo pipefail

if [ -z "${SIGN_CERT:-}" ] || [ -z "${SIGN_KEY:-}" ]; then
	echo "sign.sh: SIGN_CERT and SIGN_KEY not both set: leaving $* unsigned"
	exit 0
fi
command -v osslsigncode >/dev/null || { echo "sign.sh: osslsigncode not found (apt-get install osslsigncode)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The signature's description and URL are the app's name and website from FyneApp.toml.
meta=$(dirname "$0")/../appmeta.sh
opts=(-certs "$SIGN_CERT" -key "$SIGN_KEY" -h sha256 -n "$("$meta" get Name)" -i "$("$meta" get Website)")
if [ -n "${SIGN_PASS:-}" ]; then
	# -readpass keeps the passphrase out of the process list.
	(umask 077 && printf '%s' "$SIGN_PASS" >"$work/pass")
	opts+=(-readpass "$work/pass")
fi
if [ -n "${SIGN_TIMESTAMP_URL:-}" ]; then
	opts+=(-ts "$SIGN_TIMESTAMP_URL")
fi

for f in "$@"; do
	# osslsigncode writes a new file; replacing the original only on success keeps a half-signed
	# file from ever sitting where the installer build picks it up.
	osslsigncode sign "${opts[@]}" -in "$f" -out "$work/signed.exe" >/dev/null
	mv -f "$work/signed.exe" "$f"
	echo "sign.sh: signed $f"
done
