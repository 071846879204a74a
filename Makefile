# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-stack lint format install clean translations bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	SURVEY_APP_ENV=$${SURVEY_APP_ENV:-development} $(BIN)/survey-app setup
	@echo
	@echo "Demo survey (open wave): $$(SURVEY_APP_ENV=$${SURVEY_APP_ENV:-development} $(BIN)/survey-app demo-link)"
	@echo
	SURVEY_APP_ENV=$${SURVEY_APP_ENV:-development} $(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not stack"

# The deployed stack (deploy/) driven over HTTPS; needs nginx, openssl, Redis and
# SURVEY_APP_TEST_DATABASE_URL on PostgreSQL.
test-stack: $(STAMP)
	$(BIN)/pytest -m stack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Re-extract and compile the English catalogue after changing Danish texts.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o survey_app/translations/messages.pot .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations
	$(BIN)/pybabel compile -d survey_app/translations

# Every benchmark in one run (PostgreSQL on 127.0.0.1; databases survey_allbench and
# survey_bench are dropped and made anew); ends with the "figure:" lines.
BENCH_ANSWERS ?= 1000000
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --answers $(BENCH_ANSWERS) $(BENCH_ARGS)
