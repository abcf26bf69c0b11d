# Bistro — every target CI runs is here; `make help` lists them.
GO        ?= go
FUZZTIME  ?= 15s
# Go minimises every new input for up to 60s by default, and counts no runs
# meanwhile; a short budget keeps a short fuzz run fuzzing.
FUZZMIN   ?= 5s
BENCHTIME ?= 1s
PKGS      := ./...

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: build
build: ## build ./bistro
	$(GO) build -o bistro ./cmd/bistro

.PHONY: serve
serve: ## start the server (data in ./bistro-data, http://127.0.0.1:8080)
	$(GO) run ./cmd/bistro serve

.PHONY: run
run: ## run an example flow in-process, without a server
	$(GO) run ./cmd/bistro run examples/lead-cleanup.yaml --input '{"email":" Ann@Example.COM ","name":" Ann Lee "}'

.PHONY: test
test: check unit fuzz-short web-test ## everything: checks, all tests with the race detector, short fuzzing, web tests

.PHONY: check
check: ## formatting, vet, go.mod tidiness
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) mod tidy -diff

.PHONY: unit
unit: ## Go tests with the race detector (includes generated-docs and golden checks)
	$(GO) test -race -count=1 $(PKGS)

.PHONY: fuzz-short
fuzz-short: ## run every fuzz target for FUZZTIME
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMIN) ./internal/flow
	$(GO) test -run='^$$' -fuzz='^FuzzCompileEval$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMIN) ./internal/expr

.PHONY: update
update: ## regenerate golden files and generated docs
	$(GO) test ./... -run 'Golden|Docs|Schema|UpToDate|InvalidFlows' -update

.PHONY: bench
bench: ## benchmarks; figures go to docs/benchmarks.md
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./internal/expr ./internal/httpstep ./internal/policy
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=3x ./internal/engine
	$(GO) test -run='^$$' -bench=CSVToPostgres -benchtime=1x ./internal/connectors
	$(GO) test -run='^$$' -bench=BenchmarkEventTrigger -benchtime=5000x ./internal/runner
	./scripts/bench-million.sh

# The web app (web/) is built into internal/webui/dist, which is committed so
# that the binary builds with Go alone; CI rebuilds it and fails when stale.
web/node_modules: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

.PHONY: web
web: web/node_modules ## build the web app into internal/webui/dist (npm ci, then vite build)
	cd web && npm run build

.PHONY: web-test
web-test: web/node_modules ## web unit tests (vitest) and the browser test (Chromium against a real server)
	cd web && npm run typecheck && npm test && npm run e2e

.PHONY: web-api
web-api: web/node_modules ## regenerate the web app's API types from docs/openapi.json
	cd web && npm run gen

.PHONY: dev
dev: web/node_modules ## web app with live reload on :5173, proxying /api to `make serve` (BISTRO_URL to change)
	@echo "Start the server in another terminal with 'make serve'; open http://127.0.0.1:5173"
	cd web && npm run dev -- --host 127.0.0.1
