# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup migrate demo schema messages lint format clean

# The local commands run with DEBUG on (a development secret key, GraphiQL) unless told otherwise.
run demo migrate schema messages: export DEBUG ?= 1

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_load

## Start the server on http://127.0.0.1:8000 with demo content, and the background worker beside it.
run: demo
	$(BIN)/python manage.py serve

## Run the whole test suite.
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Export the GraphQL schema to schema.graphql.
schema: setup
	$(BIN)/python manage.py graphql_schema

## Gather the translatable phrases into each app's French catalogue, then compile them (GNU gettext).
messages: setup
	for app in notifications records; do \
		(cd backend/$$app && ../../$(BIN)/django-admin makemessages -l fr --settings=backend.settings --pythonpath=../.. \
		&& ../../$(BIN)/django-admin compilemessages --settings=backend.settings --pythonpath=../..) || exit 1; \
	done

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/*.sqlite3*
