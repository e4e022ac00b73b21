#!/usr/bin/env bash
# Checks of pbrules installed from its wheel (not editable), run by .ci/run from a temporary
# directory whose venv is first on PATH: usage: installed-wheel.sh CHECKOUT WORKDIR.
set -euo pipefail
CHECKOUT="$1"
WORK="$2"
cd "$WORK"
export PBRULES_LOAD_PLUGINS=""   # no plugin until the example plugin is installed below
step() { echo "-- $*"; }

step "pbrules is imported from the installed wheel, not the checkout"
python - "$CHECKOUT" <<'PY'
import sys
from pathlib import Path

import pbrules
from pbrules.builtin.packs import RULES_DIR

where = Path(pbrules.__file__).resolve()
assert Path(sys.argv[1]).resolve() not in where.parents, where
assert "site-packages" in where.parts, where
assert RULES_DIR.name == "_bundled_rules" and "site-packages" in RULES_DIR.parts, RULES_DIR
PY

step "load_pack('baseline') from the bundled packs"
python - <<'PY'
import pbrules

pack = pbrules.load_pack("baseline")
assert pack.model.pack == "baseline" and len(pack.model.criteria) > 30, pack.model.pack
print(f"baseline {pack.model.version}: {len(pack.model.criteria)} criteria")
PY

step "README quick start (the pbrules steps, as written) in $WORK/quickstart"
mkdir -p quickstart/examples
cp -r "$CHECKOUT/examples/district" quickstart/examples/
cp -r "$CHECKOUT/rules" quickstart/rules
python - "$CHECKOUT/README.md" > quickstart/steps.sh <<'PY'
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
block = re.search(r"## Quick start.*?```bash\n(.*?)\n```", text, re.S)
assert block, "README has no quick start command"
steps = [s.strip() for s in block.group(1).split("&&")]
print(" && ".join(s for s in steps if s.startswith("pbrules ")))
PY
(cd quickstart && bash steps.sh > table.txt)
grep -q "rapid progress" quickstart/table.txt
grep -q "<svg" quickstart/review-2026Q3.html

step "pbrules evaluate --rules baseline (a registered pack id)"
pbrules evaluate quickstart/examples/district/2026Q3.jsonl --rules baseline --format json \
  --output baseline-result.json || [ $? -eq 1 ]
python -c "import json; d = json.load(open('baseline-result.json')); assert d['pack']['id'] == 'baseline'"

step "a pack repository that extends: [baseline], through the real pre-commit hooks"
mkdir packrepo
(
  cd packrepo
  git init -q
  git config user.email ci@example.invalid
  git config user.name ci
  cat > township.yaml <<'YAML'
pack: township
version: "1"
extends: [baseline]
criteria:
  - id: TW1
    title: At least one full member
    area: standardization
    check: condition
    params: {fact: members.full_count, op: ">=", value: 1}
    points: 1
YAML
  cat > township.test.yaml <<'YAML'
pack: township.yaml
cases:
  - name: a branch with a full member
    snapshot:
      period: 2026Q3
      organization: {id: B1, name: A Branch, kind: branch}
      members: [{id: M1, status: full}]
    expect:
      TW1: pass
YAML
  # A broken pack beside them: the validate hook must name it, and it alone.
  printf 'pack: broken\nversion: "1"\nextends: [baseline]\ncriteria: [{id: X, points: yes}]\n' \
    > broken.yaml
  git add township.yaml township.test.yaml broken.yaml
  export PRE_COMMIT_HOME="$WORK/pre-commit-home"
  # Both hooks of .pre-commit-hooks.yaml, from the checkout, in one hook environment.
  if pre-commit try-repo "$CHECKOUT" --all-files > hooks.txt 2>&1; then
    cat hooks.txt
    echo "pbrules-validate passed a broken pack" >&2
    exit 1
  fi
  cat hooks.txt
  grep -Eq '^pbrules validate \(criteria packs\)\.+Failed' hooks.txt
  grep -Eq '^pbrules test \(rule-pack tests\)\.+Passed' hooks.txt
  grep -q '^broken.yaml:' hooks.txt
  if grep -q '^township' hooks.txt; then
    echo "pbrules-validate reported a problem in the good pack" >&2
    exit 1
  fi
)

step "the example plugin, installed from plugins/pbrules-example"
python -m pip install --quiet "$CHECKOUT/plugins/pbrules-example"
unset PBRULES_LOAD_PLUGINS
pbrules plugins | python -c "
import json, sys
data = json.load(sys.stdin)
example = next(p for p in data['plugins'] if p['name'] == 'example')
assert example['origin'] == 'entrypoint' and example['checkers'] == ['volunteer.hours'], example
"
python - <<'PY'
import pbrules

pack = pbrules.load_pack("volunteer")
engine = pbrules.Engine(pack)
snap = {
    "period": "2026Q3",
    "organization": {"id": "B01", "name": "First Branch", "kind": "branch"},
    "members": [{"id": "M1", "status": "full"}],
    "extensions": {"volunteer": {"entries": [
        {"member_id": "M1", "served_on": "2026-08-01", "hours": 4}]}},
}
out = engine.evaluate(snap).result
assert [c.status.value for c in out.criteria if c.id == "VOL1"] == ["pass"], out.criteria
print("volunteer pack evaluated through the installed plugin")
PY
echo "installed wheel: all checks passed"
