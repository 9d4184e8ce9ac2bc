// Package buildinfo says which build of triage is running: the module version
// and the commit it was built from, as the Go toolchain recorded them in the
// binary (runtime/debug.ReadBuildInfo). It is one place for that fact, so the
// command line, the web UI and reports say the same thing.
package buildinfo

import (
	"runtime/debug"
	"time"
)

// Info is what the toolchain recorded about a build.
type Info struct {
	// Version is the main module's version: a tag, a pseudo-version, or
	// "(devel)" for a build the toolchain could not version.
	Version string
	// Revision is the full commit the binary was built from, "" when the
	// build recorded none (go run, -buildvcs=false, no VCS).
	Revision string
	// Time is the commit's time, zero when unknown.
	Time time.Time
	// Modified says the working tree had uncommitted changes.
	Modified bool
}

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "(unknown)"}
	}
	return fromBuildInfo(bi)
}

// Version returns the running binary's version, e.g. "v1.2.0" or "(devel)".
func Version() string { return Read().Version }

// String returns the running binary's version and commit in one line, e.g.
// "v1.2.0 (commit 26a4b6a0c1d2e3f405162738495a6b7c8d9e0f12+dirty,
// 2026-11-26T12:00:00Z)".
func String() string { return Read().String() }

func fromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Version: bi.Main.Version}
	if in.Version == "" {
		in.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time, _ = time.Parse(time.RFC3339, s.Value) // unreadable: unknown, as if absent
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// String returns the version, then the commit (whole, so that it can be
// copied; "+dirty" when the tree had changes) and its time when known.
func (in Info) String() string {
	if in.Revision == "" {
		return in.Version
	}
	commit := in.Revision
	if in.Modified {
		commit += "+dirty"
	}
	s := in.Version + " (commit " + commit
	if !in.Time.IsZero() {
		s += ", " + in.Time.UTC().Format(time.RFC3339)
	}
	return s + ")"
}
