package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
)

// testCacheDir is the user cache directory of every command a test runs:
// the demo workspace's file is built there once for the test binary and
// opened by every command after the first.
var testCacheDir string

// runCLIEnv, set to a cache directory, makes the test binary run the
// command line of its arguments instead of the tests: a real triage
// process for the tests that need one (TestMCPSubprocess), with the
// tests' clock and cache.
const runCLIEnv = "TRIAGE_TEST_RUN_CLI"

func TestMain(m *testing.M) {
	if dir := os.Getenv(runCLIEnv); dir != "" {
		// Signals as Main takes them: a server is stopped by SIGINT.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		s := &IO{Out: os.Stdout, Err: os.Stderr, Now: func() time.Time { return testNow },
			ConfigOptions: func(path string) config.LoadOptions {
				return config.LoadOptions{ConfigPath: path, UserCacheDir: dir}
			}}
		os.Exit(Run(ctx, s, os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "triage-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
