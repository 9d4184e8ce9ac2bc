package geoip

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	testAccount = "987654"
	testKey     = "Zq7-license-key-never-shown"
	// mmPath is MaxMind's download path, {edition} for the edition.
	mmPath = "/geoip/databases/{edition}/download"
)

// fakeServer serves files by path, checks MaxMind's Basic authentication
// when the path asks for it, and fails the test on any other request.
type fakeServer struct {
	*httptest.Server
	t     testing.TB
	mu    sync.Mutex
	files map[string]response
	log   []string // "path auth=<yes|no>", in order
}

type response struct {
	body   []byte
	status int  // 0 is 200
	auth   bool // needs testAccount and testKey
}

func newFakeServer(t testing.TB, files map[string]response) *fakeServer {
	s := &fakeServer{t: t, files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, hasAuth := r.BasicAuth()
	s.mu.Lock()
	s.log = append(s.log, r.URL.Path+" auth="+map[bool]string{true: "yes", false: "no"}[hasAuth])
	resp, ok := s.files[r.URL.Path]
	s.mu.Unlock()
	switch {
	case !ok:
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	case resp.auth && (user != testAccount || pass != testKey):
		http.Error(w, "Your account ID or license key could not be authenticated.", http.StatusUnauthorized)
	case resp.status != 0:
		w.WriteHeader(resp.status)
	default:
		w.Write(resp.body)
	}
}

func (s *fakeServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// edition returns MaxMind's download path of an edition.
func edition(e string) string { return strings.ReplaceAll(mmPath, "{edition}", e) }

// maxmindTarGz returns a .tar.gz as MaxMind serves it: a dated directory
// holding the database and license files.
func maxmindTarGz(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := []string{}
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b := files[n]
		if err := tw.WriteHeader(&tar.Header{Name: "Test_20260101/" + n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dirEntries returns the names in dir: temporary files must not be left.
func dirEntries(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestUpdateMaxMind(t *testing.T) {
	city, asn := readFile(t, cityDB), readFile(t, asnDB)
	srv := newFakeServer(t, map[string]response{
		edition("GeoLite2-City"): {body: maxmindTarGz(t, map[string][]byte{"GeoLite2-City.mmdb": city, "LICENSE.txt": []byte("licence"), "COPYRIGHT.txt": []byte("c")}), auth: true},
		edition("GeoLite2-ASN"):  {body: maxmindTarGz(t, map[string][]byte{"GeoLite2-ASN.mmdb": asn}), auth: true},
	})
	dir := filepath.Join(t.TempDir(), "data", "geoip")
	got, err := Update(context.Background(), UpdateOptions{
		Dir: dir, Editions: []string{"GeoLite2-City", "GeoLite2-ASN"},
		AccountID: testAccount, LicenseKey: testKey,
		URL: srv.URL + mmPath + "?suffix=tar.gz",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "GeoLite2-City.mmdb"), filepath.Join(dir, "GeoLite2-ASN.mmdb")}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files written (-want +got):\n%s", d)
	}
	if !bytes.Equal(readFile(t, want[0]), city) || !bytes.Equal(readFile(t, want[1]), asn) {
		t.Error("the files written are not the databases in the archives")
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory created with %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	if d := cmp.Diff([]string{"GeoLite2-ASN.mmdb", "GeoLite2-City.mmdb"}, dirEntries(t, dir)); d != "" {
		t.Errorf("files left in the directory (-want +got):\n%s", d)
	}
	wantLog := []string{edition("GeoLite2-City") + " auth=yes", edition("GeoLite2-ASN") + " auth=yes"}
	if d := cmp.Diff(wantLog, srv.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	db := open(t, Options{Files: got})
	noProblems(t, db)
	l, err := db.Lookup(netip.MustParseAddr("89.160.20.112"))
	if err != nil || l.City != "Linköping" || l.ASN != 29518 {
		t.Errorf("Lookup in the downloaded files = %+v, %v; want Linköping, AS29518", l, err)
	}
}

// The new file replaces the old one by rename: a reader holding the old
// one open keeps reading it, and a new reader gets the new one.
func TestUpdateReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "GeoLite2-City.mmdb")
	copyFile(t, asnDB, dst) // the "old" database: the ASN one
	before, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	old := open(t, Options{Files: []string{dst}})
	noProblems(t, old)

	srv := newFakeServer(t, map[string]response{
		edition("GeoLite2-City"): {body: maxmindTarGz(t, map[string][]byte{"GeoLite2-City.mmdb": readFile(t, cityDB)}), auth: true},
	})
	if _, err := Update(context.Background(), UpdateOptions{
		Dir: dir, Editions: []string{"GeoLite2-City"}, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + mmPath,
	}); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("the file was rewritten in place, not replaced")
	}
	if l, err := old.Lookup(netip.MustParseAddr("1.0.0.1")); err != nil || l.ASN != 15169 {
		t.Errorf("the reader of the old file: Lookup = %+v, %v; want AS15169 from the old file", l, err)
	}
	if l, err := open(t, Options{Files: []string{dst}}).Lookup(netip.MustParseAddr("81.2.69.142")); err != nil || l.City != "London" {
		t.Errorf("a new reader: Lookup = %+v, %v; want London from the new file", l, err)
	}
}

func TestUpdateUnauthorized(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "GeoLite2-City.mmdb")
	copyFile(t, cityDB, dst)
	srv := newFakeServer(t, map[string]response{
		edition("GeoLite2-City"): {auth: true},
		edition("GeoLite2-ASN"):  {auth: true},
	})
	const wrongKey = "wrong-license-key-42"
	got, err := Update(context.Background(), UpdateOptions{
		Dir: dir, Editions: []string{"GeoLite2-City", "GeoLite2-ASN"},
		AccountID: testAccount, LicenseKey: wrongKey, URL: srv.URL + mmPath + "?suffix=tar.gz",
	})
	if !errors.Is(err, ErrUnauthorized) || len(got) != 0 {
		t.Fatalf("Update = %v, %v; want nothing written and ErrUnauthorized", got, err)
	}
	msg := err.Error()
	for _, want := range []string{"GeoLite2-City", "HTTP 401", "check the MaxMind account id and license key"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	for _, secret := range []string{wrongKey, testAccount} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q shows a credential", msg)
		}
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1: a refusal stops the other editions", n)
	}
	if !bytes.Equal(readFile(t, dst), readFile(t, cityDB)) {
		t.Error("the old file was changed")
	}
}

func TestUpdateBadDownloadKeepsOldFile(t *testing.T) {
	good := readFile(t, cityDB)
	broken := readFile(t, brokenDB)
	tgz := maxmindTarGz(t, map[string][]byte{"GeoLite2-City.mmdb": good})
	tests := []struct {
		name string
		resp response
		says string
	}{
		{"not a database", response{body: maxmindTarGz(t, map[string][]byte{"GeoLite2-City.mmdb": []byte("<html>maintenance</html>")})}, "not a valid database"},
		{"damaged records", response{body: maxmindTarGz(t, map[string][]byte{"GeoLite2-City.mmdb": broken})}, "not a valid database"},
		{"truncated database", response{body: maxmindTarGz(t, map[string][]byte{"GeoLite2-City.mmdb": good[:len(good)/2]})}, "not a valid database"},
		{"cut short", response{body: tgz[:len(tgz)/2]}, "cut short"},
		{"not gzip", response{body: []byte("<html>oops</html>")}, "not a gzip file"},
		{"wrong archive", response{body: maxmindTarGz(t, map[string][]byte{"GeoLite2-Country.mmdb": good})}, "the archive has no GeoLite2-City.mmdb (it has Test_20260101/GeoLite2-Country.mmdb)"},
		{"server error", response{status: http.StatusBadGateway}, "HTTP 502: try again later"},
		{"no such edition", response{status: http.StatusNotFound}, "HTTP 404: no such database: check the edition"},
		{"too many", response{status: http.StatusTooManyRequests}, "HTTP 429: too many downloads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "GeoLite2-City.mmdb")
			old := readFile(t, asnDB)
			copyFile(t, asnDB, dst)
			srv := newFakeServer(t, map[string]response{edition("GeoLite2-City"): tt.resp})
			got, err := Update(context.Background(), UpdateOptions{
				Dir: dir, Editions: []string{"GeoLite2-City"}, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + mmPath,
			})
			if err == nil || len(got) != 0 {
				t.Fatalf("Update = %v, %v; want an error and nothing written", got, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "GeoLite2-City") || !strings.Contains(msg, tt.says) {
				t.Errorf("error %q; want it to name GeoLite2-City and say %q", msg, tt.says)
			}
			if !bytes.Equal(readFile(t, dst), old) {
				t.Error("the old file was changed")
			}
			if d := cmp.Diff([]string{"GeoLite2-City.mmdb"}, dirEntries(t, dir)); d != "" {
				t.Errorf("files left in the directory (-want +got):\n%s", d)
			}
		})
	}
}

// A failed edition does not stop the others.
func TestUpdatePartial(t *testing.T) {
	srv := newFakeServer(t, map[string]response{
		edition("GeoLite2-City"): {status: http.StatusInternalServerError},
		edition("GeoLite2-ASN"):  {body: maxmindTarGz(t, map[string][]byte{"GeoLite2-ASN.mmdb": readFile(t, asnDB)}), auth: true},
	})
	dir := t.TempDir()
	got, err := Update(context.Background(), UpdateOptions{
		Dir: dir, Editions: []string{"GeoLite2-City", "GeoLite2-ASN"}, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + mmPath,
	})
	if err == nil || !strings.Contains(err.Error(), "GeoLite2-City") || strings.Contains(err.Error(), "GeoLite2-ASN") {
		t.Errorf("error %v, want one about GeoLite2-City only", err)
	}
	if d := cmp.Diff([]string{filepath.Join(dir, "GeoLite2-ASN.mmdb")}, got); d != "" {
		t.Errorf("files written (-want +got):\n%s", d)
	}
}

// .mmdb.gz and .csv.gz URLs are downloaded without credentials, unpacked
// and named after the URL.
func TestUpdatePlainFiles(t *testing.T) {
	csv := readFile(t, cityCSV)
	srv := newFakeServer(t, map[string]response{
		"/dbip/dbip-city-lite-2026-01.mmdb.gz":            {body: gzipped(t, readFile(t, cityDB))},
		"/npm/@ip-location-db/dbip-city/city-ipv4.csv.gz": {body: gzipped(t, csv)},
		"/npm/@ip-location-db/asn/asn.csv":                {body: readFile(t, asnCSV)},
	})
	dir := t.TempDir()
	for _, tt := range []struct {
		url      string
		editions []string
		want     []string
	}{
		{srv.URL + "/dbip/dbip-city-lite-2026-01.mmdb.gz", []string{"ignored"}, []string{"dbip-city-lite-2026-01.mmdb"}},
		{srv.URL + "/npm/@ip-location-db/{edition}/city-ipv4.csv.gz", []string{"dbip-city"}, []string{"city-ipv4.csv"}},
		{srv.URL + "/npm/@ip-location-db/{edition}/{edition}.csv", []string{"asn"}, []string{"asn.csv"}},
	} {
		got, err := Update(context.Background(), UpdateOptions{
			Dir: dir, Editions: tt.editions, URL: tt.url,
			AccountID: testAccount, LicenseKey: testKey, // set, and still not sent
		})
		if err != nil {
			t.Fatalf("Update(%s): %v", tt.url, err)
		}
		var want []string
		for _, w := range tt.want {
			want = append(want, filepath.Join(dir, w))
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("Update(%s) wrote (-want +got):\n%s", tt.url, d)
		}
	}
	for _, r := range srv.requests() {
		if strings.HasSuffix(r, "auth=yes") {
			t.Errorf("request %s sent the MaxMind credentials elsewhere", r)
		}
	}
	if !bytes.Equal(readFile(t, filepath.Join(dir, "city-ipv4.csv")), csv) {
		t.Error("city-ipv4.csv is not the CSV file served, unpacked")
	}
	db := open(t, Options{Files: []string{filepath.Join(dir, "dbip-city-lite-2026-01.mmdb"), filepath.Join(dir, "city-ipv4.csv"), filepath.Join(dir, "asn.csv")}})
	noProblems(t, db)
	if l, err := db.Lookup(netip.MustParseAddr("203.0.113.9")); err != nil || l.City != "Mountain View, CA" || l.ASN != 64500 {
		t.Errorf("Lookup = %+v, %v; want Mountain View and AS64500 from the downloaded CSV files", l, err)
	}
}

func TestUpdateRefusesBeforeDownloading(t *testing.T) {
	srv := newFakeServer(t, map[string]response{})
	dir := t.TempDir()
	tests := []struct {
		name string
		o    UpdateOptions
		is   error
		says string
	}{
		{"no key", UpdateOptions{Dir: dir, Editions: []string{"GeoLite2-City"}, AccountID: testAccount, URL: srv.URL + mmPath}, ErrNoCredentials, "account id and license key"},
		{"no account", UpdateOptions{Dir: dir, Editions: []string{"GeoLite2-City"}, LicenseKey: testKey}, ErrNoCredentials, "account id and license key"},
		{"bad edition", UpdateOptions{Dir: dir, Editions: []string{"../../etc/passwd"}, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + mmPath}, nil, "not an edition name"},
		{"no edition", UpdateOptions{Dir: dir, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + mmPath}, nil, "no edition"},
		{"no {edition}", UpdateOptions{Dir: dir, Editions: []string{"GeoLite2-City"}, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + "/download?license_key=" + testKey}, nil, "needs {edition}"},
		{"no dir", UpdateOptions{Editions: []string{"GeoLite2-City"}, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + mmPath}, nil, "no directory"},
		{"relative URL", UpdateOptions{Dir: dir, Editions: []string{"x"}, URL: "files/{edition}.mmdb.gz"}, nil, "want an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Update(context.Background(), tt.o)
			if err == nil || len(got) != 0 || !strings.Contains(err.Error(), tt.says) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Update = %v, %v; want an error saying %q", got, err, tt.says)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q shows the license key", err)
			}
		})
	}
	if r := srv.requests(); len(r) != 0 {
		t.Errorf("requests %v, want none", r)
	}
	if d := dirEntries(t, dir); len(d) != 0 {
		t.Errorf("files %v written", d)
	}
}

func TestUpdateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv := newFakeServer(t, map[string]response{})
	_, err := Update(ctx, UpdateOptions{Dir: t.TempDir(), Editions: []string{"a", "b"}, AccountID: testAccount, LicenseKey: testKey, URL: srv.URL + mmPath})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a cancelled context: %v, want context.Canceled", err)
	}
	if strings.Count(err.Error(), "geoip: update") != 1 {
		t.Errorf("error %q: want one edition tried, then a stop", err)
	}
}

func TestNeedsCredentials(t *testing.T) {
	for u, want := range map[string]bool{
		"":                                 true,
		DefaultURL:                         true,
		"https://mirror.example/{edition}": true,
		"https://download.db-ip.com/free/dbip-city-lite-2026-01.mmdb.gz":    false,
		"https://cdn.example/npm/@ip-location-db/{edition}/x.CSV.GZ?v=1":    false,
		"https://cdn.example/npm/@ip-location-db/asn-mmdb/asn-ipv4.mmdb":    false,
		"https://cdn.example/npm/@ip-location-db/asn/asn-ipv4.csv#fragment": false,
	} {
		if got := NeedsCredentials(u); got != want {
			t.Errorf("NeedsCredentials(%q) = %v, want %v", u, got, want)
		}
	}
}
