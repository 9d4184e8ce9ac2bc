# Developer shortcuts. The README's test command is plain `go test ./...`.
.PHONY: test bench

test:
	go test ./...

# The benchmarks behind docs/benchmarks.md: one pass each, figures as metrics.
bench:
	go test -run '^$$' -bench 'BenchmarkEngine' -benchtime 1x ./internal/intel/
	go test -run '^$$' -bench . ./internal/intel/cache/
	go test -run '^$$' -bench . ./internal/demo/ ./internal/workspace/local/ ./internal/ioc/
