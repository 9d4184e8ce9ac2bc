# Developer shortcuts. The README's test command is plain `go test ./...`.
.PHONY: test bench screenshots

test:
	go test ./...

# The benchmarks behind docs/benchmarks.md: one pass each, figures as metrics.
# The entity summaries' (last) builds a 5 million-row workspace file first,
# about 6 minutes; go test ... -summary.db FILE keeps it for later runs.
bench:
	go test -run '^$$' -bench 'BenchmarkEngine' -benchtime 1x ./internal/intel/
	go test -run '^$$' -bench . ./internal/intel/cache/
	go test -run '^$$' -bench . ./internal/demo/ ./internal/workspace/local/ ./internal/ioc/
	go test -run '^$$' -bench DecodeRowCap -benchtime 3x -benchmem ./internal/workspace/hunting/
	go test -run '^$$' -bench . -benchtime 5x ./internal/report/html/ ./internal/report/chart/ ./internal/web/
	go test -run '^$$' -bench FirstContact -benchtime 5x ./cmd/triage/
	go test -run '^$$' -bench ImportLargeExport -benchtime 1x ./cmd/triage/
	go test -run '^$$' -bench TriageAtTheCaps -benchtime 3x -benchmem ./internal/pipeline/
	go test -run '^$$' -bench Precedents -benchtime 3x ./internal/pipeline/
	go test -run '^$$' -bench 'LookupProcess|FreeTierRun' -benchtime 3x ./cmd/triage/
	go test -run '^$$' -bench 'Summar' -benchtime 3x -timeout 60m ./internal/summary/

# The web UI's screenshots in docs/screenshots: light and dark, taken with
# Debian's chromium (apt-get install chromium).
screenshots:
	go test ./internal/web -run '^TestScreenshots$$' -count 1 -screenshots $(CURDIR)/docs/screenshots
