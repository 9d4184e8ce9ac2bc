package localfeed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
)

var now = time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC)

func load(t *testing.T, o Options) *Provider {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return now }
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ind(t *testing.T, s string) ioc.Indicator {
	t.Helper()
	i, err := ioc.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// brief is the part of a result most tests compare.
type brief struct {
	Severity intel.Severity
	Summary  string
	Count    int
}

func briefOf(r intel.Result) brief {
	n, _ := r.Details["count"].(int)
	return brief{r.Severity, r.Summary, n}
}

func TestCSV(t *testing.T) {
	p := load(t, Options{Files: []string{"testdata/feed.csv"}})
	want := map[string]brief{
		// Two rows: the confident one speaks; the other's hostile text is data.
		"198.51.100.7":           {intel.SeverityHigh, "Cobalt Strike team server (cti-team, confidence 90) and 1 more", 2},
		"evil-login.example.com": {intel.SeverityWarning, "Phishing kit landing (cti-team, confidence 60)", 1},
		// Defanged in the feed, scheme and host upper-cased in the lookup.
		"HTTPS://LOGIN.example.net/o365/Login?x=1": {intel.SeverityHigh, "Credential phishing page (soc)", 1},
		"44d88612fea8a8f36de82e1278abb02f":         {intel.SeverityWarning, "EICAR test file (av-team)", 1},
		"192.0.2.10":                               {intel.SeverityInformation, "Company VPN egress (it)", 1},
		"payroll-update@example.org":               {intel.SeverityWarning, `Invoice fraud sender, seen in "urgent payment" mails (soc, confidence 70)`, 1},
		// In the /25 range; the source defaults to the file's name.
		"203.0.113.200": {intel.SeverityWarning, "Bulletproof hosting range (feed.csv)", 1},
		// Kept: MinConfidence is 0.
		"203.0.113.10": {intel.SeverityWarning, "Weak signal from a honeypot (feed.csv, confidence 10)", 1},
	}
	for value, w := range want {
		t.Run(value, func(t *testing.T) {
			r, err := p.Lookup(context.Background(), ind(t, value))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(w, briefOf(r)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	for _, value := range []string{
		"203.0.113.9",   // expired in 2020
		"203.0.113.127", // just outside the range
		"login.example.net",
		"https://login.example.net/o365/login?x=1", // the path is case-sensitive
	} {
		t.Run("miss "+value, func(t *testing.T) {
			_, err := p.Lookup(context.Background(), ind(t, value))
			if !errors.Is(err, intel.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}

	// The full result of one hit.
	r, err := p.Lookup(context.Background(), ind(t, "198.51.100.7"))
	if err != nil {
		t.Fatal(err)
	}
	wantResult := intel.Result{
		Indicator: "198.51.100.7", Type: ioc.IPv4, Severity: intel.SeverityHigh,
		Summary: "Cobalt Strike team server (cti-team, confidence 90) and 1 more",
		Details: map[string]any{"count": 2, "matches": []map[string]any{
			{"value": "198.51.100.7", "type": "ipv4", "severity": "high", "source": "cti-team", "origin": "feed.csv:3",
				"confidence": 90, "description": "Cobalt Strike team server", "tags": []string{"c2", "cobalt-strike"}},
			{"value": "198.51.100.7", "type": "ipv4", "severity": "warning", "source": "osint", "origin": "feed.csv:12",
				"confidence": 40, "description": `<script>alert(1)</script> =HYPERLINK("http://x")`},
		}},
	}
	if d := cmp.Diff(wantResult, r); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}

	s := p.Stats()
	if s.Files != 1 || s.Entries != 9 || s.Expired != 1 || s.LowConfidence != 0 {
		t.Errorf("Stats = %+v, want 1 file, 9 entries, 1 expired", s)
	}
}

func TestMinConfidence(t *testing.T) {
	p := load(t, Options{Files: []string{"testdata/feed.csv", "testdata/bundle.json"}, MinConfidence: 50})
	for _, v := range []string{"203.0.113.10", "198.51.100.70", "192.0.2.70"} {
		if _, err := p.Lookup(context.Background(), ind(t, v)); !errors.Is(err, intel.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound (confidence below 50)", v, err)
		}
	}
	// The confidence-40 row is dropped; the confidence-90 row stays.
	r, err := p.Lookup(context.Background(), ind(t, "198.51.100.7"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(brief{intel.SeverityHigh, "Cobalt Strike team server (cti-team, confidence 90)", 1}, briefOf(r)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Entries without a confidence are kept.
	if _, err := p.Lookup(context.Background(), ind(t, "192.0.2.10")); err != nil {
		t.Errorf("192.0.2.10: %v", err)
	}
	if s := p.Stats(); s.LowConfidence != 5 {
		t.Errorf("LowConfidence = %d, want 5 (2 CSV rows, 3 values of one STIX pattern)", s.LowConfidence)
	}
}

func TestAliasHeaders(t *testing.T) {
	p := load(t, Options{Files: []string{"testdata/alias.csv"}})
	want := map[string]brief{
		"2001:db8::bad:1":                          {intel.SeverityHigh, "Sliver C2 (hunt-team, confidence 95)", 1},
		"cdn.example.com":                          {intel.SeverityWarning, "in local feed (alias.csv)", 1},
		"3395856ce81f2b7382dee72602f798b642f14140": {intel.SeverityHigh, "EICAR (SHA-1) (av-team, confidence 85)", 1},
	}
	for value, w := range want {
		r, err := p.Lookup(context.Background(), ind(t, value))
		if err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		if d := cmp.Diff(w, briefOf(r)); d != "" {
			t.Errorf("%s (-want +got):\n%s", value, d)
		}
	}
	r, _ := p.Lookup(context.Background(), ind(t, "2001:db8::bad:1"))
	m := r.Details["matches"].([]map[string]any)[0]
	if d := cmp.Diff([]string{"c2", "sliver"}, m["tags"]); d != "" {
		t.Errorf("tags (-want +got):\n%s", d)
	}
	if m["valid_until"] != "2026-01-01T00:00:00Z" {
		t.Errorf("valid_until = %v", m["valid_until"])
	}
}

func TestSTIX(t *testing.T) {
	clock := now
	p := load(t, Options{Files: []string{"testdata/bundle.json"}, Now: func() time.Time { return clock }})
	want := map[string]brief{
		"198.51.100.23":     {intel.SeverityHigh, "Emotet C2 (ACME CTI, confidence 85)", 1},
		"dl.example.net":    {intel.SeverityWarning, "QakBot delivery domains (ACME CTI, confidence 60)", 1},
		"files.example.net": {intel.SeverityWarning, "QakBot delivery domains (ACME CTI, confidence 60)", 1},
		// OR across observations: a URL and two hashes.
		"http://198.51.100.23/gate.php?id=7":                               {intel.SeverityWarning, "Loader and its download URL (bundle.json)", 1},
		"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f": {intel.SeverityWarning, "Loader and its download URL (bundle.json)", 1},
		"E99A18C428CB38D5F260853678922E03":                                 {intel.SeverityWarning, "Loader and its download URL (bundle.json)", 1},
		// Read in part: the SHA-512 half is not.
		"da39a3ee5e6b4b0d3255bfef95601890afd80709": {intel.SeverityWarning, "Payload (SHA-1) (bundle.json, confidence 75)", 1},
		"cfo.office@example.org":                   {intel.SeverityWarning, "BEC sender (bundle.json, confidence 50)", 1},
		// The later version wins.
		"update.example.org":            {intel.SeverityHigh, "Fake software update server (bundle.json, confidence 95)", 1},
		"192.0.2.100":                   {intel.SeverityWarning, "Scanner pool (bundle.json, confidence 20)", 1},
		"198.51.100.71":                 {intel.SeverityWarning, "Scanner pool (bundle.json, confidence 20)", 1},
		"https://example.com/it's/here": {intel.SeverityWarning, "Quoted path (bundle.json)", 1},
	}
	for value, w := range want {
		t.Run(value, func(t *testing.T) {
			r, err := p.Lookup(context.Background(), ind(t, value))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(w, briefOf(r)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	misses := map[string]string{
		"198.51.100.50":      "revoked",
		"198.51.100.51":      "expired",
		"198.51.100.52":      "AND pattern",
		"beacon.example.com": "AND pattern",
		"198.51.100.60":      "not yet valid",
		"192.0.2.128":        "outside the /26",
	}
	for value, why := range misses {
		t.Run("miss "+value, func(t *testing.T) {
			if _, err := p.Lookup(context.Background(), ind(t, value)); !errors.Is(err, intel.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", why, err)
			}
		})
	}

	r, err := p.Lookup(context.Background(), ind(t, "198.51.100.23"))
	if err != nil {
		t.Fatal(err)
	}
	wantDetails := map[string]any{"count": 1, "matches": []map[string]any{{
		"value": "198.51.100.23", "type": "ipv4", "severity": "high", "source": "ACME CTI",
		"origin": "bundle.json indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "confidence": 85,
		"name": "Emotet C2", "description": "Emotet epoch 5 controller", "tags": []string{"emotet", "c2"},
		"valid_from": "2024-02-01T10:00:00Z",
	}}}
	if d := cmp.Diff(wantDetails, r.Details); d != "" {
		t.Errorf("Details (-want +got):\n%s", d)
	}

	s := p.Stats()
	wantStats := Stats{
		Files: 1, Entries: 14, Revoked: 1, Expired: 1, NotYetValid: 1, Superseded: 1,
		Unreadable: 2, UnreadableFirst: []Skipped{
			{"testdata/bundle.json", "indicator--ae5a9c7d-6f8b-4c2d-9e4f-5a6b7c8d9e16", "AND between observations is not read: its values do not stand alone"},
			{"testdata/bundle.json", "indicator--bf6bad8e-7a9c-4d3e-8f5a-6b7c8d9e0f17", `pattern_type "sigma"`},
		},
		Partial: 1, PartialFirst: []Skipped{
			{"testdata/bundle.json", "indicator--6a1c5f3e-2b4d-4e8f-9a0b-1c2d3e4f5a12", "object path file:hashes.'SHA-512' is not read"},
		},
	}
	if d := cmp.Diff(wantStats, s); d != "" {
		t.Errorf("Stats (-want +got):\n%s", d)
	}
	if got := s.String(); !strings.Contains(got, "14 entries from 1 files") || !strings.Contains(got, "2 unreadable") {
		t.Errorf("Stats.String() = %q", got)
	}

	// Validity is checked at lookup time, not only at load.
	clock = time.Date(2099, 1, 2, 0, 0, 0, 0, time.UTC)
	if _, err := p.Lookup(context.Background(), ind(t, "198.51.100.60")); err != nil {
		t.Errorf("198.51.100.60 in 2099: %v, want a hit", err)
	}
}

func TestLookupBatch(t *testing.T) {
	p := load(t, Options{Files: []string{"testdata/feed.csv", "testdata/bundle.json"}})
	inds := []ioc.Indicator{ind(t, "198.51.100.7"), ind(t, "198.51.100.8"), ind(t, "update.example.org")}
	rs, err := p.LookupBatch(context.Background(), inds)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Indicator)
	}
	if d := cmp.Diff([]string{"198.51.100.7", "update.example.org"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	e := &intel.Engine{Providers: []intel.Provider{p}, NoExternal: true}
	var statuses []string
	for _, r := range e.Lookup(context.Background(), append(inds, ind(t, "10.0.0.1"))) {
		statuses = append(statuses, r.Indicator+" "+string(r.Status))
	}
	want := []string{"10.0.0.1 not_found", "198.51.100.7 ok", "198.51.100.8 not_found", "update.example.org ok"}
	if d := cmp.Diff(want, statuses); d != "" {
		t.Errorf("engine (-want +got):\n%s", d)
	}
}

// TestLookupValues checks values a caller did not normalise, and kinds
// that must not cross.
func TestLookupValues(t *testing.T) {
	p := load(t, Options{Files: []string{"testdata/feed.csv"}})
	hits := []ioc.Indicator{
		{Kind: ioc.Hostname, Value: "EVIL-LOGIN.EXAMPLE.COM."},
		{Kind: ioc.MD5, Value: " 44D88612FEA8A8F36DE82E1278ABB02F "},
		{Kind: ioc.IPv4, Value: "::ffff:198.51.100.7"},
		{Kind: ioc.Domain, Value: "evil-login.example.com"}, // domain and host name match each other
	}
	for _, in := range hits {
		if _, err := p.Lookup(context.Background(), in); err != nil {
			t.Errorf("%v: %v", in, err)
		}
	}
	misses := []ioc.Indicator{
		{Kind: ioc.SHA256, Value: "44d88612fea8a8f36de82e1278abb02f"}, // an MD5 value under another kind
		{Kind: ioc.Email, Value: "evil-login.example.com"},
		{Kind: ioc.URL, Value: "https://login.example.net/o365/Login"},
		{Kind: ioc.IPv4, Value: "' OR 1=1 --"},
	}
	for _, in := range misses {
		if _, err := p.Lookup(context.Background(), in); !errors.Is(err, intel.ErrNotFound) {
			t.Errorf("%v: err = %v, want ErrNotFound", in, err)
		}
	}
	if _, err := p.Lookup(context.Background(), ioc.Indicator{Kind: "registry-key", Value: "HKLM"}); !errors.Is(err, intel.ErrUnsupported) {
		t.Errorf("unknown kind: err = %v, want ErrUnsupported", err)
	}
}

func TestBadFiles(t *testing.T) {
	_, err := New(Options{Files: []string{"testdata/bad.csv"}})
	if err == nil {
		t.Fatal("bad.csv loaded")
	}
	for _, want := range []string{
		"testdata/bad.csv:3: ioc: \"not an indicator\" is not an indicator",
		`testdata/bad.csv:4: unknown severity "critical"`,
		`testdata/bad.csv:5: confidence "120" is not a whole number from 0 to 100`,
		`testdata/bad.csv:6: "example.com" is a domain, not ipv4`,
		`testdata/bad.csv:7: valid_until: bad time "next tuesday"`,
		`testdata/bad.csv:8: extraneous or missing " in quoted-field`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "bad.csv:2:") {
		t.Errorf("the good row was blamed:\n%v", err)
	}

	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	long := strings.Repeat("a", 5000) + ".example.com"
	tests := []struct {
		name, file, body string
		want             []string
	}{
		{"no file", "", "", []string{"no such file"}},
		{"empty CSV", "empty.csv", "", []string{"empty.csv: empty file, want a header row"}},
		{"no indicator column", "nocol.csv", "name,severity\nx,high\n", []string{"nocol.csv:1: no indicator column"}},
		{"two indicator columns", "twocol.csv", "ioc,value\n192.0.2.1,192.0.2.2\n", []string{`twocol.csv:1: columns "ioc" and "value" say the same thing`}},
		{"unknown type", "type.csv", "value,type\n192.0.2.1,registry\n", []string{`type.csv:2: unknown type "registry"`}},
		{"ragged row", "ragged.csv", "value,type\n192.0.2.1,ipv4,extra\n", []string{"ragged.csv:2: wrong number of fields"}},
		{"control character", "ctl.csv", "value\n\"evil\x00.example.com\"\n", []string{"ctl.csv:2:", "white space or control characters"}},
		{"newline in a value", "nl.csv", "value\n\"192.0.2.1\nexample.com\"\n", []string{"nl.csv:2:"}},
		{"formula", "formula.csv", "value\n\"=cmd|' /C calc'!A0\"\n", []string{"formula.csv:2:"}},
		{"long value", "long.csv", "value\n" + long + "\n", []string{"long.csv:2:", "..."}},
		{"empty value", "blank.csv", "value,name\n,orphan\n", []string{"blank.csv:2: empty indicator"}},
		{"JSON syntax", "syntax.json", "{\"type\": \"bundle\",\n \"objects\": [\n {\"type\": \"indicator\",}\n]}", []string{"syntax.json:3: invalid character '}'"}},
		{"JSON cut off", "cut.json", "{\"type\": \"bundle\", \"objects\": [", []string{"cut.json:1: the JSON ends early"}},
		{"not a bundle", "report.json", `{"type": "report", "objects": []}`, []string{`report.json: not a STIX bundle (type "report")`}},
		{"JSON array", "array.json", `[1, 2]`, []string{"array.json: not a STIX bundle"}},
		{"bad confidence type", "conf.json", "{\"type\": \"bundle\", \"objects\": [\n  {\"type\": \"identity\", \"id\": \"identity--1\", \"name\": \"x\"},\n  {\"type\": \"indicator\", \"id\": \"indicator--2\", \"confidence\": \"high\", \"pattern\": \"[ipv4-addr:value = '192.0.2.1']\", \"pattern_type\": \"stix\"}\n]}",
			[]string{"conf.json:3: objects[1] (indicator--2): json: cannot unmarshal string"}},
		{"confidence out of range", "range.json", `{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--3", "confidence": 101, "pattern": "[ipv4-addr:value = '192.0.2.1']", "pattern_type": "stix"}]}`,
			[]string{"range.json:1: objects[0] (indicator--3): confidence 101 is not in 0–100"}},
		{"bad valid_until", "until.json", `{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--4", "valid_until": "soon", "pattern": "[ipv4-addr:value = '192.0.2.1']", "pattern_type": "stix"}]}`,
			[]string{`until.json:1: objects[0] (indicator--4): valid_until: bad time "soon"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.csv")
			if tc.file != "" {
				path = write(tc.file, tc.body)
			}
			_, err := New(Options{Files: []string{path}})
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
		})
	}

	if _, err := New(Options{}); err == nil {
		t.Error("New without files succeeded")
	}
	if _, err := New(Options{Files: []string{"testdata/feed.csv"}, MinConfidence: 101}); err == nil {
		t.Error("MinConfidence 101 accepted")
	}
}

func TestFormatDetection(t *testing.T) {
	dir := t.TempDir()
	bundle, err := os.ReadFile("testdata/bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	stix := filepath.Join(dir, "feed.txt")
	csv := filepath.Join(dir, "blocklist")
	if err := os.WriteFile(stix, append([]byte("\xEF\xBB\xBF\n  "), bundle...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csv, []byte("\xEF\xBB\xBFIOC\r\n192.0.2.44\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := load(t, Options{Files: []string{stix, csv}})
	for _, v := range []string{"198.51.100.23", "192.0.2.44"} {
		if _, err := p.Lookup(context.Background(), ind(t, v)); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		in      string
		want    []comparison
		wantErr string
	}{
		{"[ipv4-addr:value = '198.51.100.1']", []comparison{{"ipv4-addr:value", "=", []string{"198.51.100.1"}}}, ""},
		{"[ipv4-addr:value='198.51.100.1']", []comparison{{"ipv4-addr:value", "=", []string{"198.51.100.1"}}}, ""},
		{"[file:hashes.'SHA-256' = 'ab' OR (file:hashes.MD5 = 'cd' or url:value = 'x')]", []comparison{
			{"file:hashes.'SHA-256'", "=", []string{"ab"}}, {"file:hashes.MD5", "=", []string{"cd"}}, {"url:value", "=", []string{"x"}},
		}, ""},
		{"([a:value = '1'] OR [b:value = '2']) OR [c:value IN ('3', '4')]", []comparison{
			{"a:value", "=", []string{"1"}}, {"b:value", "=", []string{"2"}}, {"c:value", "IN", []string{"3", "4"}},
		}, ""},
		{"[email-message:to_refs[*].value = 'a@example.com']", []comparison{{"email-message:to_refs[*].value", "=", []string{"a@example.com"}}}, ""},
		{"[file:size > 1024 OR file:name NOT = 'x']", []comparison{{"file:size", ">", nil}, {"file:name", "NOT =", []string{"x"}}}, ""},
		{"[file:created = t'2016-01-01T00:00:00Z']", []comparison{{"file:created", "=", nil}}, ""},
		{`[url:value = 'a\'b\\c']`, []comparison{{"url:value", "=", []string{`a'b\c`}}}, ""},
		{"[a:value = '1'] AND [b:value = '2']", nil, "AND between observations"},
		{"[a:value = '1' AND b:value = '2']", nil, "AND in an observation"},
		{"[a:value = '1'] FOLLOWEDBY [b:value = '2']", nil, "FOLLOWEDBY"},
		{"[a:value = '1'] WITHIN 300 SECONDS", nil, "qualifier WITHIN"},
		{"[a:value = '1'] REPEATS 5 TIMES", nil, "qualifier REPEATS"},
		{"[a:value = '1'", nil, "ends early"},
		{"[a:value = 'unterminated]", nil, "unterminated string"},
		{`[a:value = 'bad \n escape']`, nil, "bad escape"},
		{"a:value = '1'", nil, "where an observation should start"},
		{"", nil, "ends early"},
		{"[]", nil, "object path"},
		{"[a:value = ]", nil, "where a value should be"},
		{"[a:value = '1'] OR", nil, "ends early"},
		{"[a:value = '1'] {", nil, "unexpected"},
		{"<html>", nil, "unexpected"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parsePattern(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want one mentioning %q (got %v)", err, tc.wantErr, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(comparison{})); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// FuzzParsePattern checks that no pattern makes the reader panic or loop.
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{
		"[ipv4-addr:value = '198.51.100.1']",
		"([a:value = '1'] OR [b:value IN ('2', '3')])",
		"[file:hashes.'SHA-256' = 'ab' OR (x:y NOT LIKE 'z')]",
		"[a:b[*].c = t'2020-01-01T00:00:00Z'] WITHIN 5 SECONDS",
		"[(((", "'", "[a:b = '\\",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := parsePattern(s)
		if err == nil && len(cs) == 0 {
			t.Errorf("%q: no comparisons and no error", s)
		}
	})
}
