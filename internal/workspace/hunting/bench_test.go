package hunting

import (
	"fmt"
	"testing"

	"github.com/triage-dev/triage/internal/workspace/hunting/huntingtest"
)

// BenchmarkDecodeRowCap decodes an answer at advanced hunting's row cap:
// 100,000 rows of the columns of a summary query (text, a datetime, a long,
// a dynamic), the most one call can bring.
func BenchmarkDecodeRowCap(b *testing.B) {
	rows := make([]map[string]any, DefaultMaxRows)
	for i := range rows {
		rows[i] = map[string]any{
			"Value": fmt.Sprintf("wks-%06d.contoso.example", i), "Source": "DeviceProcessEvents",
			"CommandLine": `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -EncodedCommand SQBFAFgA`,
			"Count":       i, "FirstSeen": "2026-12-07T09:39:50.7688641Z", "Sources": []string{"DeviceProcessEvents"},
		}
	}
	body := huntingtest.Table([]huntingtest.Column{{Name: "Value", Type: "String"}, {Name: "Source", Type: "String"},
		{Name: "CommandLine", Type: "String"}, {Name: "Count", Type: "Int64"}, {Name: "FirstSeen", Type: "DateTime"},
		{Name: "Sources", Type: "Object"}}, rows...).Body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		t, err := decode(body)
		if err != nil || len(t.Rows) != DefaultMaxRows {
			b.Fatalf("%d rows, %v", len(t.Rows), err)
		}
	}
}
