package importer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The decoders' fuzz targets: whatever the bytes, a decoder does not panic,
// and an error it returns is a DecodeError naming the file and where in it
// (the pattern of each format's places). Inputs that once failed are kept
// in testdata/fuzz. Run one with a short minimisation, as the seeds are
// long and minimising each new input takes a minute by default:
//
//	go test -run '^$' -fuzz FuzzDecodeCSV -fuzztime 30s -fuzzminimizetime 1s ./internal/importer/

// seed adds the fixtures matching glob: whole up to 16 KiB, else their
// first 4 KiB (the fuzzer mutates large inputs slowly).
func seed(f *testing.F, glob string) {
	f.Helper()
	paths, err := filepath.Glob(glob)
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures %s: %v", glob, err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 16<<10 {
			b = b[:4096]
		}
		f.Add(b)
	}
}

func fuzzDecode(t *testing.T, format Format, data []byte, where *regexp.Regexp) {
	const name = "fuzz.input"
	_, err := decode(name, bytes.NewReader(data), format, "", "", func(r row) error {
		if r.rec == nil || r.table == "" || r.where == "" {
			t.Fatalf("row without record, table or place: %+v", r)
		}
		_, err := fingerprint(r.table, r.rec)
		return errAt(r.where, err)
	})
	if err == nil {
		return
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %q (%T) is not a DecodeError", err, err)
	}
	if de.File != name || !where.MatchString(de.Where) {
		t.Fatalf("error %q: file %q, place %q; want %q and a place matching %s", err, de.File, de.Where, name, where)
	}
}

func FuzzDecodeCSV(f *testing.F) {
	seed(f, "testdata/msticpy/*.csv")
	f.Add([]byte("TimeGenerated,Computer,Type\n2019-01-15,h1\n"))
	f.Add([]byte("Type;TimeGenerated\nSyslog;2019-01-15\n"))
	where := regexp.MustCompile(`^(header|row \d+( \(line \d+\))?|offset \d+)$`)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, CSV, data, where) })
}

func FuzzDecodeLAJSON(f *testing.F) {
	seed(f, "testdata/msticpy/*.json")
	seed(f, "testdata/sentinel-api/oms-post-example.json")
	f.Add([]byte(`[{"TimeGenerated": "2019-01-15T05:15:02Z", "Type": "SecurityEvent", "EventID": 1}]`))
	f.Add([]byte(`{"TimeGenerated": "2019-01-15T05:15:02Z", "Type": "Syslog"}` + "\n" + `{"TimeGenerated": "2019-01-15T05:15:03Z", "Type": "Syslog"}`))
	f.Add([]byte(`{"Tables": [{"TableName": "T", "Rows": [["x"]], "Columns": [{"ColumnName": "Type", "DataType": "String"}]}]}`))
	where := regexp.MustCompile(`^(offset \d+|table .+|record \d+|line record \d+)$`)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, LAJSON, data, where) })
}

func FuzzDecodeIncidentsJSON(f *testing.F) {
	seed(f, "testdata/sentinel-api/Get*.json")
	f.Add([]byte(`[{"name": "x", "incidentNumber": 1, "alerts": [{"systemAlertId": "a"}], "entities": [{"kind": "Ip", "properties": {"address": "1.2.3.4"}}]}]`))
	f.Add([]byte(`{"incident": {"name": "x", "properties": {"incidentNumber": 2}}, "entities": {"entities": []}}`))
	where := regexp.MustCompile(`^(offset \d+|body|\[\d+\]|value|incident|alerts|entities)`)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, IncidentsJSON, data, where) })
}
