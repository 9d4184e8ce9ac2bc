package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
)

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServe(t *testing.T) {
	var out, errb lockedBuffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir}
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- Run(ctx, s, []string{"serve", "--listen", "127.0.0.1:0"}) }()

	var url string
	deadline := time.Now().Add(30 * time.Second)
	for url == "" && time.Now().Before(deadline) {
		if m := regexp.MustCompile(`triage: serving (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if url == "" {
		cancel()
		t.Fatalf("no URL printed: %s", errb.String())
	}
	res, err := http.Get(url + "providers")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "sentinel-ti") {
		t.Errorf("GET /providers: %d\n%.300s", res.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK && code != ExitInterrupt {
			t.Errorf("exit %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop when its context was cancelled")
	}
	if out.String() != "" {
		t.Errorf("stdout: %q, want nothing", out.String())
	}
}

func TestServeListenFlag(t *testing.T) {
	_, errOut, code := run(t, "serve", "--listen", "nonsense")
	if code != ExitUsage || !strings.Contains(errOut, "--listen") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
