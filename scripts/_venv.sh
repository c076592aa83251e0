# Shared by scripts/run and scripts/test: create .venv and install the project into it.
# Re-installs only when pyproject.toml has changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv …"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Sopimus${extras:+ with [$extras]} into .venv …"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
  touch "$stamp"
fi
# WeasyPrint (the reports' PDF) needs Pango and a font from the system: DejaVu Sans.
if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! fc-list 2>/dev/null | grep -q "DejaVu Sans"; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Pango and DejaVu fonts for the PDF reports …"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core >/dev/null
  else
    echo "warning: PDF reports need Pango and the DejaVu fonts:" \
         "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core" >&2
  fi
fi
