#!/usr/bin/env bash
# The Swagger UI files the docs page (GET /api/v1/docs) embeds, vendored in
# functions/health/assets/swagger-ui/ so the build needs nothing but cargo.
#   scripts/vendor-swagger-ui.sh           fetch swagger-ui-dist@$(cat VERSION) with npm and check
#                                          that the registry's files, SHA256SUMS and the committed
#                                          copies agree
#   scripts/vendor-swagger-ui.sh --update  after changing VERSION: copy the files in and rewrite
#                                          SHA256SUMS (then review the diff and rerun the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=functions/health/assets/swagger-ui
version=$(cat "$dir/VERSION")
files=(swagger-ui-bundle.js swagger-ui.css swagger-ui-bundle.js.LICENSE.txt LICENSE NOTICE)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm checks the tarball against the registry's integrity hash.
(cd "$work" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
fetched="$work/package"
[ "$(node -p "require('$fetched/package.json').version")" = "$version" ] \
  || { echo "vendor-swagger-ui: npm gave another version than $version" >&2; exit 1; }

if [ "${1:-}" = "--update" ]; then
  for f in "${files[@]}"; do cp "$fetched/$f" "$dir/$f"; done
  (cd "$dir" && sha256sum "${files[@]}" > SHA256SUMS)
  echo "vendor-swagger-ui: $dir now holds swagger-ui-dist $version"
  exit 0
fi

(cd "$fetched" && sha256sum --quiet -c "$OLDPWD/$dir/SHA256SUMS") \
  || { echo "vendor-swagger-ui: the registry's files differ from SHA256SUMS" >&2; exit 1; }
(cd "$dir" && sha256sum --quiet -c SHA256SUMS) \
  || { echo "vendor-swagger-ui: the committed files differ from SHA256SUMS" >&2; exit 1; }
echo "vendor-swagger-ui: $dir matches swagger-ui-dist $version from the registry"
