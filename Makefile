# Build, test and demo entry points for stripesql.
# `make test` is what CI runs (through .ci/run); it must stay well under 15 minutes on 2 cores.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Appended, not prepended: a Go already on the caller's PATH wins.
export PATH := $(PATH):/usr/local/go/bin

GO ?= go
BIN := $(CURDIR)/bin
STRIPE_MOCK := $(BIN)/stripe-mock
# Go files we own, for gofmt: everything but build output and vendored code.
GO_FILES_CMD := find . -name '*.go' -not -path './bin/*' -not -path './vendor/*' -not -path './.git/*' -print0

.PHONY: deps mysql-client mariadb-server redis-server compat-deps compat-debs build test fmt-check vet go-test fuzz-short soak demo bench pushdown-report generate clean

## deps: install what the tests need (MySQL CLI client, MariaDB server, Redis server, stripe-mock, compatibility-suite clients), only when missing.
deps: mysql-client mariadb-server redis-server $(STRIPE_MOCK) compat-deps

mysql-client:
	@if command -v mariadb >/dev/null 2>&1 || command -v mysql >/dev/null 2>&1; then \
		echo "deps: MySQL client present: $$(command -v mariadb || command -v mysql)"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "deps: SKIPPED installing the MySQL client (not root); install the Debian package mariadb-client yourself," \
			"or tests that need it will be skipped (and fail when CI=true)."; \
	else \
		echo "deps: installing mariadb-client with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		install_client() { apt-get install -y -q --no-install-recommends mariadb-client </dev/null; }; \
		install_client || { echo "deps: install failed; refreshing package lists and retrying"; apt-get update -q </dev/null && install_client; }; \
		mariadb --version; \
	fi

# The MariaDB server (mariadbd, mariadb-install-db) that internal/mariadbtest
# starts on a temporary directory: the reference database of tests and of
# `make bench`. Debian's package may try to start a system service; with no
# init system that fails harmlessly, and nothing here uses it.
mariadb-server:
	@if PATH="$$PATH:/usr/sbin" command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1; then \
		echo "deps: MariaDB server present: $$(PATH="$$PATH:/usr/sbin" command -v mariadbd)"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "deps: SKIPPED installing the MariaDB server (not root); install the Debian package mariadb-server yourself," \
			"or tests that need it will be skipped (and fail when CI=true)."; \
	else \
		echo "deps: installing mariadb-server with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		install_server() { apt-get install -y -q --no-install-recommends mariadb-server </dev/null; }; \
		install_server || { echo "deps: install failed; refreshing package lists and retrying"; apt-get update -q </dev/null && install_server; }; \
		PATH="$$PATH:/usr/sbin" mariadbd --version; \
	fi

# The Redis server (redis-server) that internal/redistest starts on a
# temporary directory and port: the store replicas share (--redis-url) in
# tests and in `make bench`. Debian's package may try to start a system
# service; with no init system that fails harmlessly, and nothing here
# uses it.
redis-server:
	@if PATH="$$PATH:/usr/sbin" command -v redis-server >/dev/null 2>&1; then \
		echo "deps: Redis server present: $$(PATH="$$PATH:/usr/sbin" command -v redis-server)"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "deps: SKIPPED installing the Redis server (not root); install the Debian package redis-server yourself," \
			"or tests that need it will be skipped (and fail when CI=true)."; \
	else \
		echo "deps: installing redis-server with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		install_redis() { apt-get install -y -q --no-install-recommends redis-server </dev/null; }; \
		install_redis || { echo "deps: install failed; refreshing package lists and retrying"; apt-get update -q </dev/null && install_redis; }; \
		redis-server --version; \
	fi

# Clients of the compatibility suite (internal/compat): Debian packages, and
# the npm packages locked in internal/compat/node/package-lock.json. Java
# and Node.js come with the machine; they are installed only when missing.
COMPAT_DEBS := python3-pymysql python3-mysqldb python3-sqlalchemy mycli libmariadb-java
COMPAT_NODE := internal/compat/node

## compat-deps: install the compatibility suite's clients, only when missing.
compat-deps: compat-debs $(COMPAT_NODE)/node_modules/.package-lock.json

compat-debs:
	@missing=""; \
	for p in $(COMPAT_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; done; \
	command -v javac >/dev/null 2>&1 || missing="$$missing default-jdk-headless"; \
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -z "$$missing" ]; then \
		echo "deps: compatibility-suite clients present"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "deps: SKIPPED installing$$missing (not root); install them with apt-get," \
			"or the compatibility tests that need them will be skipped (and fail when CI=true)."; \
	else \
		echo "deps: installing$$missing with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		install_debs() { apt-get install -y -q --no-install-recommends $$missing </dev/null; }; \
		install_debs || { echo "deps: install failed; refreshing package lists and retrying"; apt-get update -q </dev/null && install_debs; }; \
	fi

