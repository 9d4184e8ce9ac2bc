package summary

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// TestBatchedEqualsSingle: an entity's summary says the same whether it is
// made with every entity of its incident (one query per question for all
// the entities of a kind, as the pipeline makes it) or alone; so for every
// demo incident, and for every demo entity at once.
func TestBatchedEqualsSingle(t *testing.T) {
	if testing.Short() {
		t.Skip("summarises every demo incident's entities together and alone")
	}
	_, cat, ents := demoWorkspace(t)
	rec := &listRecorder{most: map[string]int{}}
	env := demoEnv(t)
	env.MaxRows = 1 << 20 // no table cut: the rows compared are all the rows
	env.Workspace = recordingWS{env.Workspace, rec}
	// An entity of several incidents is summarised alone once per incident
	// (its alerts differ): the memo asks its queries once.
	alone := Memo(env)
	for _, inc := range theDemo.incidents {
		sameAlone(t, env, alone, fmt.Sprintf("incident %d", inc.Number), inc.details.Entities)
	}
	all := make([]triage.Entity, 0, len(ents))
	for _, e := range ents {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b triage.Entity) int { return cmp.Compare(a.Key, b.Key) })
	sameAlone(t, env, alone, "every demo entity", all)

	// Every summary query that takes a list was asked for several values
	// at once: the comparison covered its batching.
	outside := map[string]bool{ // the catalog's other queries with lists
		"alerts_by_id": true, "incidents_in_window": true, "ti_indicators": true, "ti_indicators_legacy": true,
		// The priority's precedents, asked by the pipeline once per incident.
		"first_seen_addresses": true, "closed_benign_alerts": true, "privileged_accounts": true,
		// Asked only for entities that matched nothing, to say what would
		// match: the demo's entities match (their answers are still
		// compared above, batched and alone).
		"account_names": true, "host_names": true, "azure_resource_names": true,
	}
	for _, name := range cat.Names() {
		q, _ := cat.Get(name)
		if outside[name] || !slices.ContainsFunc(q.Params, func(p workspace.Param) bool { return p.Type == workspace.TypeList }) {
			continue
		}
		if n := rec.most[name]; n < 2 {
			t.Errorf("query %s: asked for at most %d values at once, want several", name, n)
		}
	}
}

