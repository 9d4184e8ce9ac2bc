package summary

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/workspace/local"
)

func TestZZGen(t *testing.T) {
	path := os.Getenv("ZZ_PATH")
	if path == "" {
		t.Skip()
	}
	scale, _ := strconv.Atoi(os.Getenv("ZZ_SCALE"))
	ctx := context.Background()
	ws, err := local.Open(ctx, "x", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: benchNow, Scale: scale}, emit)
	}); err != nil {
		t.Fatal(err)
	}
}
