package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/workspace"
)

// TIQuery binds the workspace's threat-intelligence table to the sentinel-ti
// provider through the catalog query "ti_indicators". Indicators count as
// valid at the time now returns.
func TIQuery(ws workspace.Workspace, cat *workspace.Catalog, now func() time.Time) sentinelti.QueryFunc {
	return func(ctx context.Context, values []string) ([]sentinelti.Match, error) {
		q, err := cat.Get("ti_indicators")
		if err != nil {
			return nil, err
		}
		t, err := ws.Query(ctx, q, workspace.Params{"values": values, "as_of": now().UTC()})
		if err != nil {
			return nil, err
		}
		if len(t.Warnings) > 0 {
			return nil, fmt.Errorf("partial result: %v", t.Warnings)
		}
		var out []sentinelti.Match
		for _, r := range t.Records() {
			m := sentinelti.Match{
				ObservableKey:   r.String("ObservableKey"),
				ObservableValue: r.String("ObservableValue"),
				Confidence:      int(r.Int("Confidence")),
				Source:          r.String("SourceSystem"),
				Tags:            tags(r["Tags"]),
			}
			if data, ok := r["Data"].(map[string]any); ok {
				m.Name, _ = data["name"].(string)
				m.Description, _ = data["description"].(string)
			}
			out = append(out, m)
		}
		return out, nil
	}
}

// tags reads the Tags column: a JSON array, as text or decoded.
func tags(v any) []string {
	if s, ok := v.(string); ok {
		var list []any
		if json.Unmarshal([]byte(s), &list) != nil {
			return stringValues(s)
		}
		v = list
	}
	return stringValues(v)
}
