# Two commands do all the set-up on a fresh Debian 12 machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export ECERT_HOME ?= $(CURDIR)/instance

.PHONY: run test setup system-deps lint clean translations catalogues bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

system-deps:
	@bash scripts/system-deps.sh

# axe-core, injected by the browser tests into every page they visit (pinned, from npm).
AXE := .cache/npm/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core@4.10.3

# The message catalogues: `make translations` extracts every message of the code and
# templates and merges it into translations/*/LC_MESSAGES/messages.po (then fill in the
# English); the set-up compiles them (the .mo files are not committed).
PACKAGES := ecert issuer verifier legacy_import accounts portal console
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _n:1,2 --no-location --sort-output \
		--project=ecert -o translations/messages.pot $(PACKAGES)
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

catalogues: $(STAMP)
	$(BIN)/pybabel compile -d translations --statistics

# Migrated database, development PKI, demo certificates and a demo archive roster under $ECERT_HOME.
setup: system-deps $(STAMP) $(AXE) catalogues
	$(BIN)/ecert db upgrade
	$(BIN)/ecert pki init
	$(BIN)/ecert issue examples/decisions.csv --out $(ECERT_HOME)/demo-certificates
	$(BIN)/ecert legacy import-roster examples/roster.csv --source "演示档案名册（大足区档案馆）"

run: setup
	@echo
	@echo "  ecert 正在启动 (starting)：http://127.0.0.1:8000"
	@echo "  演示证书 (signed demo PDFs)：$(ECERT_HOME)/demo-certificates/"
	@echo "  扫码或点击验证 (scan or click to verify)："
	@$(BIN)/ecert list --limit 6 | sed 's/^/    /' 
	@echo "  验签用信任根 (trust root)：$(BIN)/ecert pki export-roots > roots.pem"
	@echo "  演示账号 (demo logins)：我的证书 http://127.0.0.1:8000/my/ · 工作人员控制台 http://127.0.0.1:8000/console/"
	@$(BIN)/ecert users demo | sed 's/^/    /'
	@echo "    新注册的验证码 (one-time codes) 见 $(ECERT_HOME)/outbox/；激活码：$(BIN)/ecert users activation-code <身份证号码>"
	@echo "  纸质证书转换 (paper-certificate conversion)：档案名册 examples/roster.csv 已导入；以名册中的人注册，"
	@echo "    如 陈淑芬 500225196503140026，在 我的证书 → 纸质证书转换申请 登记；审查用 demo.reviewer，审批用 demo.approver"
	@echo
	$(BIN)/ecert run --host 127.0.0.1 --port 8000

# Lint, import order and formatting (ruff), types (mypy), the dependency rule (import-linter).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: setup lint
	$(BIN)/pytest -q


# Not a test: each benchmark measures against a baseline of the same run, interleaved, and
# writes its figures to $(ECERT_HOME)/bench-*.json (README, "Performance"):
# - bench_pdfcheck: a genuine client's PDF-check latency while another attacks (bench.json);
# - bench_issuance: issuing a certificate against pyHanko signing alone;
# - bench_signing: our B-LTA signature against pyHanko's tuned sign-only, and the size breakdown;
# - bench_renewal: a document-timestamp renewal against pyHanko's bare archival timestamp;
# - bench_ratelimit: counting the QR page's limit in Redis against memory:// and limits off;
# - bench_verify: the QR page under gunicorn and wrk against a bare WSGI app of the same body,
#   with a registry of a million certificates on SQLite and on PostgreSQL;
# - bench_upload: the PDF check of an issued file (in full, and by its hash once checked)
#   against pyHanko's bare validation of it;
# - bench_backup: backup and restore against cp -a + sync of the same bytes;
# - bench_startup: `ecert --help` and `ecert verify` as whole processes against bare Python ones;
# - bench_batch: one decisions file issued with 1 and 2 worker processes (the scaling).
BENCHES := pdfcheck issuance signing renewal ratelimit verify upload backup startup batch
bench: setup
	@for name in $(BENCHES); do echo "== scripts/bench_$$name.py"; $(BIN)/python scripts/bench_$$name.py || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache .cache screenshots
