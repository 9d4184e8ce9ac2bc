package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/workspace"
)

// TIQuery binds the workspace's threat-intelligence tables to the sentinel-ti
// provider through the catalog queries "ti_indicators" (ThreatIntelIndicators)
// and "ti_indicators_legacy" (ThreatIntelligenceIndicator): a workspace may
// hold either table or both, and the answers of both are used. A table the
// workspace does not have is passed over; any other failure, or a partial
// answer, is an error. Indicators count as valid at the time now returns.
func TIQuery(ws workspace.Workspace, now func() time.Time) intel.WorkspaceTI {
	return func(ctx context.Context, values []string) ([]intel.TIMatch, error) {
		var out []intel.TIMatch
		var missing []error
		for _, q := range []struct{ name, table string }{
			{"ti_indicators", "ThreatIntelIndicators"},
			{"ti_indicators_legacy", "ThreatIntelligenceIndicator"},
		} {
			ms, err := tiMatches(ctx, ws, q.name, values, now)
			switch {
			case err == nil:
				out = append(out, ms...)
			case noTable(err, q.table):
				missing = append(missing, err)
			default:
				return nil, err
			}
		}
		if len(missing) == 2 {
			// Nothing failed: there is nothing to read (a Defender XDR
			// workspace without Log Analytics, a Sentinel workspace without
			// a threat-intelligence connector).
			return nil, fmt.Errorf("%w: the workspace has no threat-intelligence table (neither ThreatIntelIndicators nor ThreatIntelligenceIndicator)", intel.ErrNotConfigured)
		}
		return out, nil
	}
}

// noTable reports whether err says that the workspace has no such table.
func noTable(err error, table string) bool {
	var nt *workspace.NoTableError
	return errors.As(err, &nt) && nt.Table == table
}

func tiMatches(ctx context.Context, ws workspace.Workspace, name string, values []string, now func() time.Time) ([]intel.TIMatch, error) {
	t, err := ws.Run(ctx, name, workspace.Params{"values": values, "as_of": now().UTC()})
	if err != nil {
		return nil, err
	}
	if len(t.Warnings) > 0 {
		return nil, fmt.Errorf("partial result: %v", t.Warnings)
	}
	var out []intel.TIMatch
	for _, r := range t.Records() {
		m := intel.TIMatch{
			ObservableKey:   r.String("ObservableKey"),
			ObservableValue: r.String("ObservableValue"),
			Confidence:      int(r.Int("Confidence")),
			Source:          r.String("SourceSystem"),
			Tags:            tags(r["Tags"]),
		}
		data := r["Data"]
		if s, ok := data.(string); ok {
			var v map[string]any
			if json.Unmarshal([]byte(s), &v) == nil {
				data = v
			}
		}
		if d, ok := data.(map[string]any); ok {
			m.Name, _ = d["name"].(string)
			m.Description, _ = d["description"].(string)
		}
		out = append(out, m)
	}
	return out, nil
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