# npm ci rewrites node_modules/.package-lock.json, so this reruns only when
# the lock file changes. No package needs its install scripts.
$(COMPAT_NODE)/node_modules/.package-lock.json: $(COMPAT_NODE)/package-lock.json $(COMPAT_NODE)/package.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "deps: SKIPPED npm ci in $(COMPAT_NODE) (no npm); the Node.js compatibility tests will be skipped (and fail when CI=true)."; \
	else \
		echo "deps: npm ci in $(COMPAT_NODE)"; \
		cd $(COMPAT_NODE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null && touch node_modules/.package-lock.json; \
	fi

# Rebuilt when go.mod changes, since go.mod pins the stripe-mock version.
$(STRIPE_MOCK): go.mod
	@mkdir -p $(BIN)
	@echo "deps: building stripe-mock (version pinned in go.mod) into $@"
	$(GO) build -o $@ github.com/stripe/stripe-mock
	@touch $@

## build: build the stripesql binary into bin/.
build:
	$(GO) build -o $(BIN)/stripesql ./cmd/stripesql

## test: what CI runs: deps, gofmt, go vet, then every package's tests.
# --keep-going: a gofmt or vet failure still lets the tests run, so one CI
# run reports every problem; the target fails if any step did.
test: deps
	@$(MAKE) --no-print-directory --keep-going fmt-check vet go-test fuzz-short || { echo "make test: FAILED (see above)"; exit 1; }
	@echo "make test: all checks passed (gofmt, go vet, go test, fuzz-short)"

fmt-check:
	@unformatted="$$($(GO_FILES_CMD) | xargs -0 -r gofmt -l)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w on them):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	@echo "gofmt: ok"

vet:
	$(GO) vet ./...

go-test:
	STRIPE_MOCK_BIN=$(STRIPE_MOCK) $(GO) test -count=1 -timeout 12m ./...

## demo: serve an embedded fake Stripe account over MySQL on 127.0.0.1:3306 (pass ARGS="..." to override).
demo:
	$(GO) run ./cmd/stripesql demo $(ARGS)

## fuzz-short: a bounded run of each fuzz target (make test runs it); the corpora are in tables/decode/testdata/fuzz, tables/sqltable/testdata/fuzz and the targets' seeds (tables/rowcache: blocks and deltas read back from disk).
# Counts of inputs, not durations: on a loaded machine a -fuzztime duration
# can end the run with "context deadline exceeded" before the corpus is read.
FUZZ_DECODE ?= 4000x
FUZZ_PUSHDOWN ?= 400x
FUZZ_BLOCKS ?= 2000x
fuzz-short:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRow$$' -fuzztime $(FUZZ_DECODE) ./tables/decode
	$(GO) test -run '^$$' -fuzz '^FuzzPushdown$$' -fuzztime $(FUZZ_PUSHDOWN) ./tables/sqltable
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZ_BLOCKS) ./tables/rowcache
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeDelta$$' -fuzztime $(FUZZ_BLOCKS) ./tables/rowcache

## soak: 50 connections, mixed workload, for SOAK (default 60s); make test runs a 5 s version.
SOAK ?= 60s
soak:
	STRIPESQL_SOAK=$(SOAK) $(GO) test -count=1 -run '^TestSoak$$' -v -timeout 20m ./engine

## pushdown-report: requests made vs. the fewest possible, per query of examples/workload.sql.
pushdown-report:
	$(GO) test -count=1 -v -run TestWorkloadPushdownIsOptimal ./internal/pushdown | grep -v '^=== RUN'

## bench: run the benchmark harness: scans under the rate limit, one replica vs three (alone, sharing Redis), then warm stripesql against MariaDB over the same objects.
# ARGS="-mariadb-only" runs only the MariaDB comparison, ARGS="-mariadb=false" skips it; ARGS="-replicas-only" only the replicas,
# ARGS="-replicas 0" skips them; ARGS="-scale 20000" for a smaller account.
bench: mariadb-server redis-server
	$(GO) run ./internal/bench $(ARGS)

## generate: regenerate the table declarations from the Stripe OpenAPI spec.
generate:
	$(GO) generate ./tables

clean:
	rm -rf $(BIN) coverage.out coverage.html *.coverprofile
	find . -name '*.test' -type f -not -path './.git/*' -delete
