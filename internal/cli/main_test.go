package cli

import (
	"fmt"
	"os"
	"testing"
)

// testCacheDir is the user cache directory of every command a test runs:
// the demo workspace's file is built there once for the test binary and
// opened by every command after the first.
var testCacheDir string

func TestMain(m *testing.M) {
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
