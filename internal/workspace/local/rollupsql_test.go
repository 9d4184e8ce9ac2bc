package local

import (
	"database/sql"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestSplitWindow: the parts of a window, at its edges, on bucket
// boundaries, inside one bucket, and for an empty window.
func TestSplitWindow(t *testing.T) {
	h := func(lo, hi string) buckets { return buckets{"h", at(lo), at(hi)} }
	d := func(lo, hi string) buckets { return buckets{"d", at(lo), at(hi)} }
	open := func(lo, hi string) span { return span{at(lo), at(hi), false} }
	closed := func(lo, hi string) span { return span{at(lo), at(hi), true} }
	for _, tc := range []struct {
		name       string
		start, end string
		cover      []buckets
		edges      []span
	}{
		{"edges inside hours, across days",
			"2026-11-28T10:20:00Z", "2026-11-30T12:34:56.789012Z",
			[]buckets{d("2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z"),
				h("2026-11-28T11:00:00Z", "2026-11-29T00:00:00Z"), h("2026-11-30T00:00:00Z", "2026-11-30T12:00:00Z")},
			[]span{open("2026-11-28T10:20:00Z", "2026-11-28T11:00:00Z"), closed("2026-11-30T12:00:00Z", "2026-11-30T12:34:56.789012Z")}},
		{"on day boundaries",
			"2026-11-28T00:00:00Z", "2026-11-30T00:00:00Z",
			[]buckets{d("2026-11-28T00:00:00Z", "2026-11-30T00:00:00Z")},
			[]span{closed("2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z")}},
		{"on hour boundaries within a day",
			"2026-11-28T03:00:00Z", "2026-11-28T07:00:00Z",
			[]buckets{h("2026-11-28T03:00:00Z", "2026-11-28T07:00:00Z")},
			[]span{closed("2026-11-28T07:00:00Z", "2026-11-28T07:00:00Z")}},
		{"one microsecond short of a day",
			"2026-11-28T00:00:00Z", "2026-11-28T23:59:59.999999Z",
			[]buckets{h("2026-11-28T00:00:00Z", "2026-11-28T23:00:00Z")},
			[]span{closed("2026-11-28T23:00:00Z", "2026-11-28T23:59:59.999999Z")}},
		{"hours on both sides of midnight, no whole day",
			"2026-11-28T22:30:00Z", "2026-11-29T01:30:00Z",
			[]buckets{h("2026-11-28T23:00:00Z", "2026-11-29T01:00:00Z")},
			[]span{open("2026-11-28T22:30:00Z", "2026-11-28T23:00:00Z"), closed("2026-11-29T01:00:00Z", "2026-11-29T01:30:00Z")}},
		{"inside one hour",
			"2026-11-28T10:05:00Z", "2026-11-28T10:55:00Z",
			nil, []span{closed("2026-11-28T10:05:00Z", "2026-11-28T10:55:00Z")}},
		{"across an hour boundary, no whole hour",
			"2026-11-28T10:05:00Z", "2026-11-28T11:55:00Z",
			nil, []span{closed("2026-11-28T10:05:00Z", "2026-11-28T11:55:00Z")}},
		{"one whole hour",
			"2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z",
			[]buckets{h("2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z")},
			[]span{closed("2026-11-28T11:00:00Z", "2026-11-28T11:00:00Z")}},
		{"an instant",
			"2026-11-28T10:00:00Z", "2026-11-28T10:00:00Z",
			nil, []span{closed("2026-11-28T10:00:00Z", "2026-11-28T10:00:00Z")}},
		{"empty: ends before it starts",
			"2026-11-28T10:00:00Z", "2026-11-28T09:00:00Z", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cover, edges := splitWindow(at(tc.start), at(tc.end))
			if diff := cmp.Diff(tc.cover, cover, cmp.AllowUnexported(buckets{})); diff != "" {
				t.Errorf("cover (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.edges, edges, cmp.AllowUnexported(span{})); diff != "" {
				t.Errorf("edges (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSplitWindowCountsEachInstantOnce: over random windows, each instant
// near the window's edges and near bucket boundaries is in exactly one
// part if it is in the window, and in none otherwise; buckets start on
// their grain's boundary.
func TestSplitWindowCountsEachInstantOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := at("2026-11-27T00:00:00Z")
	random := func() time.Time {
		t := base.Add(time.Duration(rng.Int64N(int64(96 * time.Hour)))).Truncate(time.Microsecond)
		switch rng.IntN(4) {
		case 0:
			t = t.Truncate(time.Hour)
		case 1:
			t = t.Truncate(24 * time.Hour)
		}
		return t
	}
	parts := func(cover []buckets, edges []span, x time.Time) int {
		n := 0
		for _, c := range cover {
			step := time.Hour
			if c.grain == "d" {
				step = 24 * time.Hour
			}
			// x lies in the bucket that starts at x truncated to the grain.
			b := x.Truncate(step)
			if !b.Before(c.lo) && b.Before(c.hi) {
				n++
			}
		}
		for _, e := range edges {
			if !x.Before(e.lo) && (x.Before(e.hi) || e.closed && x.Equal(e.hi)) {
				n++
			}
		}
		return n
	}
	for range 2000 {
		s, e := random(), random()
		if rng.IntN(8) == 0 {
			e = s.Add(time.Duration(rng.Int64N(int64(2 * time.Hour))))
		}
		cover, edges := splitWindow(s, e)
		for _, c := range cover {
			step := time.Hour
			if c.grain == "d" {
				step = 24 * time.Hour
			}
			if !c.lo.Equal(c.lo.Truncate(step)) || !c.hi.Equal(c.hi.Truncate(step)) || !c.lo.Before(c.hi) {
				t.Fatalf("window %s to %s: bucket range %v is not whole %s", s, e, c, c.grain)
			}
		}
		var probes []time.Time
		for _, x := range []time.Time{s, e, s.Truncate(time.Hour), e.Truncate(time.Hour), s.Truncate(24 * time.Hour), e.Truncate(24 * time.Hour)} {
			for _, dt := range []time.Duration{-time.Hour, -time.Microsecond, 0, time.Microsecond, time.Hour, 24 * time.Hour} {
				probes = append(probes, x.Add(dt))
			}
		}
		for _, x := range probes {
			want := 0
			if !x.Before(s) && !x.After(e) {
				want = 1
			}
			if got := parts(cover, edges, x); got != want {
				t.Fatalf("window %s to %s: %s is in %d parts, want %d (cover %v, edges %v)", s, e, x, got, want, cover, edges)
			}
		}
	}
}

func testRollups(t *testing.T) map[string]*rollupInfo {
	t.Helper()
	s, err := newSchema(tables)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := newRollups(s, rollups)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*rollupInfo{}
	for _, r := range rs {
		byName[r.def.Name] = r
	}
	return byName
}

func TestParseRollups(t *testing.T) {
	byName := testRollups(t)
	text := `WITH v AS (SELECT 'ROLLUP(Nothing)' AS value), -- ROLLUP(Nothing) in a comment
bare AS (SELECT value FROM v)
SELECT * FROM ROLLUP(SigninLogsRollup BETWEEN :start AND :end
                     WHERE Account IN v OR lower(AccountId) IN v OR Account STARTSWITH bare || '@') AS r
JOIN ROLLUP(AuditLogsAccounts) AS n ON 1 /* ROLLUP(Nothing) */
JOIN ROLLUP(HeartbeatRollup BETWEEN :a AND :b) AS h ON 1`
	refs, err := parseRollups(text, byName)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 3 {
		t.Fatalf("%d constructs, want 3", len(refs))
	}
	if got := text[refs[1].start:refs[1].end]; got != "ROLLUP(AuditLogsAccounts)" {
		t.Errorf("second construct %q", got)
	}
	r := refs[0]
	if r.r.def.Name != "SigninLogsRollup" || r.from != "start" || r.to != "end" {
		t.Errorf("first construct: %s %s %s", r.r.def.Name, r.from, r.to)
	}
	want := []rollupMatch{{key: "Account", set: "v"}, {key: "lower(AccountId)", set: "v"}, {key: "Account", set: "bare", sep: '@'}}
	if diff := cmp.Diff(want, r.matches, cmp.AllowUnexported(rollupMatch{})); diff != "" {
		t.Errorf("matches (-want +got):\n%s", diff)
	}
	if refs[1].from != "" || refs[2].from != "a" || refs[2].to != "b" || len(refs[2].matches) != 0 {
		t.Errorf("constructs: %+v %+v", refs[1], refs[2])
	}

	for _, bad := range []string{
		`SELECT * FROM ROLLUP(NoSuchRollup)`,
		`SELECT * FROM ROLLUP(SigninLogsRollup BETWEEN :start)`,
		`SELECT * FROM ROLLUP(SigninLogsRollup BETWEEN :start AND :end WHERE Account = 'x')`,
		`SELECT * FROM ROLLUP(SigninLogsRollup BETWEEN :start AND :end WHERE Account IN (SELECT 1))`,
		`SELECT * FROM ROLLUP(SigninLogsRollup BETWEEN :start AND :end WHERE ResultType STARTSWITH v || '@')`, // no index
		`SELECT * FROM ROLLUP(SigninLogsRollup BETWEEN :start AND :end WHERE Account STARTSWITH v || '@@')`,
		`SELECT * FROM ROLLUP(AuditLogsAccounts BETWEEN :start AND :end)`, // a list has no window
		`SELECT * FROM ROLLUP(SigninLogsRollup`,
	} {
		if _, err := parseRollups(bad, byName); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestExpandRollups: what a construct stands for, with its rollup built and
// not built.
func TestExpandRollups(t *testing.T) {
	byName := testRollups(t)
	text := `SELECT * FROM ROLLUP(SigninLogsRollup BETWEEN :start AND :end WHERE IPAddress IN ips) JOIN ROLLUP(SigninLogsRollup) ON 1`
	refs, err := parseRollups(text, byName)
	if err != nil {
		t.Fatal(err)
	}
	args := []any{sql.Named("start", "2026-11-28T10:20:00.000000Z"), sql.Named("end", "2026-11-30T12:34:56.789012Z")}
	bound := func(args []any) map[string]string {
		m := map[string]string{}
		for _, a := range args {
			na := a.(sql.NamedArg)
			m[na.Name] = na.Value.(string)
		}
		return m
	}

	// Not built: the view over the whole window, nothing from the rollup.
	got, gotArgs, err := expandRollups(text, args, refs, func(*rollupInfo) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	wantText := `SELECT * FROM (SELECT "Account", "AccountId", "IPAddress", "ResultType", "ResultDescription", "AppDisplayName", "Country", "City", "ASN", "Device", "RiskLevel", 1 AS N, TimeGenerated AS FirstSeen, TimeGenerated AS LastSeen, SourceRowid AS MaxRowid FROM (SELECT DISTINCT value FROM ips) AS _s CROSS JOIN "SigninLogsRollupRows" WHERE IPAddress = _s.value AND TimeGenerated BETWEEN :rollupTime0 AND :rollupTime1) JOIN (SELECT "Account", "AccountId", "IPAddress", "ResultType", "ResultDescription", "AppDisplayName", "Country", "City", "ASN", "Device", "RiskLevel" FROM "SigninLogsRollupRows") ON 1`
	if got != wantText {
		t.Errorf("not built:\n got %s\nwant %s", got, wantText)
	}
	if diff := cmp.Diff(map[string]string{
		"start": "2026-11-28T10:20:00.000000Z", "end": "2026-11-30T12:34:56.789012Z",
		"rollupTime0": "2026-11-28T10:20:00.000000Z", "rollupTime1": "2026-11-30T12:34:56.789012Z",
	}, bound(gotArgs)); diff != "" {
		t.Errorf("not built: args (-want +got):\n%s", diff)
	}

	// Built: whole days and hours from the rollup, the edges from the view.
	got, gotArgs, err = expandRollups(text, args, refs, func(*rollupInfo) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`FROM "SigninLogsRollup" WHERE IPAddress IN (SELECT value FROM ips) AND Grain = 'd' AND Bucket >= :rollupTime0 AND Bucket < :rollupTime1`,
		`FROM "SigninLogsRollup" WHERE IPAddress IN (SELECT value FROM ips) AND Grain = 'h' AND Bucket >= :rollupTime2 AND Bucket < :rollupTime0`,
		`FROM "SigninLogsRollup" WHERE IPAddress IN (SELECT value FROM ips) AND Grain = 'h' AND Bucket >= :rollupTime1 AND Bucket < :rollupTime3`,
		`CROSS JOIN "SigninLogsRollupRows" WHERE IPAddress = _s.value AND TimeGenerated >= :rollupTime4 AND TimeGenerated < :rollupTime2`,
		`CROSS JOIN "SigninLogsRollupRows" WHERE IPAddress = _s.value AND TimeGenerated BETWEEN :rollupTime3 AND :rollupTime5`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("built: no %s in\n%s", want, got)
		}
	}
	if diff := cmp.Diff(map[string]string{
		"start": "2026-11-28T10:20:00.000000Z", "end": "2026-11-30T12:34:56.789012Z",
		"rollupTime0": "2026-11-29T00:00:00.000000Z", "rollupTime1": "2026-11-30T00:00:00.000000Z",
		"rollupTime2": "2026-11-28T11:00:00.000000Z", "rollupTime3": "2026-11-30T12:00:00.000000Z",
		"rollupTime4": "2026-11-28T10:20:00.000000Z", "rollupTime5": "2026-11-30T12:34:56.789012Z",
	}, bound(gotArgs)); diff != "" {
		t.Errorf("built: args (-want +got):\n%s", diff)
	}

	// An empty window reads nothing, with the construct's columns.
	empty := []any{sql.Named("start", "2026-11-30T00:00:00.000000Z"), sql.Named("end", "2026-11-29T00:00:00.000000Z")}
	got, _, err = expandRollups(text, empty, refs, func(*rollupInfo) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `FROM "SigninLogsRollupRows" WHERE 0)`) || strings.Contains(got, "Grain") {
		t.Errorf("empty window: %s", got)
	}

	// The window's parameters must be bound datetimes.
	if _, _, err := expandRollups(text, args[:1], refs, func(*rollupInfo) bool { return true }); err == nil {
		t.Error("no error without :end")
	}
	if _, _, err := expandRollups(text, append(args, sql.Named("rollupTime0", "x")), refs, func(*rollupInfo) bool { return true }); err == nil {
		t.Error("no error for a parameter named like the construct's")
	}
}

// TestSourceIndexed: a key the source table indexes is found through its
// column expressions, whatever the index's quoting and parentheses.
func TestSourceIndexed(t *testing.T) {
	byName := testRollups(t)
	for _, tc := range []struct {
		rollup, key string
		want        bool
	}{
		{"SigninLogsRollup", "IPAddress", true},       // an entity index
		{"SigninLogsRollup", "Account", true},         // lower(UserPrincipalName)
		{"SigninLogsRollup", "ResultType", false},     // no index
		{"SigninLogsRollup", "lower(Account)", false}, // not that expression
		{"SecurityEventLogonRollup", "lower(TargetUserName)", true},
		{"SecurityEventLogonRollup", "AgentId", true}, // lower(json_extract(Record, ...))
		{"SyslogSshRollup", "lower(IP)", false},       // computed from the message
		{"SyslogSshRollup", "ResourceId", true},
		{"HeartbeatRollup", "ComputerPrivateIPs", true}, // (Record -> '$.ComputerPrivateIPs')
	} {
		if got := byName[tc.rollup].sourceIndexed(tc.key); got != tc.want {
			t.Errorf("%s %s: indexed %v, want %v (as %s)", tc.rollup, tc.key, got, tc.want, byName[tc.rollup].sourceExpr(tc.key))
		}
	}
}