// TestBatchedRowsOfSeveralEntities: a log row that matches several entities
// belongs to each of them, in a batch as alone, and counts once for an
// entity it matches by several values: one file's three hashes, a File
// that links them all, and a mailbox a delegate reads.
func TestBatchedRowsOfSeveralEntities(t *testing.T) {
	ws := emptyWorkspace(t)
	const (
		sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
		sha1   = "a94a8fe5ccb19ba61f4c5d5d3d9e9b3a1e6e5c2d"
		md5    = "098f6bcd4621d373cade4e832627b4f6"
	)
	at := now.Add(-time.Hour)
	file := func(table, action, md5 string) map[string]any {
		return map[string]any{"TimeGenerated": at, "DeviceName": "wks-01", "ActionType": action, "FileName": "tool.exe",
			"SHA256": sha256, "SHA1": sha1, "MD5": md5, "FolderPath": `C:\Temp`}
	}
	office := func(user, owner, ip string) map[string]any {
		return map[string]any{"TimeGenerated": at, "UserId": user, "MailboxOwnerUPN": owner, "ClientIP": ip,
			"Operation": "MailItemsAccessed", "OfficeWorkload": "Exchange", "RecordType": "ExchangeItemAggregated"}
	}
	err := ws.Load(context.Background(), func(emit func(string, map[string]any) error) error {
		for _, r := range []struct {
			table string
			rec   map[string]any
		}{
			{"DeviceProcessEvents", file("DeviceProcessEvents", "ProcessCreated", md5)},
			// The same file written twice, once logged without its MD5.
			{"DeviceFileEvents", file("DeviceFileEvents", "FileCreated", md5)},
			{"DeviceFileEvents", file("DeviceFileEvents", "FileModified", "")},
			{"OfficeActivity", office("alice@example.com", "bob@example.com", "192.0.2.1")},
			{"OfficeActivity", office("Bob@example.com", "bob@example.com", "192.0.2.2")},
		} {
			if err := emit(r.table, r.rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	entity := func(k triage.Kind, props map[string]any) triage.Entity {
		e, err := triage.NewEntity(k, props)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	var ents []triage.Entity
	for _, h := range []string{sha256, sha1, md5} {
		ents = append(ents, entity(triage.KindFileHash, map[string]any{"hashValue": h}))
	}
	f := entity(triage.KindFile, map[string]any{"fileName": "tool.exe"})
	for _, h := range ents {
		f.Links = append(f.Links, triage.Link{Rel: "fileHashes", Key: h.Key})
	}
	ents = append(ents, f,
		entity(triage.KindMailbox, map[string]any{"mailboxPrimaryAddress": "alice@example.com"}),
		entity(triage.KindMailbox, map[string]any{"mailboxPrimaryAddress": "bob@example.com"}))
	env := Env{Sources: sources.Sources{Workspace: ws}, Start: now.Add(-2 * time.Hour), End: now}
	sums := sameAlone(t, env, env, "the file and the mailboxes", ents)

	// What each entity shows: "Table Count Actions" per row, or "Count
	// ClientIPs" for mailboxes.
	tests := []struct {
		ent  int
		want []string
	}{
		{0, []string{"DeviceFileEvents 2 FileCreated, FileModified", "DeviceProcessEvents 1 ProcessCreated"}},
		{1, []string{"DeviceFileEvents 2 FileCreated, FileModified", "DeviceProcessEvents 1 ProcessCreated"}},
		{2, []string{"DeviceFileEvents 1 FileCreated", "DeviceProcessEvents 1 ProcessCreated"}},
		{3, []string{"DeviceFileEvents 2 FileCreated, FileModified", "DeviceProcessEvents 1 ProcessCreated"}},
		{4, []string{"1 192.0.2.1"}},
		{5, []string{"2 192.0.2.1, 192.0.2.2"}},
	}
	for _, tc := range tests {
		s := sums[tc.ent]
		sec := s.Sections[len(s.Sections)-1]
		var got []string
		if sec.Table != nil {
			for _, r := range sec.Table.Rows {
				row := map[string]string{}
				for i, c := range sec.Table.Columns {
					row[c.Name] = r[i]
				}
				if row["Table"] != "" {
					got = append(got, row["Table"]+" "+row["Count"]+" "+row["Actions"])
				} else {
					got = append(got, row["Count"]+" "+row["ClientIPs"])
				}
			}
		}
		slices.Sort(got)
		if d := gocmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: %q (%s %s) rows (-want +got):\n%s", s.Entity, sec.Name, sec.Status, sec.Reason, d)
		}
	}
}

// sameAlone summarises ents together with env and each alone with alone,
// fails where they differ, and returns the summaries made together.
func sameAlone(t *testing.T, env, alone Env, what string, ents []triage.Entity) []report.Summary {
	t.Helper()
	ctx := context.Background()
	if r, ok := env.Workspace.(recordingWS); ok {
		r.counting(true)
	}
	batched := Summarize(ctx, env, ents)
	if r, ok := env.Workspace.(recordingWS); ok {
		r.counting(false)
	}
	for i, e := range ents {
		single := Summarize(ctx, alone, []triage.Entity{e})[0]
		if d := gocmp.Diff(rowsSorted(single), rowsSorted(batched[i])); d != "" {
			t.Errorf("%s, %s: summary alone vs with %d entities (-alone +together):\n%s", what, e.Key, len(ents), d)
		}
	}
	return batched
}

// rowsSorted is a summary with its tables' rows sorted: the order of rows
// with equal sort keys is the query's, not part of what batching keeps.
func rowsSorted(s report.Summary) report.Summary {
	s.Sections = slices.Clone(s.Sections)
	for i, sec := range s.Sections {
		if sec.Table != nil {
			tab := *sec.Table
			tab.Rows = slices.Clone(tab.Rows)
			slices.SortFunc(tab.Rows, slices.Compare)
			s.Sections[i].Table = &tab
		}
	}
	return s
}

// listRecorder records, per query, the most values it was asked for in one
// list parameter while on.
type listRecorder struct {
	mu   sync.Mutex
	on   bool
	most map[string]int
}

// recordingWS is a workspace whose queries a listRecorder watches.
type recordingWS struct {
	workspace.Workspace
	r *listRecorder
}

func (w recordingWS) counting(on bool) {
	w.r.mu.Lock()
	w.r.on = on
	w.r.mu.Unlock()
}

func (w recordingWS) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	w.r.mu.Lock()
	if w.r.on {
		for _, v := range p {
			if l, ok := v.([]string); ok {
				w.r.most[name] = max(w.r.most[name], len(l))
			}
		}
	}
	w.r.mu.Unlock()
	return w.Workspace.Run(ctx, name, p)
}
