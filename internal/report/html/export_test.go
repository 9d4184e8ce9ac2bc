package html

import (
	"html/template"

	"github.com/triage-dev/triage/internal/report"
)

// Grid is the incidence grid of r alone, for the tests and the benchmark
// of package html_test.
func Grid(r *report.Report, o Options) template.HTML { return newView(r, o).Grid() }
