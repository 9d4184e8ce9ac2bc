package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestFromBuildInfo(t *testing.T) {
	const rev = "26a4b6a0c1d2e3f405162738495a6b7c8d9e0f12"
	tests := []struct {
		name     string
		version  string
		settings map[string]string
		want     Info
		str      string
	}{
		{
			name:     "tagged clean",
			version:  "v1.2.0",
			settings: map[string]string{"vcs.revision": rev, "vcs.time": "2026-11-26T12:00:00Z", "vcs.modified": "false"},
			want:     Info{Version: "v1.2.0", Revision: rev, Time: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)},
			str:      "v1.2.0 (commit " + rev + ", 2026-11-26T12:00:00Z)",
		},
		{
			name:     "dirty tree",
			version:  "v0.0.0-20261126120000-26a4b6a0c1d2+dirty",
			settings: map[string]string{"vcs.revision": rev, "vcs.modified": "true"},
			want:     Info{Version: "v0.0.0-20261126120000-26a4b6a0c1d2+dirty", Revision: rev, Modified: true},
			str:      "v0.0.0-20261126120000-26a4b6a0c1d2+dirty (commit " + rev + "+dirty)",
		},
		{
			name: "no version, no VCS",
			want: Info{Version: "(devel)"},
			str:  "(devel)",
		},
		{
			name:     "unreadable time",
			version:  "(devel)",
			settings: map[string]string{"vcs.revision": rev, "vcs.time": "yesterday"},
			want:     Info{Version: "(devel)", Revision: rev},
			str:      "(devel) (commit " + rev + ")",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/triage-dev/triage", Version: tt.version}}
			for k, v := range tt.settings {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
			}
			got := fromBuildInfo(bi)
			if got != tt.want {
				t.Errorf("fromBuildInfo = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}

// The test binary has build information too: the running program's facts
// come through Read.
func TestReadRunningBinary(t *testing.T) {
	in := Read()
	if in.Version == "" || !strings.HasPrefix(String(), in.Version) || Version() != in.Version {
		t.Errorf("Read() = %+v, String() = %q, Version() = %q; want one non-empty version in both", in, String(), Version())
	}
}
