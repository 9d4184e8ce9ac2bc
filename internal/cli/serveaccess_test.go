package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
)

// startServe runs serve with args and env as its environment until the
// test ends, and returns its stderr once it printed the line it serves on.
func startServe(t *testing.T, env map[string]string, args ...string) *lockedBuffer {
	t.Helper()
	var out, errb lockedBuffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir, Getenv: func(k string) string { return env[k] }}
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- Run(ctx, s, append([]string{"serve"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(errb.String(), "triage: serving ") {
			return &errb
		}
		if len(done) > 0 {
			break
		}
	}
	t.Fatalf("serve printed no URL: %s", errb.String())
	return nil
}

// Off loopback, serve prints a URL a browser can open with a new token in
// it, once; every page answers 401 without it, and the token is exchanged
// for a cookie.
func TestServeTokenOffLoopback(t *testing.T) {
	errb := startServe(t, nil, "--listen", "0.0.0.0:0")
	m := regexp.MustCompile(`triage: serving (http://([^/]+)/)\?token=([0-9a-f]{48})\n`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("no URL with a token printed: %s", errb.String())
	}
	base, host, tok := m[1], m[2], m[3]
	if ip := net.ParseIP(strings.Trim(host[:strings.LastIndex(host, ":")], "[]")); ip == nil || ip.IsUnspecified() {
		t.Errorf("printed URL %s: want an address a browser can open", base)
	}
	if n := strings.Count(errb.String(), tok); n != 1 {
		t.Errorf("the token is printed %d times", n)
	}
	res, err := http.Get(base + "providers")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", res.StatusCode)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err = client.Get(base + "providers?token=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.RawQuery != "" || !strings.Contains(string(body), "sentinel-ti") {
		t.Errorf("with the token: %d at %s\n%.300s", res.StatusCode, res.Request.URL, body)
	}
	if strings.Count(errb.String(), tok) != 1 {
		t.Errorf("the token was printed again:\n%s", errb.String())
	}
}

// A token from the environment is asked for on loopback too, and is never
// printed.
func TestServeConfiguredToken(t *testing.T) {
	const tok = "configured-token-0123456789"
	errb := startServe(t, map[string]string{serveTokenEnv: tok}, "--listen", "127.0.0.1:0")
	m := regexp.MustCompile(`triage: serving (http://127\.0\.0\.1:\d+/) \(open it with \?token=`).FindStringSubmatch(errb.String())
	if m == nil || strings.Contains(errb.String(), tok) {
		t.Fatalf("the URL is not printed, or the token is:\n%s", errb.String())
	}
	res, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", res.StatusCode)
	}
	jar, _ := cookiejar.New(nil)
	res, err = (&http.Client{Jar: jar}).Get(m[1] + "?token=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("with the token: %d", res.StatusCode)
	}

	_, errOut, code := runWithEnv(t, map[string]string{serveTokenEnv: "short"}, "serve", "--listen", "127.0.0.1:0")
	if code != ExitConfig || !strings.Contains(errOut, serveTokenEnv) || strings.Contains(errOut, "short") {
		t.Errorf("a short token: exit %d: %s", code, errOut)
	}
}

// runWithEnv is run with env as the environment configuration reads.
func runWithEnv(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb lockedBuffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir, Getenv: func(k string) string { return env[k] }}
		},
	}
	code := Run(context.Background(), s, args)
	return out.String(), errb.String(), code
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "triage test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// --tls-cert and --tls-key serve HTTPS, with Secure cookies.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	errb := startServe(t, nil, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	m := regexp.MustCompile(`triage: serving (https://127\.0\.0\.1:\d+/)\n`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("no https URL printed: %s", errb.String())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := client.Get(m[1] + "providers")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "sentinel-ti") {
		t.Errorf("GET /providers over TLS: %d\n%.300s", res.StatusCode, body)
	}
	if c := res.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookies over TLS %v, want one Secure session cookie", c)
	}
	if res, err := http.Get(strings.Replace(m[1], "https", "http", 1) + "providers"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP: %d, want 400", res.StatusCode)
		}
	}

	for _, args := range [][]string{
		{"--tls-cert", certFile},
		{"--tls-key", keyFile},
		{"--tls-cert", keyFile, "--tls-key", certFile},
	} {
		_, errOut, code := run(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
		if code != ExitUsage || !strings.Contains(errOut, "--tls-") {
			t.Errorf("serve %v: exit %d: %s", args, code, errOut)
		}
	}
}

// The URL printed for an unspecified address is one of the machine's.
func TestBrowserURL(t *testing.T) {
	for _, c := range []struct {
		addr  *net.TCPAddr
		https bool
		want  string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, false, "http://127.0.0.1:8080/"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 8443}, true, "https://[::1]:8443/"},
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 80}, false, "http://192.0.2.7:80/"},
	} {
		if got := browserURL(c.addr, c.https); got != c.want {
			t.Errorf("browserURL(%s) = %s, want %s", c.addr, got, c.want)
		}
	}
	for _, ip := range []net.IP{net.IPv4zero, net.IPv6unspecified} {
		got := browserURL(&net.TCPAddr{IP: ip, Port: 8080}, false)
		if strings.Contains(got, "0.0.0.0") || strings.Contains(got, "[::]") || !strings.HasSuffix(got, ":8080/") {
			t.Errorf("browserURL(%s) = %s, want an address of this machine", ip, got)
		}
	}
}
