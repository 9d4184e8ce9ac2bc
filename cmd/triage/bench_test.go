package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkFirstContact times what a new user meets on the demo workspace,
// as whole processes of the built binary: the first command of a day (the
// demo's file built), then with the file in place `triage incidents`,
// `triage run 121 --format json`, and the first page of `triage serve`
// (from the process's start to the page's last byte). peak-MB is the
// process's maximum resident set.
func BenchmarkFirstContact(b *testing.B) {
	bin := binary(b)
	home := b.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "MSTICPYCONFIG=" + filepath.Join(home, "none.yaml")}
	run := func(b *testing.B, env []string, args ...string) *os.ProcessState {
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Dir = env, home
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("triage %s: %v\n%.500s", strings.Join(args, " "), err, out)
		}
		return cmd.ProcessState
	}
	peak := func(b *testing.B, ps *os.ProcessState) {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB") // KiB on Linux
		}
	}

	b.Run("first-command-of-a-day", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			cache := b.TempDir()
			env := append(env[:len(env):len(env)], "XDG_CACHE_HOME="+cache)
			b.StartTimer()
			peak(b, run(b, env, "incidents"))
		}
	})
	run(b, env, "incidents") // the demo's file for the rest
	b.Run("incidents", func(b *testing.B) {
		for range b.N {
			peak(b, run(b, env, "incidents"))
		}
	})
	b.Run("run-121-json", func(b *testing.B) {
		for range b.N {
			peak(b, run(b, env, "run", "121", "--format", "json"))
		}
	})
	b.Run("serve-first-page", func(b *testing.B) {
		for range b.N {
			cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0")
			cmd.Env, cmd.Dir = env, home
			stderr, err := cmd.StderrPipe()
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			lines := bufio.NewScanner(stderr)
			var base string
			for base == "" && lines.Scan() {
				base, _ = strings.CutPrefix(lines.Text(), "triage: serving ")
			}
			res, err := http.Get(base)
			if err == nil {
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			elapsed := time.Since(start)
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
			if err != nil || res.StatusCode != http.StatusOK {
				b.Fatalf("first page: %v %v", err, res)
			}
			b.ReportMetric(elapsed.Seconds(), "s-to-page")
		}
	})
}
