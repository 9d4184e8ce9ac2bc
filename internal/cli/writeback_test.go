package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/report/comment"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// lab writes a local workspace file holding workspacetest.Records and a
// configuration naming it "lab"; it returns the configuration's path and
// the args that select the workspace.
func lab(t *testing.T) (db string, args []string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "lab.db")
	ctx := context.Background()
	ws, err := local.Open(ctx, "lab", db, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = ws.Load(ctx, workspacetest.Emitter(workspacetest.Records()))
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte("workspaces:\n  lab:\n    kind: local\n    path: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return db, []string{"--config", cfg, "-w", "lab"}
}

// openLab opens the lab workspace file to look at what the commands wrote.
func openLab(t *testing.T, db string) *local.Workspace {
	t.Helper()
	ws, err := local.Open(context.Background(), "lab", db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func labIncident(t *testing.T, db, ref string) triage.Incident {
	t.Helper()
	inc, err := openLab(t, db).Incident(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func labComments(t *testing.T, db, ref string) []workspace.Comment {
	t.Helper()
	ws := openLab(t, db)
	inc, err := ws.Incident(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ws.Comments(context.Background(), inc)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// runIn is run with stdin.
func runIn(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir}
		},
	}
	root := NewRootCmd(s)
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	ctx := context.Background()
	err := root.ExecuteContext(ctx)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), exitCode(ctx, err)
}

func TestCommentRoundTrip(t *testing.T) {
	db, ws := lab(t)
	file := filepath.Join(t.TempDir(), "note.md")
	fromFile := "## Findings\n\n| a | b |\n|---|---|\n| `x` | y |\n"
	if err := os.WriteFile(file, []byte(fromFile), 0o600); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tt := range []struct {
		args  []string
		stdin string
	}{
		{[]string{"comment", "1", "-m", "Confirmed with the user."}, ""},
		{[]string{"comment", "1", "-f", file}, ""},
		{[]string{"comment", "1", "-f", "-"}, "from stdin\n"},
	} {
		out, errOut, code := runIn(t, tt.stdin, append(ws, tt.args...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
		}
		ids = append(ids, strings.TrimSpace(out))
		if !strings.Contains(errOut, "added comment "+ids[len(ids)-1]+" to incident 1") {
			t.Errorf("%v: stderr %q", tt.args, errOut)
		}
	}
	var got []string
	cs := labComments(t, db, "1")
	for i, c := range cs {
		got = append(got, c.Message)
		if i < len(ids) && c.ID != ids[i] {
			t.Errorf("comment %d has id %s, the command printed %s", i, c.ID, ids[i])
		}
		if !c.Created.Equal(testNow) {
			t.Errorf("comment %d created %v, want the command's clock %v", i, c.Created, testNow)
		}
	}
	if d := cmp.Diff([]string{"Confirmed with the user.", fromFile, "from stdin\n"}, got); d != "" {
		t.Errorf("comments (-want +got):\n%s", d)
	}
}

func TestCommentErrors(t *testing.T) {
	db, ws := lab(t)
	long := filepath.Join(t.TempDir(), "long.md")
	if err := os.WriteFile(long, []byte(strings.Repeat("ä", workspace.MaxCommentLength+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		stdin string
		code  int
		msg   string
	}{
		{[]string{"comment", "1"}, "", ExitUsage, "the comment is empty"},
		{[]string{"comment", "1", "-m", " \n "}, "", ExitUsage, "the comment is empty"},
		{[]string{"comment", "1", "-f", "-"}, "", ExitUsage, "the comment is empty"},
		{[]string{"comment", "1", "-m", "x", "-f", long}, "", ExitUsage, "not both"},
		{[]string{"comment", "-m", "x"}, "", ExitUsage, "want one INCIDENT"},
		{[]string{"comment", "1", "-f", long}, "", ExitError, "30001 characters; Sentinel takes at most 30000"},
		{[]string{"comment", "1", "-f", filepath.Join(t.TempDir(), "missing.md")}, "", ExitError, "missing.md"},
		{[]string{"comment", "999", "-m", "x"}, "", ExitError, "999"},
		{[]string{"comment", "1", "-m", "x", "--dry-run"}, "", ExitOK, "dry run"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := runIn(t, tt.stdin, append(ws, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.msg)
			}
			if code != ExitOK && out != "" {
				t.Errorf("stdout %q on failure", out)
			}
		})
	}
	if out, _, _ := runIn(t, "", append(ws, "comment", "1", "-m", "dry *run*", "--dry-run")...); out != "dry *run*" {
		t.Errorf("dry run printed %q, want the comment as it would be sent", out)
	}
	if cs := labComments(t, db, "1"); len(cs) != 0 {
		t.Errorf("%d comments written by failed or dry runs: %+v", len(cs), cs)
	}
}

func TestUpdateCloseNeedsClassification(t *testing.T) {
	db, ws := lab(t)
	before := labIncident(t, db, "2")
	out, errOut, code := run(t, append(ws, "update", "2", "--status", "closed")...)
	if code != ExitUsage || !strings.Contains(errOut, "incident 2: closing an incident needs a classification") {
		t.Errorf("exit %d, stderr %q; want exit 2 and the missing classification", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout %q", out)
	}
	if after := labIncident(t, db, "2"); after.ETag != before.ETag || after.Status != triage.StatusNew {
		t.Errorf("incident 2 changed: status %s, ETag %s → %s", after.Status, before.ETag, after.ETag)
	}

	out, errOut, code = run(t, append(ws, "update", "2", "--status", "Closed", "--classification", "false-positive",
		"--reason", "incorrect-alert-logic", "--comment", "Known scanner", "--severity", "LOW",
		"--owner", "carol@contoso.com", "--label", "triaged")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOut := `status: "New" → "Closed"
severity: "Medium" → "Low"
owner: "" → "carol@contoso.com"
labels: "" → "triaged"
classification: "" → "FalsePositive"
classification reason: "" → "IncorrectAlertLogic"
classification comment: "" → "Known scanner"
`
	if d := cmp.Diff(wantOut, out); d != "" {
		t.Errorf("stdout (-want +got):\n%s", d)
	}
	got := labIncident(t, db, "2")
	want := before
	want.Status, want.Severity = triage.StatusClosed, triage.SeverityLow
	want.Owner = triage.Owner{UPN: "carol@contoso.com"}
	want.Labels = []string{"triaged"}
	want.Classification, want.ClassificationReason, want.ClassificationComment = triage.ClassFalsePositive, "IncorrectAlertLogic", "Known scanner"
	want.LastModified, want.ETag = testNow, got.ETag
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("incident 2 as stored (-want +got):\n%s", d)
	}
	if got.ETag == before.ETag {
		t.Error("the ETag did not change")
	}
}

func TestUpdateDryRun(t *testing.T) {
	db, ws := lab(t)
	before := labIncident(t, db, "1")
	out, errOut, code := run(t, append(ws, "update", "1", "--severity", "low", "--label", "phish", "--remove-label", "VIP", "--dry-run")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Incident string         `json:"incident"`
		ETag     string         `json:"etag"`
		Change   map[string]any `json:"change"`
		Before   map[string]any `json:"before"`
		After    map[string]any `json:"after"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	wantChange := map[string]any{"severity": "Low", "labels": []any{"phish"}}
	if d := cmp.Diff(wantChange, got.Change); d != "" {
		t.Errorf("change (-want +got):\n%s", d)
	}
	if got.Incident != "1" || got.ETag != before.ETag {
		t.Errorf("incident %q, etag %q; want 1 and %s", got.Incident, got.ETag, before.ETag)
	}
	if got.Before["severity"] != "High" || got.After["severity"] != "Low" ||
		!cmp.Equal(got.Before["labels"], []any{"vip"}) || !cmp.Equal(got.After["labels"], []any{"phish"}) ||
		got.Before["status"] != "Active" || got.After["status"] != "Active" {
		t.Errorf("before %v, after %v", got.Before, got.After)
	}
	if !strings.Contains(errOut, "dry run") {
		t.Errorf("stderr %q does not say it was a dry run", errOut)
	}
	if after := labIncident(t, db, "1"); after.ETag != before.ETag {
		t.Error("a dry run changed the incident")
	}
}

func TestUpdateUsage(t *testing.T) {
	db, ws := lab(t)
	before := labIncident(t, db, "1")
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"update", "1"}, ExitUsage, "nothing to change"},
		{[]string{"update", "1", "--status", "done"}, ExitUsage, `unknown status "done"`},
		{[]string{"update", "1", "--severity", "urgent"}, ExitUsage, `unknown severity "urgent"`},
		{[]string{"update", "1", "--classification", "maybe"}, ExitUsage, `unknown classification "maybe"`},
		{[]string{"update", "1", "--reason", "because"}, ExitUsage, "IncorrectAlertLogic"},
		{[]string{"update", "1", "--owner", "bob"}, ExitUsage, "user principal name"},
		{[]string{"update", "1", "--label", " "}, ExitUsage, "label must not be empty"},
		{[]string{"update", "1", "--classification", "tp"}, ExitUsage, "only set when closing"},
		{[]string{"update", "1", "--status", "closed", "--classification", "tp", "--reason", "inaccurate-data"}, ExitUsage, "does not go with TruePositive"},
		{[]string{"update", "999", "--severity", "low"}, ExitError, "999"},
		{[]string{"update", "1", "--status", "ACTIVE", "--label", "vip"}, ExitOK, "already has these values"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, append(ws, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.msg)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
	if after := labIncident(t, db, "1"); after.ETag != before.ETag {
		t.Error("a refused update changed the incident")
	}
}

func TestUpdateConflict(t *testing.T) {
	db, _ := lab(t)
	ws := openLab(t, db)
	ctx := context.Background()
	stale, err := ws.Incident(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	low := triage.SeverityLow
	if _, err := ws.Update(ctx, stale, workspace.Change{Severity: &low, Owner: &triage.Owner{}}); err != nil {
		t.Fatal(err)
	}
	cur, _ := ws.Incident(ctx, "1")

	var out, errb bytes.Buffer
	s := &IO{Out: &out, Err: &errb, Now: func() time.Time { return testNow }}
	closed, tp := triage.StatusClosed, triage.ClassTruePositive
	err = sendUpdate(ctx, s, ws, stale, workspace.Change{Status: &closed, Classification: &tp})
	if code := exitCode(ctx, err); code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	for _, want := range []string{"incident 1 changed since it was read; nothing was written",
		`  severity: "High" → "Low"`, `  owner: "Alice Smith" → ""`, "Run the command again"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
	if now, _ := ws.Incident(ctx, "1"); now.ETag != cur.ETag || now.Status != triage.StatusActive {
		t.Errorf("the stale update was written: status %s", now.Status)
	}
}

func TestPostSummary(t *testing.T) {
	db, ws := lab(t)
	// An analyst's comment that quotes the marker is not the summary.
	quote := "The bot's line reads: " + comment.Marker
	if _, errOut, code := run(t, append(ws, "comment", "1", "-m", quote)...); code != ExitOK {
		t.Fatal(errOut)
	}

	out, errOut, code := run(t, append(ws, "run", "1", "--post", "--dry-run")...)
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, comment.Marker+"\n\n# Incident 1:") || !strings.Contains(errOut, "would be added") {
		t.Errorf("dry run: stdout %.200q, stderr %q", out, errOut)
	}
	if cs := labComments(t, db, "1"); len(cs) != 1 {
		t.Fatalf("a dry run wrote a comment: %d comments", len(cs))
	}

	var firstID string
	for i := range 2 {
		path := filepath.Join(t.TempDir(), "r.md")
		_, errOut, code := run(t, append(ws, "run", "1", "--post", "-o", path)...)
		if code != ExitOK && code != ExitPartial {
			t.Fatalf("run %d: exit %d: %s", i, code, errOut)
		}
		cs := labComments(t, db, "1")
		if len(cs) != 2 || cs[0].Message != quote {
			t.Fatalf("run %d: comments %+v; want the analyst's and one summary", i, cs)
		}
		if i == 0 {
			firstID = cs[1].ID
			if !strings.Contains(errOut, "added summary comment "+firstID+" to incident 1") {
				t.Errorf("first run: stderr %q", errOut)
			}
		} else if cs[1].ID != firstID || !strings.Contains(errOut, "updated summary comment "+firstID+" on incident 1") {
			t.Errorf("second run: summary %s (first was %s), stderr %q", cs[1].ID, firstID, errOut)
		}
		md, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The report fits: the comment is the marker and the report.
		if want := comment.Marker + "\n\n" + string(md); cs[1].Message != want {
			t.Errorf("run %d: the comment is not the marker and the report:\n%.300q\n%.300q", i, cs[1].Message, want)
		}
	}

	if _, errOut, code := run(t, append(ws, "run", "1", "--dry-run")...); code != ExitUsage || !strings.Contains(errOut, "--dry-run goes with --post") {
		t.Errorf("--dry-run without --post: exit %d, stderr %q", code, errOut)
	}
}

func TestPostNeedsWriter(t *testing.T) {
	var errb bytes.Buffer
	s := &IO{Out: &bytes.Buffer{}, Err: &errb, Now: func() time.Time { return testNow }}
	_, err := writerOf(s, &env{Sources: sources.Sources{Workspace: readOnly{name: "archive"}}})
	if err == nil || !strings.Contains(err.Error(), "workspace archive cannot change incidents") {
		t.Errorf("writerOf a read-only workspace: %v", err)
	}

	_, errOut, code := run(t, "comment", "121", "-m", "x")
	if code != ExitOK || !strings.Contains(errOut, "change to the demo workspace is not kept") {
		t.Errorf("comment on the demo: exit %d, stderr %q; want a note that it is not kept", code, errOut)
	}
}

// readOnly is a workspace that cannot write.
type readOnly struct {
	workspace.Workspace
	name string
}

func (r readOnly) Name() string { return r.name }

func TestUpdateLabelsAndValues(t *testing.T) {
	labels, missing := editLabels([]string{"vip", "Phish", "old"}, []string{"new", "VIP", "new"}, []string{"OLD", "gone"})
	if d := cmp.Diff([]string{"vip", "Phish", "new"}, labels); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"gone"}, missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}

	// The classifications and owners are triage.ParseClassification's and
	// triage.ParseOwner's, tested there.
	for in, want := range map[string]string{
		"incorrect-alert-logic": "IncorrectAlertLogic", "suspicious but expected": "SuspiciousButExpected",
		"INACCURATEDATA": "InaccurateData", "bogus": "",
	} {
		got, err := parseReason(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("parseReason(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
