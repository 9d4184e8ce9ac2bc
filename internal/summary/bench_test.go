package summary

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

var (
	benchScale = flag.Int("summary.scale", 33, "demo scale of the summary benchmark's workspace (33: 5.02 million rows, measured)")
	benchDB    = flag.String("summary.db", "", "the benchmark's workspace file: built if empty, reused as it is otherwise (default: a new file in a temporary directory; :memory: for an in-memory workspace)")
)

var (
	benchOnce sync.Once
	benchWS   *local.Workspace
	benchCat  *workspace.Catalog
	benchEnts []triage.Entity
	benchNow  = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	benchRows int
	benchDir  string // a temporary directory TestMain removes
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		benchWS.Close()
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchSetup builds the demo workspace at benchScale in a workspace file
// (or reuses the one -summary.db names), with its indexes and rollups, and collects the entities of every incident.
func benchSetup(b *testing.B) {
	benchOnce.Do(func() {
		ctx := context.Background()
		var err error
		if benchCat, err = workspace.LoadCatalog(""); err != nil {
			b.Fatal(err)
		}
		path := *benchDB
		if path == "" {
			dir, err := os.MkdirTemp("", "triage-bench-")
			if err != nil {
				b.Fatal(err)
			}
			benchDir, path = dir, filepath.Join(dir, "ws.db")
		}
		if benchWS, err = local.Open(ctx, "bench", path, benchCat); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		n, err := benchWS.Query(ctx, &workspace.Query{Name: "rows", Bodies: map[workspace.Dialect]string{
			workspace.SQL: "SELECT count(*) FROM SigninLogs"}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if n.Rows[0][0].(int64) == 0 {
			err = benchWS.Load(ctx, func(emit func(string, map[string]any) error) error {
				return demo.Generate(demo.Options{Now: benchNow, Scale: *benchScale}, func(t string, r map[string]any) error {
					benchRows++
					return emit(t, r)
				})
			})
			if err != nil {
				b.Fatal(err)
			}
		} else {
			b.Logf("workspace: reusing %s (its rows are not counted)", path)
		}
		loaded := time.Now()
		if err := benchWS.BuildIndexes(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("workspace: %d rows, generated and loaded in %s, indexes and rollups built in %s",
			benchRows, loaded.Sub(start).Round(time.Second), time.Since(loaded).Round(time.Second))
		set := triage.NewSet()
		err = benchWS.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
			d, err := benchWS.Details(ctx, inc)
			for _, e := range d.Entities {
				set.Add(e)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		benchEnts = set.Entities()
	})
}

func benchEnv() Env {
	return Env{Sources: sources.Sources{Workspace: benchWS}, Start: benchNow.Add(-14 * 24 * time.Hour), End: benchNow}
}

// BenchmarkSummaries times, on a demo workspace of about 5 million log rows,
// the summary of one entity of each kind and of a 50-entity incident.
// Run: go test -run '^$' -bench Summaries -benchtime 3x ./internal/summary/
func BenchmarkSummaries(b *testing.B) {
	benchSetup(b)
	b.ReportMetric(float64(benchRows), "rows")
	byKind := map[triage.Kind]triage.Entity{}
	for _, e := range benchEnts {
		if _, ok := byKind[e.Kind]; !ok {
			byKind[e.Kind] = e
		}
	}
	for _, k := range []triage.Kind{triage.KindIP, triage.KindAccount, triage.KindHost, triage.KindURL, triage.KindDNS,
		triage.KindFileHash, triage.KindFile, triage.KindMailbox, triage.KindAzureResource, triage.KindProcess} {
		e, ok := byKind[k]
		if !ok {
			continue
		}
		b.Run("one/"+string(k), func(b *testing.B) {
			for b.Loop() {
				Summarize(context.Background(), benchEnv(), []triage.Entity{e})
			}
		})
	}
	n := min(50, len(benchEnts))
	b.Run(fmt.Sprintf("incident/%d-entities", n), func(b *testing.B) {
		for b.Loop() {
			sums := Summarize(context.Background(), benchEnv(), benchEnts[:n])
			if len(sums) != n {
				b.Fatalf("%d summaries", len(sums))
			}
		}
	})
}

// BenchmarkSummaryQueries times each workspace query the summaries of the
// 50-entity incident of BenchmarkSummaries run, with the values and window
// the summarizers give it, one query at a time.
// Run: go test -run '^$' -bench 'Summar' -benchtime 1x ./internal/summary/
func BenchmarkSummaryQueries(b *testing.B) {
	benchSetup(b)
	env := benchEnv()
	values := map[triage.Kind][]string{}
	ents := map[triage.Kind][]triage.Entity{}
	for _, e := range benchEnts[:min(50, len(benchEnts))] {
		switch e.Kind {
		case triage.KindIP:
			if v := ipOf(e).value; v != "" {
				values[e.Kind] = append(values[e.Kind], v)
			}
		case triage.KindAccount:
			values[e.Kind] = append(values[e.Kind], accountOf(e).values()...)
		case triage.KindHost:
			values[e.Kind] = append(values[e.Kind], hostOf(e).values()...)
		default:
			continue
		}
		ents[e.Kind] = append(ents[e.Kind], e)
	}
	queries := map[triage.Kind][]string{
		triage.KindIP:      {qIPHosts, qIPSignins, qIPAzure, qIPOffice, qIPLogons, qIPNetwork},
		triage.KindAccount: {qAccountSignins, qAccountLogons, qAccountAzure, qAccountOffice, qAccountIPs, qAccountChanges},
		triage.KindHost:    {qHostInfo, qHostIPs, qHostLogons, qHostProcesses, qHostChanges, qHostPersistence, qHostNotable},
	}
	for _, k := range []triage.Kind{triage.KindIP, triage.KindAccount, triage.KindHost} {
		vs := dedupe(values[k])
		slices.Sort(vs)
		for _, name := range append(queries[k], qRelated) {
			p := env.params(vs)
			if name == qRelated {
				p = env.relatedParams(ents[k])
			}
			b.Run(string(k)+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if _, _, err := env.query(context.Background(), name, p); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
