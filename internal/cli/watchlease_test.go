package cli

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// slowFirst is the lab workspace whose first Details takes long: a triage
// that outlasts its lease's TTL.
type slowFirst struct {
	*local.Workspace
	once    sync.Once
	started chan struct{}
	wait    time.Duration
}

func (s *slowFirst) Details(ctx context.Context, inc triage.Incident) (triage.Details, error) {
	s.once.Do(func() {
		close(s.started)
		time.Sleep(s.wait)
	})
	return s.Workspace.Details(ctx, inc)
}

// A triage that runs longer than its lease's TTL keeps the lease (it is
// renewed): a second watch passing meanwhile leaves that incident, and
// each incident is triaged once.
func TestWatchLeaseOutlivesItsTTL(t *testing.T) {
	args, db := importedLab(t)
	dataDir := filepath.Dir(filepath.Dir(db))
	const ttl = 300 * time.Millisecond
	newWatch := func(ws workspace.Workspace, errb *bytes.Buffer) *watcher {
		// The store's own clock: leases expire in real time.
		st, err := history.Open(context.Background(), filepath.Join(dataDir, history.FileName))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		s := &IO{Out: io.Discard, Err: errb, Now: func() time.Time { return testNow }}
		e := &env{Sources: sources.Sources{Workspace: ws}, wsName: ws.Name(), cfg: &config.Config{}}
		w := newWatcher(s, e, st, &watchOptions{window: 24 * time.Hour, interval: time.Minute, post: true, logFormat: "text"})
		w.ttl = ttl
		return w
	}
	var errA, errB bytes.Buffer
	slow := &slowFirst{Workspace: openLocal(t, db), started: make(chan struct{}), wait: 4 * ttl}
	a := newWatch(slow, &errA)
	b := newWatch(openLocal(t, db), &errB)

	done := make(chan error, 1)
	go func() { _, err := a.pass(context.Background()); done <- err }()
	<-slow.started
	time.Sleep(2 * ttl) // a's triage runs on past the TTL it took the lease with
	if _, err := b.pass(context.Background()); err != nil {
		t.Errorf("watch b: %v\n%s", err, errB.String())
	}
	if err := <-done; err != nil {
		t.Errorf("watch a: %v\n%s", err, errA.String())
	}
	if n := len(logLines(errB.String(), "left to another watch")); n != 1 {
		t.Errorf("watch b left %d incidents to a, want the one a was triaging:\n%s", n, errB.String())
	}
	if n := len(logLines(errA.String(), "triaged")) + len(logLines(errB.String(), "triaged")); n != 2 {
		t.Errorf("%d triages of 2 incidents:\n%s\n%s", n, errA.String(), errB.String())
	}
	for _, ref := range []string{"7", "8"} {
		if recs := historyJSON(t, append(args, "history", ref)...); len(recs) != 1 {
			t.Errorf("incident %s: %d records, want 1", ref, len(recs))
		}
		if n := len(summaries(t, db, ref)); n != 1 {
			t.Errorf("incident %s: %d summary comments, want 1", ref, n)
		}
	}
}
