package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lookupFixture is a configuration with a data dir holding imported
// workspaces, and workspace files beside it; dir is the working directory.
func lookupFixture(t *testing.T, extra string) (c *Config, dir, wsDir string) {
	t.Helper()
	dir = t.TempDir()
	wsDir = filepath.Join(dir, "data", "workspaces")
	for _, f := range []string{
		"data/workspaces/imp.db",
		"data/workspaces/Lab.db",      // hidden by the configured lab
		"data/workspaces/bad name.db", // not a name a lookup can give
		"data/workspaces/notes.txt",
		"files/lab2.db",
		"x.sqlite",
		"shared.db",
	} {
		writeFile(t, dir, f, "")
	}
	cfg := writeFile(t, dir, "triage.yaml", `data_dir: `+filepath.Join(dir, "data")+`
workspaces:
  lab: {path: `+filepath.Join(dir, "lab.db")+`}
  Contoso: {workspace_id: 52b1ab41-869e-4138-9e40-2a4457f09bf3}
`+extra)
	// triage.yaml's names have no dots; msticpy's may.
	mp := writeFile(t, dir, "msticpyconfig.yaml", `AzureSentinel:
  Workspaces:
    shared.db: {WorkspaceId: a927809c-8142-43e1-96b3-4ad87cfe95a3, TenantId: 69d28fd7-42a5-48bc-a619-af56397b9f28}
`)
	c, err := Load(LoadOptions{ConfigPath: cfg, MsticpyPath: mp, Dir: dir})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c, dir, wsDir
}

func TestWorkspaceLookupBeyondConfiguration(t *testing.T) {
	c, dir, wsDir := lookupFixture(t, "")
	configured := "configured: Contoso, demo, lab, shared.db; imported in " + wsDir + ": imp)"
	tests := []struct {
		in                      string
		name, path, found, kind string // kind "" is local
		err                     string
	}{
		// A configured name wins over the data dir and over a file.
		{in: "lab", name: "lab", path: filepath.Join(dir, "lab.db")},
		{in: "Lab", name: "lab", path: filepath.Join(dir, "lab.db")},
		{in: "shared.db", name: "shared.db", kind: KindSentinel},
		// A name that is not configured: the data dir.
		{in: "imp", name: "imp", path: filepath.Join(wsDir, "imp.db"), found: FoundDataDir},
		// A path: read from the working directory, named as given.
		{in: "files/lab2.db", name: "files/lab2.db", path: filepath.Join(dir, "files/lab2.db"), found: FoundPath},
		{in: "./files/lab2.db", name: "./files/lab2.db", path: filepath.Join(dir, "files/lab2.db"), found: FoundPath},
		{in: filepath.Join(dir, "x.sqlite"), name: filepath.Join(dir, "x.sqlite"), path: filepath.Join(dir, "x.sqlite"), found: FoundPath},
		{in: "./x.sqlite", name: "./x.sqlite", path: filepath.Join(dir, "x.sqlite"), found: FoundPath},
		// Neither: nothing is created, and the error says what there is.
		{in: "nope", err: `workspace "nope" is not configured and there is no ` + filepath.Join(wsDir, "nope.db") + " (" + configured},
		{in: "x.sqlite", err: `workspace "x.sqlite" is not configured and there is no ` + filepath.Join(wsDir, "x.sqlite.db") + " (" + configured},
		{in: "missing.db", err: `workspace "missing.db" is not configured and there is no file missing.db (` + configured},
		{in: "./lab3.db", err: `workspace "./lab3.db" is not configured and there is no file ./lab3.db (` + configured},
		{in: "../imp", err: `workspace "../imp" is not configured and there is no file ../imp (` + configured},
		{in: "bad name", err: `workspace "bad name" is not configured (` + configured},
		{in: "files/", err: `workspace "files/" is a directory, not a workspace file (the SQLite file triage import writes)`},
	}
	for _, tt := range tests {
		ws, err := c.Workspace(tt.in)
		if errText(err) != tt.err || ws.Name != tt.name || ws.Path != tt.path || ws.Found != tt.found {
			t.Errorf("Workspace(%q) = {name %q, path %q, found %q}, %v;\nwant {name %q, path %q, found %q}, %s",
				tt.in, ws.Name, ws.Path, ws.Found, err, tt.name, tt.path, tt.found, tt.err)
		}
		if tt.kind == "" {
			tt.kind = KindLocal
		}
		if err == nil && ws.Kind != tt.kind {
			t.Errorf("Workspace(%q): kind %q, want %s", tt.in, ws.Kind, tt.kind)
		}
	}
	for _, p := range []string{filepath.Join(wsDir, "nope.db"), filepath.Join(dir, "missing.db"), filepath.Join(dir, "lab3.db")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a lookup created %s", p)
		}
	}

	found, err := c.DataDirWorkspaces()
	if err != nil {
		t.Fatal(err)
	}
	want := []Workspace{{Name: "imp", Kind: KindLocal, Path: filepath.Join(wsDir, "imp.db"), Found: FoundDataDir}}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("DataDirWorkspaces (-want +got):\n%s", diff)
	}

	var got []string
	for _, f := range c.Check() {
		if f.Subject == "workspace imp" || f.Subject == "data dir" {
			got = append(got, string(f.Level)+" "+f.String())
		}
	}
	wantCheck := []string{
		"ok workspace imp: local workspace in " + filepath.Join(wsDir, "imp.db") + ", found in the data dir (made by triage import -w imp; needs no configuration)",
		"warning data dir: " + filepath.Join(wsDir, "Lab.db") + " is not used: --workspace Lab selects the configured workspace of that name; rename the file to use it",
	}
	if diff := cmp.Diff(wantCheck, got); diff != "" {
		t.Errorf("Check (-want +got):\n%s", diff)
	}
}

