# The README's two commands: `make run` and `make test`. Both create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean translations translations-extract translations-update

# The pages' and the feedback's words in each language (docs/translating.md): translators edit
# grader/translations/<locale>/LC_MESSAGES/messages.po; make compiles each into its .mo.
CATALOGUES := $(wildcard grader/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(COMPILED)

# After marking new words: collect them into messages.pot, then add them to each catalogue.
translations-extract: $(STAMP)
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -k _l \
		-k N_ --project=grader -o grader/translations/messages.pot grader

translations-update: translations-extract
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i grader/translations/messages.pot \
		-d grader/translations

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "Installing the Python packages into $(VENV): the first time takes about 6 minutes"
	@echo "(torch alone is a download of about 800 MB); pip shows its progress below."
	@echo "Later runs skip this step until requirements*.txt change."
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP) translations
	$(BIN)/python -m grader db upgrade
	-$(BIN)/python -m grader exercises import exercises/
	$(BIN)/python -m grader serve --host 127.0.0.1 --port 5000

test: $(STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/engine_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache $(COMPILED)
