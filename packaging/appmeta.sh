#!/bin/sh
# appmeta.sh runs packaging/appmeta on the repository's one FyneApp.toml, from any directory:
#   packaging/appmeta.sh get Name | fill /abs/path/template | desktop
# (FILE arguments of fill are read after a cd to the top of the repository: pass absolute paths.)
set -eu
cd "$(dirname "$0")/.."
exec "${GO:-go}" run ./packaging/appmeta -file FyneApp.toml "$@"
