# Commonplace: `make run` to start it, `make test` to check it. Both set up first.
.PHONY: setup run test lint unit e2e bench demo clean

VENV := .venv/bin

setup:
	@bash scripts/bootstrap.sh

run: setup
	@bash scripts/run.sh

test: setup
	@bash scripts/test.sh

lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/lint-imports --no-cache
	$(VENV)/mypy .

bench: setup
	$(VENV)/python bench/tone_eval.py
	$(VENV)/python bench/harvest_bench.py
	$(VENV)/python bench/search_bench.py
	$(VENV)/python bench/pages_bench.py
	$(VENV)/python bench/load_bench.py --seed-size 100k

demo: setup
	$(VENV)/commonplace migrate --noinput
	$(VENV)/commonplace demo --reset
	$(VENV)/commonplace demo_chats
	$(VENV)/commonplace insights fill --since "$$(date -u -d '56 days ago' +%F)"

clean:
	rm -rf .venv var .mypy_cache .ruff_cache .pytest_cache
