#!/usr/bin/env bash
# `make deploy STAGE=dev|prod`: builds every function for arm64 through SAM's rust-cargolambda
# build method and deploys infra/template.yaml with that stage's samconfig.toml settings.
# See docs/deploy.md for the first deploy (region opt-in, parameters, alarm email).
set -euo pipefail
cd "$(dirname "$0")/.."
stage=${1:-dev}
case "$stage" in
  dev|prod) ;;
  *) echo "deploy: STAGE must be dev or prod, not '$stage'" >&2; exit 2 ;;
esac
scripts/setup-deploy.sh
export PATH="$PWD/.venv-deploy/bin:$PATH"
# No usage reports from the SAM CLI: builds also run offline (CI, this project's machines).
export SAM_CLI_TELEMETRY=0
if ! sam --version >/dev/null 2>&1; then
  echo "deploy: the SAM CLI is not usable from .venv-deploy" >&2
  exit 1
fi
sam validate --lint --config-env "$stage"
sam build --config-env "$stage"
# Every function of the template must come out as an arm64 `bootstrap`; print each one's size and
# the size of the zip `sam deploy` uploads (DEFLATE, as SAM packs it). python3 is .venv-deploy's
# (PATH above), so SAM's own YAML loader reads the template's short tags.
python3 - <<'PY'
import io, os, struct, sys, zipfile
from samcli.yamlhelper import yaml_parse

with open("infra/template.yaml") as f:
    template = yaml_parse(f.read())
functions = sorted(name for name, resource in template["Resources"].items()
                   if resource.get("Type") == "AWS::Serverless::Function")
if not functions:
    sys.exit("deploy: the template has no function")
wrong = []
for name in functions:
    path = os.path.join(".aws-sam/build", name, "bootstrap")
    if not os.path.isfile(path):
        print(f"deploy: {name:<22} NO bootstrap at {path}")
        wrong.append(path)
        continue
    with open(path, "rb") as f:
        header = f.read(20)
    machine = struct.unpack_from("<H", header, 18)[0] if header[:4] == b"\x7fELF" else None
    packed = io.BytesIO()
    folder = os.path.dirname(path)
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        for entry in sorted(os.listdir(folder)):
            z.write(os.path.join(folder, entry), entry)
    print(f"deploy: {name:<22} bootstrap {os.path.getsize(path):>9} bytes, "
          f"zip {len(packed.getvalue()):>9} bytes, {'arm64' if machine == 183 else 'NOT arm64'}")
    if machine != 183:
        wrong.append(path)
if wrong:
    sys.exit(f"deploy: missing, or not arm64 ELF executables: {wrong}")
print(f"deploy: {len(functions)} functions built for arm64")
PY
if [ "${DEPLOY_BUILD_ONLY:-}" = "1" ]; then
  echo "deploy: DEPLOY_BUILD_ONLY=1, stopping after the build" >&2
  exit 0
fi
sam deploy --config-env "$stage"
