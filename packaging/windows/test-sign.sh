#!/usr/bin/env bash
# test-sign.sh checks the signing path end to end without a real certificate (for CI): it makes a
# throwaway self-signed code-signing certificate with openssl, signs a copy of the given installer
# with sign.sh and verifies the signature with `osslsigncode verify` against that certificate.
# The input file is left as it was.
#
# Usage: packaging/windows/test-sign.sh bin/calsync-setup-<version>.exe
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
in=${1:?usage: test-sign.sh INSTALLER.exe}
[ -f "$in" ] || { echo "test-sign.sh: $in: no such file" >&2; exit 1; }
for tool in openssl osslsigncode; do
	command -v "$tool" >/dev/null || { echo "test-sign.sh: $tool not found" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=calsync test signing (throwaway)" \
	-addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

cp "$in" "$work/signed.exe"
SIGN_CERT="$work/cert.pem" SIGN_KEY="$work/key.pem" SIGN_PASS='' SIGN_TIMESTAMP_URL='' \
	"$here/sign.sh" "$work/signed.exe"

if ! osslsigncode verify -CAfile "$work/cert.pem" -in "$work/signed.exe" >"$work/verify.log" 2>&1; then
	cat "$work/verify.log" >&2
	echo "test-sign.sh: signature of the signed copy of $in does not verify" >&2
	exit 1
fi
grep -E '^(Signer|Subject|Signature verification)' "$work/verify.log" | head -n 5 || true
echo "test-sign.sh: signed copy of $in verifies ($(stat -c %s "$work/signed.exe") bytes)"
