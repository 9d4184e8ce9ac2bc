package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var importMB = flag.Int("import-mb", 200, "BenchmarkImportLargeExport: size of the generated export, in MiB")

// BenchmarkImportLargeExport imports a Log Analytics query export of
// -import-mb MiB (synthetic SecurityEvent process-creation rows, written to
// a temporary directory, about 1 KiB each) into a new workspace file, as a
// whole `triage import` process of the built binary, then imports it again
// (every row a duplicate). import-peak-MB and again-peak-MB are the
// processes' maximum resident sets, s/import and s/again their wall times.
func BenchmarkImportLargeExport(b *testing.B) {
	bin := binary(b)
	dir := b.TempDir()
	export := filepath.Join(dir, "export.json")
	size, rows := writeLAExport(b, export, int64(*importMB)<<20)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "MSTICPYCONFIG=" + filepath.Join(dir, "none.yaml")}
	run := func(db, want, unit string) {
		cmd := exec.Command(bin, "import", "--db", db, export)
		cmd.Env, cmd.Dir = env, dir
		start := time.Now()
		out, err := cmd.CombinedOutput()
		elapsed := time.Since(start)
		if err != nil || !strings.Contains(string(out), want) {
			b.Fatalf("triage import: %v\n%.1000s", err, out)
		}
		b.ReportMetric(elapsed.Seconds(), "s/"+unit)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			b.ReportMetric(float64(ru.Maxrss)/1024, unit+"-peak-MB") // KiB on Linux
		}
	}
	b.ResetTimer()
	for range b.N {
		db := filepath.Join(b.TempDir(), "ws.db")
		run(db, fmt.Sprintf("%d added", rows), "import")
		// The same file again: every row is already there.
		run(db, fmt.Sprintf("0 added, %d already imported", rows), "again")
	}
	b.ReportMetric(float64(size)/(1<<20), "export-MiB")
	b.ReportMetric(float64(rows), "rows")
}

// writeLAExport writes a Log Analytics query API response ({"tables":
// [{"name", "columns", "rows"}]}) of at least size bytes, and returns its
// size and row count.
func writeLAExport(b *testing.B, path string, size int64) (int64, int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cols := []string{"TimeGenerated:datetime", "Type:string", "Computer:string", "EventID:int", "Account:string",
		"TargetUserName:string", "IpAddress:string", "LogonType:int", "Activity:string", "NewProcessName:string",
		"ParentProcessName:string", "CommandLine:string", "ProcessId:string", "TenantId:string", "SourceSystem:string"}
	fmt.Fprint(w, `{"tables":[{"name":"PrimaryResult","columns":[`)
	for i, c := range cols {
		name, typ, _ := strings.Cut(c, ":")
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"name":%q,"type":%q}`, name, typ)
	}
	fmt.Fprint(w, `],"rows":[`)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	args := strings.Repeat(" -ExecutionPolicy Bypass -NoProfile -EncodedCommand SQBFAFgAKABOAGUAdwAtAE8AYgBqAGUAYwB0ACAA", 9)
	var written int64
	n := 0
	for ; written < size; n++ {
		if n > 0 {
			w.WriteByte(',')
		}
		host := fmt.Sprintf("host-%03d.contoso.com", n%400)
		user := fmt.Sprintf("user%04d", n%5000)
		line := fmt.Sprintf(`["%s","SecurityEvent",%q,4688,"CONTOSO\\%s",%q,"10.%d.%d.%d",3,"4688 - A new process has been created.","C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","C:\\Windows\\explorer.exe","powershell.exe%s #%d","0x%x","b1b6e3a5-0000-4000-8000-000000000001","OpsManager"]`,
			t0.Add(time.Duration(n)*time.Second).Format(time.RFC3339), host, user, user, n>>16&255, n>>8&255, n&255, args, n, n)
		written += int64(len(line)) + 1
		w.WriteString(line)
	}
	fmt.Fprint(w, "]}]}\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size(), n
}
