package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Workspace selection lives here, in one place, so that every command, the
// web UI's workspace picker and Check agree on what a --workspace value
// names.
//
// A value is, in this order:
//
//  1. "" or "default": the default workspace.
//  2. A configured workspace: its name exactly, then ignoring case, then (as
//     msticpy does) its workspace id or Azure workspace name. A configured
//     workspace always wins over what follows.
//  3. If it looks like a path (LooksLikePath: it contains a path separator
//     or ends in .db): that file, when it exists, as a local workspace named
//     by the value as given. Relative paths are read from the working
//     directory.
//  4. Otherwise a workspace in the data dir: <data_dir>/workspaces/NAME.db,
//     when it exists. `triage import -w NAME` creates these, so imported data
//     is usable at once with no configuration.
//
// A lookup never creates anything: a mistyped name or path is an
// *UnknownWorkspaceError.

// How a workspace that is not configured was found (Workspace.Found).
const (
	FoundDataDir = "data_dir" // <data_dir>/workspaces/NAME.db
	FoundPath    = "path"     // a file named by its path
)

// Workspace returns the workspace value names, by the rule above.
func (c *Config) Workspace(value string) (Workspace, error) {
	if value == "" {
		value = c.DefaultWorkspace
	}
	if ws, ok, err := c.configured(value); ok || err != nil {
		return ws, err
	}
	if LooksLikePath(value) {
		return c.fileWorkspace(value)
	}
	if ws, err := c.DataDirWorkspace(value); err == nil && isFile(ws.Path) {
		return ws, nil
	}
	return Workspace{}, c.unknown(value)
}

// configured returns the configured workspace called name; ok is false when
// there is none.
func (c *Config) configured(name string) (ws Workspace, ok bool, err error) {
	if ws, ok := c.Workspaces[name]; ok {
		return ws, true, nil
	}
	if strings.EqualFold(name, "default") {
		if ws, ok := c.Workspaces[c.DefaultWorkspace]; ok {
			return ws, true, nil
		}
	}
	var found []string
	for _, match := range []func(Workspace) bool{
		func(w Workspace) bool { return strings.EqualFold(w.Name, name) },
		func(w Workspace) bool { return w.WorkspaceID != "" && strings.EqualFold(w.WorkspaceID, name) },
		func(w Workspace) bool { return w.WorkspaceName != "" && strings.EqualFold(w.WorkspaceName, name) },
	} {
		for _, n := range sortedKeys(c.Workspaces) {
			if match(c.Workspaces[n]) {
				found = append(found, n)
			}
		}
		if len(found) == 1 {
			return c.Workspaces[found[0]], true, nil
		}
		if len(found) > 1 {
			return Workspace{}, false, fmt.Errorf("workspace %q is ambiguous: it matches %s", name, strings.Join(found, ", "))
		}
	}
	return Workspace{}, false, nil
}

// LooksLikePath reports whether a --workspace value is taken as a file path
// rather than a name: it contains a path separator or ends in .db.
func LooksLikePath(value string) bool {
	return strings.ContainsAny(value, "/"+string(filepath.Separator)) || hasDBSuffix(value)
}

func hasDBSuffix(s string) bool {
	return len(s) >= 3 && strings.EqualFold(s[len(s)-3:], ".db")
}

// fileWorkspace opens no file: it only checks that value names one.
func (c *Config) fileWorkspace(value string) (Workspace, error) {
	p := value
	if !filepath.IsAbs(p) && c.workDir != "" {
		p = filepath.Join(c.workDir, p)
	}
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Workspace{}, c.unknown(value)
	case err != nil:
		return Workspace{}, fmt.Errorf("workspace %q: %w", value, err)
	case fi.IsDir():
		return Workspace{}, fmt.Errorf("workspace %q is a directory, not a workspace file (the SQLite file triage import writes)", value)
	}
	return Workspace{Name: value, Kind: KindLocal, Path: p, Found: FoundPath}, nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