// default_workspace may name a workspace in the data dir, not a file path:
// that would depend on where triage runs.
func TestDefaultWorkspaceBeyondConfiguration(t *testing.T) {
	c, _, wsDir := lookupFixture(t, "default_workspace: imp\n")
	ws, err := c.Workspace("")
	if err != nil || c.DefaultWorkspace != "imp" || ws.Path != filepath.Join(wsDir, "imp.db") {
		t.Errorf("default %q: Workspace(\"\") = %+v, %v", c.DefaultWorkspace, ws, err)
	}

	dir := t.TempDir()
	writeFile(t, dir, "lab.db", "")
	cfg := writeFile(t, dir, "triage.yaml", "default_workspace: ./lab.db\n")
	_, err = Load(LoadOptions{ConfigPath: cfg, Dir: dir})
	if want := `"./lab.db" is a file path: configure it as a workspace with path: and name that workspace here`; !strings.Contains(errText(err), want) {
		t.Errorf("Load: %v; want an error with %q", err, want)
	}
}

// With no data dir there is nowhere to look for or create a workspace by
// name, and the error is the one of a configuration alone.
func TestWorkspaceLookupWithoutDataDir(t *testing.T) {
	c, err := Load(LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Workspace("lab")
	if want := `workspace "lab" is not configured (configured: demo)`; errText(err) != want {
		t.Errorf("Workspace: %v, want %s", err, want)
	}
	if _, err := c.DataDirWorkspace("lab"); errText(err) != "no data directory to keep workspace lab in: set data_dir in triage.yaml" {
		t.Errorf("DataDirWorkspace: %v", err)
	}
	if found, err := c.DataDirWorkspaces(); found != nil || err != nil {
		t.Errorf("DataDirWorkspaces: %v, %v", found, err)
	}
}

func TestCheckWorkspaceName(t *testing.T) {
	tests := []struct{ name, err string }{
		{"lab", ""},
		{"Lab-2_x.y", ""},
		{"2024", ""},
		{"", "workspace name is empty"},
		{"demo", `workspace name "demo" is the built-in demo workspace's`},
		{"DEMO", `workspace name "DEMO" is the built-in demo workspace's`},
		{"a/b", `workspace name "a/b" contains a path separator`},
		{`a\b`, `workspace name "a\\b" contains a path separator`},
		{"..", `workspace name "..": use only letters a-z and A-Z, digits, -, _ and . (not first)`},
		{".hidden", `workspace name ".hidden": use only letters a-z and A-Z, digits, -, _ and . (not first)`},
		{"a b", `workspace name "a b": use only letters a-z and A-Z, digits, -, _ and . (not first)`},
		{"café", `workspace name "café": use only letters a-z and A-Z, digits, -, _ and . (not first)`},
		{"lab.db", `workspace name "lab.db" ends in .db, which --workspace reads as a file path`},
		{"lab.DB", `workspace name "lab.DB" ends in .db, which --workspace reads as a file path`},
	}
	for _, tt := range tests {
		if err := CheckWorkspaceName(tt.name); errText(err) != tt.err {
			t.Errorf("CheckWorkspaceName(%q) = %v, want %s", tt.name, err, tt.err)
		}
	}
}
