#!/bin/sh
# Set up everything the generator needs on a Debian/Ubuntu machine:
# TeX Live from Debian's packages when pdflatex (or a needed package) is missing,
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
if [ -n "$missing" ]; then
    echo "setup: installing $TEX_PACKAGES"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends $TEX_PACKAGES >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup: ready ($(.venv/bin/python --version), $(pdflatex --version | head -n 1))"
