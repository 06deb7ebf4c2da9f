#!/bin/sh
# Set up everything the generator needs on a Debian/Ubuntu machine:
# TeX Live from Debian's packages when pdflatex (or a needed package) is missing,
# Chromium and npm for the HTML export's accessibility tests, axe-core from npm,
# then a virtual environment in .venv with the project and its test tools.
set -eu
cd "$(dirname "$0")/.."

# pdfLaTeX with TikZ and Latin Modern for every document; LuaHBTeX (texlive-luatex)
# and fonts for names in other scripts: Noto (Latin, Greek, Cyrillic, Hebrew,
# Armenian, Georgian, Ethiopic, Devanagari, Bengali, Tamil, Thai), Amiri (Arabic,
# Persian, Urdu), WenQuanYi Zen Hei (Chinese, Japanese, Korean), DejaVu and
# Symbola (symbols, emoji), found through fontconfig; poppler-utils for the
# tests that read PDFs back.
TEX_PACKAGES="texlive-latex-base texlive-latex-recommended texlive-pictures texlive-fonts-recommended lmodern texlive-luatex fontconfig fonts-noto-core fonts-hosny-amiri fonts-wqy-zenhei fonts-dejavu-core fonts-symbola latexmk poppler-utils"
PY=${PYTHON:-python3}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=""
command -v pdflatex >/dev/null 2>&1 || missing="yes"
command -v pdftoppm >/dev/null 2>&1 || missing="yes"
command -v lualatex >/dev/null 2>&1 || missing="yes"
kpsewhich tikz.sty >/dev/null 2>&1 || missing="yes"
kpsewhich lmodern.sty >/dev/null 2>&1 || missing="yes"
command -v luahbtex >/dev/null 2>&1 || missing="yes"
for font in "Amiri" "DejaVu Sans" "DejaVu Serif" "Noto Serif" "Noto Serif Devanagari" "WenQuanYi Zen Hei" "Symbola"; do
    fc-list : family 2>/dev/null | grep -q "$font" || missing="yes"
done
if ! "$PY" -c "import venv, ensurepip" >/dev/null 2>&1; then
    missing="yes"
    TEX_PACKAGES="$TEX_PACKAGES python3-venv"
fi
# Chromium (Debian's own) and npm, for the accessibility tests of the HTML
# export: axe-core from the npm registry runs in Chromium, driven by the Python
# package playwright (the test extra), which never downloads a browser of its own.
command -v chromium >/dev/null 2>&1 || { missing="yes"; TEX_PACKAGES="$TEX_PACKAGES chromium"; }
command -v npm >/dev/null 2>&1 || { missing="yes"; TEX_PACKAGES="$TEX_PACKAGES npm"; }
if [ -n "$missing" ]; then
    echo "setup: installing $TEX_PACKAGES"
    # another apt may hold the lock for a while (an unattended upgrade): wait for it
    as_root apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $TEX_PACKAGES >/dev/null
fi

# axe-core at the version tests/axe/package-lock.json pins, into tests/axe/node_modules (git-ignored)
if [ ! -f tests/axe/node_modules/axe-core/axe.min.js ] || [ tests/axe/package-lock.json -nt tests/axe/node_modules/.package-lock.json ]; then
    npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/python -m pip install -q -e '.[test]'
echo "setup: ready ($(.venv/bin/python --version), $(pdflatex --version | head -n 1))"
