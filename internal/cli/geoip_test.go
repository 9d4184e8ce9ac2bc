package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/enrich/geoip"
)

const geoipTestdata = "../enrich/geoip/testdata/"

// geoipServer is a fake download server: MaxMind's .tar.gz under
// /maxmind/<edition> (Basic authentication as account "1", key "k"; 404 for
// an edition mapped to nil), and files by path. Other requests fail the
// test.
type geoipServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string // "path auth=<yes|no>"
}

func newGeoIPServer(t *testing.T, maxmind map[string][]byte, files map[string][]byte) *geoipServer {
	t.Helper()
	s := &geoipServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, key, hasAuth := r.BasicAuth()
		s.mu.Lock()
		s.reqs = append(s.reqs, r.URL.Path+map[bool]string{true: " auth=yes", false: " auth=no"}[hasAuth])
		s.mu.Unlock()
		if ed, ok := strings.CutPrefix(r.URL.Path, "/maxmind/"); ok && maxmind[ed] != nil {
			if user != "1" || key != "k" {
				http.Error(w, "Invalid license key", http.StatusUnauthorized)
				return
			}
			w.Write(geoipTarGz(t, ed+".mmdb", maxmind[ed]))
			return
		}
		if b, ok := maxmind[strings.TrimPrefix(r.URL.Path, "/maxmind/")]; ok && b == nil {
			http.NotFound(w, r) // an edition MaxMind does not have
			return
		}
		if b, ok := files[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		t.Errorf("unexpected request %s", r.URL)
		http.NotFound(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *geoipServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

func geoipTarGz(t *testing.T, name string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "Edition_20260101/" + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(b)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func geoipGzip(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func geoipFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(geoipTestdata + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// geoipConfig writes a triage.yaml with a geoip section and returns its
// path and the database folder.
func geoipConfig(t *testing.T, geoipYAML string) (cfg, folder string) {
	t.Helper()
	dir := t.TempDir()
	folder = filepath.Join(dir, "geoip")
	cfg = filepath.Join(dir, "triage.yaml")
	y := "geoip:\n  db_folder: " + folder + "\n" + geoipYAML
	if err := os.WriteFile(cfg, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, folder
}

func TestGeoIPUpdate(t *testing.T) {
	srv := newGeoIPServer(t, map[string][]byte{
		"GeoLite2-City": geoipFixture(t, "GeoLite2-City-Test.mmdb"),
		"GeoLite2-ASN":  geoipFixture(t, "GeoLite2-ASN-Test.mmdb"),
	}, nil)
	other := filepath.Join(t.TempDir(), "asn")
	cfg, folder := geoipConfig(t, `  databases: [GeoLite2-City.mmdb, `+other+`/GeoLite2-ASN.mmdb, notes.csv]
  account_id: "1"
  license_key: "k"
  download_url: `+srv.URL+`/maxmind/{edition}
`)
	out, errOut, code := run(t, "--config", cfg, "geoip", "update")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	city, asn := filepath.Join(folder, "GeoLite2-City.mmdb"), filepath.Join(other, "GeoLite2-ASN.mmdb")
	if want := city + "\n" + asn + "\n"; out != want {
		t.Errorf("stdout %q, want the files written, one a line: %q", out, want)
	}
	// A CSV file cannot come from MaxMind: a warning says so.
	if !strings.Contains(errOut, "notes.csv is not downloaded") {
		t.Errorf("stderr %q, want a warning that notes.csv is not downloaded", errOut)
	}
	want := []string{"/maxmind/GeoLite2-City auth=yes", "/maxmind/GeoLite2-ASN auth=yes"}
	if d := cmp.Diff(want, srv.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	db := geoip.Open(geoip.Options{Files: []string{city, asn}})
	defer db.Close()
	if p := db.Problems(); len(p) > 0 {
		t.Fatalf("downloaded files: %v", p)
	}
	l, err := db.Lookup(netip.MustParseAddr("89.160.20.112"))
	if err != nil || l.City != "Linköping" || l.ASN != 29518 {
		t.Errorf("Lookup in the downloaded files = %+v, %v; want Linköping, AS29518", l, err)
	}
}

func TestGeoIPUpdateNeedsAccount(t *testing.T) {
	srv := newGeoIPServer(t, nil, nil)
	tests := []struct {
		name, yaml string
		want       string
	}{
		{"neither", "", "set geoip.account_id and geoip.license_key in "},
		{"no key", `  account_id: "1"` + "\n", "set geoip.license_key in "},
		{"key from an unset variable", "  account_id: \"1\"\n  license_key: {env: TRIAGE_TEST_MAXMIND_KEY}\n", "set geoip.license_key (environment variable TRIAGE_TEST_MAXMIND_KEY is not set) in "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, folder := geoipConfig(t, tt.yaml+"  databases: [GeoLite2-City.mmdb]\n  download_url: "+srv.URL+"/maxmind/{edition}\n")
			out, errOut, code := run(t, "--config", cfg, "geoip", "update")
			if code != ExitConfig || out != "" {
				t.Fatalf("exit %d, stdout %q; want exit %d and nothing", code, out, ExitConfig)
			}
			for _, want := range []string{tt.want + cfg, "MaxMind account", "--url"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr %q does not say %q", errOut, want)
				}
			}
			if _, err := os.Stat(folder); err == nil {
				t.Errorf("%s created", folder)
			}
		})
	}
	if r := srv.requests(); len(r) != 0 {
		t.Errorf("requests %v, want none", r)
	}
}

func TestGeoIPUpdateUnauthorized(t *testing.T) {
	srv := newGeoIPServer(t, map[string][]byte{"GeoLite2-City": geoipFixture(t, "GeoLite2-City-Test.mmdb")}, nil)
	const key = "wrong-license-key-1234"
	cfg, folder := geoipConfig(t, `  databases: [GeoLite2-City.mmdb]
  account_id: "1"
  license_key: "`+key+`"
  download_url: `+srv.URL+`/maxmind/{edition}
`)
	old := geoipFixture(t, "GeoLite2-ASN-Test.mmdb")
	os.MkdirAll(folder, 0o700)
	dst := filepath.Join(folder, "GeoLite2-City.mmdb")
	if err := os.WriteFile(dst, old, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "--config", cfg, "geoip", "update")
	if code != ExitConfig || out != "" {
		t.Fatalf("exit %d, stdout %q; want exit %d and nothing", code, out, ExitConfig)
	}
	for _, want := range []string{"HTTP 401", "check the MaxMind account id and license key", "geoip.license_key in " + cfg} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q does not say %q", errOut, want)
		}
	}
	if strings.Contains(errOut, key) {
		t.Errorf("stderr %q shows the license key", errOut)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, old) {
		t.Error("the old database was changed")
	}
}

// --url replaces geoip.download_url; a .mmdb.gz file needs no account.
func TestGeoIPUpdateURL(t *testing.T) {
	city := geoipFixture(t, "GeoLite2-City-Test.mmdb")
	srv := newGeoIPServer(t, nil, map[string][]byte{
		"/files/GeoLite2-City.mmdb.gz":       geoipGzip(t, city),
		"/files/geo-whois-asn-country.mmdb":  geoipFixture(t, "GeoIP2-Country-Test.mmdb"),
		"/files/ip-location-db/asn-ipv4.csv": []byte("1.0.0.0,1.0.0.255,13335,Example\n"),
	})
	cfg, folder := geoipConfig(t, "  databases: [GeoLite2-City.mmdb]\n")
	for _, tt := range []struct{ url, file string }{
		{srv.URL + "/files/{edition}.mmdb.gz", "GeoLite2-City.mmdb"},
		{srv.URL + "/files/geo-whois-asn-country.mmdb", "geo-whois-asn-country.mmdb"},
		{srv.URL + "/files/ip-location-db/asn-ipv4.csv", "asn-ipv4.csv"},
	} {
		out, errOut, code := run(t, "--config", cfg, "geoip", "update", "--url", tt.url)
		if want := filepath.Join(folder, tt.file) + "\n"; code != ExitOK || out != want {
			t.Errorf("--url %s: exit %d, stdout %q, stderr %q; want exit 0 and %q", tt.url, code, out, errOut, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(folder, "GeoLite2-City.mmdb")); !bytes.Equal(b, city) {
		t.Error("GeoLite2-City.mmdb is not the database served, unpacked")
	}
	for _, r := range srv.requests() {
		if strings.HasSuffix(r, "auth=yes") {
			t.Errorf("request %s sent credentials", r)
		}
	}

	for _, bad := range []string{"ftp://example.com/{edition}", "files/{edition}.mmdb.gz", "https://"} {
		if _, errOut, code := run(t, "--config", cfg, "geoip", "update", "--url", bad); code != ExitUsage || !strings.Contains(errOut, "--url") {
			t.Errorf("--url %s: exit %d, stderr %q; want a usage error about --url", bad, code, errOut)
		}
	}
}

// One database failing does not stop the others; the exit status says the
// result is partial.
func TestGeoIPUpdatePartial(t *testing.T) {
	srv := newGeoIPServer(t, map[string][]byte{"GeoLite2-City": nil, "GeoLite2-ASN": geoipFixture(t, "GeoLite2-ASN-Test.mmdb")}, nil)
	cfg, folder := geoipConfig(t, `  databases: [GeoLite2-City.mmdb, GeoLite2-ASN.mmdb]
  account_id: "1"
  license_key: "k"
  download_url: `+srv.URL+`/maxmind/{edition}
`)
	out, errOut, code := run(t, "--config", cfg, "geoip", "update")
	if want := filepath.Join(folder, "GeoLite2-ASN.mmdb") + "\n"; code != ExitPartial || out != want {
		t.Errorf("exit %d, stdout %q; want exit %d and %q", code, out, ExitPartial, want)
	}
	if !strings.Contains(errOut, "GeoLite2-City") || !strings.Contains(errOut, "HTTP 404: no such database") {
		t.Errorf("stderr %q, want GeoLite2-City's failure", errOut)
	}
}

// A corrupt download fails the command and keeps the old file.
func TestGeoIPUpdateCorrupt(t *testing.T) {
	srv := newGeoIPServer(t, map[string][]byte{
		"GeoLite2-City": geoipFixture(t, "GeoIP2-City-Test-Broken-Double-Format.mmdb"),
	}, nil)
	cfg, folder := geoipConfig(t, `  databases: [GeoLite2-City.mmdb]
  account_id: "1"
  license_key: "k"
  download_url: `+srv.URL+`/maxmind/{edition}
`)
	good := geoipFixture(t, "GeoLite2-City-Test.mmdb")
	os.MkdirAll(folder, 0o700)
	dst := filepath.Join(folder, "GeoLite2-City.mmdb")
	if err := os.WriteFile(dst, good, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "--config", cfg, "geoip", "update")
	if code != ExitError || out != "" || !strings.Contains(errOut, "not a valid database") || !strings.Contains(errOut, "the old file, if any, is kept") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 saying the download is not valid and the old file is kept", code, out, errOut)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, good) {
		t.Error("the good database was replaced")
	}
}
