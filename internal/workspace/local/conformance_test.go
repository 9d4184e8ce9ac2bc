package local_test

import (
	"context"
	"testing"

	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// openLoaded opens an in-memory workspace holding recs.
func openLoaded(t *testing.T, recs map[string][]map[string]any) *local.Workspace {
	t.Helper()
	ctx := context.Background()
	ws, err := local.Open(ctx, "test", ":memory:", workspacetest.Catalog(t))
	if err != nil {
		t.Fatal(err)
	}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		for _, table := range local.Tables() {
			for _, r := range recs[table] {
				if err := emit(table, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		ws.Close()
		t.Fatal(err)
	}
	return ws
}

func TestConformance(t *testing.T) {
	workspacetest.Run(t, func(t *testing.T, recs map[string][]map[string]any) workspace.Workspace {
		return openLoaded(t, recs)
	})
}

func TestConformanceFile(t *testing.T) {
	workspacetest.Run(t, func(t *testing.T, recs map[string][]map[string]any) workspace.Workspace {
		path := t.TempDir() + "/ws.db"
		ws := openLoaded(t, nil)
		ws.Close()
		ctx := context.Background()
		ws, err := local.Open(ctx, "file", path, workspacetest.Catalog(t))
		if err != nil {
			t.Fatal(err)
		}
		err = ws.Load(ctx, workspacetest.Emitter(recs))
		if err != nil {
			t.Fatal(err)
		}
		return ws
	})
}