// CheckWorkspaceName says why name cannot be a workspace in the data dir,
// or returns nil. The name becomes a file name, so it is kept to letters,
// digits, -, _ and . (not first, to make no hidden file, . or ..); .db at
// its end would make --workspace read it as a path; demo is the built-in
// workspace.
func CheckWorkspaceName(name string) error {
	switch {
	case name == "":
		return errors.New("workspace name is empty")
	case strings.EqualFold(name, DemoWorkspace):
		return fmt.Errorf("workspace name %q is the built-in demo workspace's", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("workspace name %q contains a path separator", name)
	case !safeName.MatchString(name):
		return fmt.Errorf("workspace name %q: use only letters a-z and A-Z, digits, -, _ and . (not first)", name)
	case hasDBSuffix(name):
		return fmt.Errorf("workspace name %q ends in .db, which --workspace reads as a file path", name)
	}
	return nil
}

// WorkspacesDir is the directory of the data dir's workspaces,
// <data_dir>/workspaces, or "" when there is no data dir.
func (c *Config) WorkspacesDir() string {
	if c.DataDir == "" {
		return ""
	}
	return filepath.Join(c.DataDir, "workspaces")
}

// DataDirWorkspace returns the local workspace name in the data dir,
// <data_dir>/workspaces/NAME.db, whether or not the file exists (triage
// import creates it). It is an error when name is not a safe file name
// (CheckWorkspaceName) or there is no data dir.
func (c *Config) DataDirWorkspace(name string) (Workspace, error) {
	if err := CheckWorkspaceName(name); err != nil {
		return Workspace{}, err
	}
	dir := c.WorkspacesDir()
	if dir == "" {
		return Workspace{}, fmt.Errorf("no data directory to keep workspace %s in: set data_dir in triage.yaml", name)
	}
	return Workspace{Name: name, Kind: KindLocal, Path: filepath.Join(dir, name+".db"), Found: FoundDataDir}, nil
}

// DataDirWorkspaces returns the workspaces in the data dir that a name
// selects, sorted by name: every NAME.db there with a safe name that no
// configured workspace takes. No data dir, or no such directory, is none.
func (c *Config) DataDirWorkspaces() ([]Workspace, error) {
	found, _, err := c.scanDataDir()
	return found, err
}

// scanDataDir returns the data dir's workspaces, and apart those whose
// name selects a configured workspace instead (shadowed).
func (c *Config) scanDataDir() (found, shadowed []Workspace, err error) {
	dir := c.WorkspacesDir()
	if dir == "" {
		return nil, nil, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list the data dir's workspaces: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || e.IsDir() || CheckWorkspaceName(name) != nil {
			continue
		}
		w := Workspace{Name: name, Kind: KindLocal, Path: filepath.Join(dir, e.Name()), Found: FoundDataDir}
		if _, ok, err := c.configured(name); ok || err != nil {
			shadowed = append(shadowed, w)
			continue
		}
		found = append(found, w)
	}
	return found, shadowed, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// UnknownWorkspaceError is Workspace's error for a value that names no
// workspace; import uses it to tell a new name from a bad one.
type UnknownWorkspaceError struct {
	Value string
	// Configured are the configured workspaces; Found the data dir's, in
	// Dir ("" when there is no data dir).
	Configured []string
	Found      []string
	Dir        string
}

func (c *Config) unknown(value string) error {
	e := &UnknownWorkspaceError{Value: value, Configured: sortedKeys(c.Workspaces), Dir: c.WorkspacesDir()}
	found, _ := c.DataDirWorkspaces()
	for _, w := range found {
		e.Found = append(e.Found, w.Name)
	}
	return e
}

func (e *UnknownWorkspaceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workspace %q is not configured", e.Value)
	switch {
	case LooksLikePath(e.Value):
		fmt.Fprintf(&b, " and there is no file %s", e.Value)
	case e.Dir != "" && CheckWorkspaceName(e.Value) == nil:
		fmt.Fprintf(&b, " and there is no %s", filepath.Join(e.Dir, e.Value+".db"))
	}
	fmt.Fprintf(&b, " (configured: %s", strings.Join(e.Configured, ", "))
	if len(e.Found) > 0 {
		fmt.Fprintf(&b, "; imported in %s: %s", e.Dir, strings.Join(e.Found, ", "))
	}
	b.WriteString(")")
	return b.String()
}
