# One interface for developers, CI and operators. See README.md.
SHELL := bash
PORT ?= 3000
STAGE ?= dev

.PHONY: run test bench fuzz deploy setup lint build-functions sam-build cdk-synth

## Everything local, in the foreground: AWS emulator, SMTP server, all functions on 127.0.0.1:$(PORT).
## Cargo shows its own progress (the first build takes minutes), then each service as it comes up.
run: setup
	@echo "make run: Python tools ready; building the local server with cargo (the first build takes a few minutes)"
	PORT=$(PORT) cargo run -p local --bin local

## Every test: formatting, clippy, unit and integration tests, API fuzzing, template lint and scan. Prints the totals.
test: setup
	scripts/test.sh

## Python tools (moto, aiosmtpd, cfn-lint in .venv; checkov in .venv-checkov; schemathesis in .venv-fuzz) at pinned versions.
setup:
	scripts/setup-python.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

build-functions:
	cargo build --workspace --bins

## Cold starts, latency, memory, zip sizes, round trips and throughput into docs/benchmarks.md.
bench: setup
	python3 scripts/bench.py

## Every fuzz target (fuzz/) for FUZZ_SECONDS each (default 30); installs cargo-fuzz if missing.
fuzz:
	scripts/fuzz.sh

## sam validate --lint + sam build of every function for arm64, checked and sized; touches no AWS account (part of `make test`).
sam-build:
	DEPLOY_BUILD_ONLY=1 scripts/deploy.sh dev

## cdk synth of the CDK app (infra/cdk) for $(STAGE), offline, reusing make sam-build's binaries; prod needs CDK_ARGS="-c certificateArn=... -c alarmEmail=...".
cdk-synth:
	scripts/cdk-synth.sh $(STAGE) $(CDK_ARGS)

## sam build + sam deploy --config-env $(STAGE) (dev or prod); needs AWS credentials.
deploy:
	scripts/deploy.sh $(STAGE)
