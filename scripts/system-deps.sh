#!/usr/bin/env bash
# Install the Debian packages ecert needs, only those missing. Idempotent; needs root (or sudo).
set -euo pipefail
packages=(
  fonts-noto-cjk   # Noto Serif CJK SC: the certificate's main face
  fonts-hanazono   # HanaMinA/B: rare characters (CJK Ext-A, Ext-B and beyond)
  poppler-utils    # pdftotext, pdffonts, pdftoppm: the tests read what a person would see
  qpdf             # qpdf --check on every signed PDF
  softhsm2 opensc  # PKCS#11 signing, tested against SoftHSM2
  libzbar0         # pyzbar QR decoding in the tests
  postgresql-15    # a throwaway cluster for the PostgreSQL test run
  redis-server     # shared rate-limit storage, started by the tests that run several workers
  tesseract-ocr tesseract-ocr-chi-sim  # OCR hints on paper-certificate evidence (a hint, never a verdict)
  chromium         # headless, driven by Playwright: the public pages as a 360 px phone shows them
  wrk              # make bench: HTTP load on the QR page (scripts/bench_verify.py)
)
# axe-core (accessibility checks in the browser tests) comes from npm; any Node.js with npm will do.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
