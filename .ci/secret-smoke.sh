#!/usr/bin/env bash
# secret-smoke.sh checks the built calsync against a real Secret Service (run it inside
# .ci/with-keyring.sh): `secret set graph|onecloud` from stdin, then `secret status`; neither
# value may appear in any output or in any file under the configuration directory.
set -euo pipefail

bin=${1:-bin/calsync}
scratch=$(mktemp -d /tmp/calsync-smoke.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export CALSYNC_CONFIG="$scratch/cfg/config.json"
graph_value="smoke-graph-$RANDOM-$RANDOM~Value"
onecloud_value="smoke-onecloud-$RANDOM-$RANDOM"

{
	printf '%s\n' "$graph_value" | "$bin" secret set graph
	printf '%s\n' "$onecloud_value" | "$bin" secret set onecloud
	"$bin" secret status
} >"$scratch/out" 2>&1 || { cat "$scratch/out"; echo "secret-smoke: calsync failed" >&2; exit 1; }

cat "$scratch/out"
grep -Eq '^graph +set +stored in the keychain' "$scratch/out" || { echo "secret-smoke: graph not reported as set in the keychain" >&2; exit 1; }
grep -Eq '^onecloud +set +stored in the keychain' "$scratch/out" || { echo "secret-smoke: onecloud not reported as set in the keychain" >&2; exit 1; }
for v in "$graph_value" "$onecloud_value"; do
	if grep -rqF -- "$v" "$scratch"; then
		echo "secret-smoke: a secret value leaked into output or a file" >&2
		exit 1
	fi
done
echo "secret-smoke: ok (stored in the real Secret Service, no value in any output or file)"
