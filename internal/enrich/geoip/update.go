package geoip

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DefaultURL is MaxMind's download service. It needs an account id and
// license key and serves a .tar.gz holding <edition>.mmdb.
const DefaultURL = "https://download.maxmind.com/geoip/databases/{edition}/download?suffix=tar.gz"

// maxFileSize bounds a database, unpacked: the largest city databases are
// a few hundred MiB.
const maxFileSize = 4 << 30

// ErrNoCredentials is returned by Update when a MaxMind download has no
// account id or license key.
var ErrNoCredentials = errors.New("a MaxMind download needs an account id and license key")

// ErrUnauthorized is returned by Update when the server refuses the
// download (HTTP 401 or 403).
var ErrUnauthorized = errors.New("download refused: check the MaxMind account id and license key")

// UpdateOptions says what Update downloads.
type UpdateOptions struct {
	// Dir is where the files go; it is created (0700) if need be.
	Dir string
	// Editions are the databases to download, e.g. GeoLite2-City and
	// GeoLite2-ASN; each replaces {edition} in URL.
	Editions []string
	// AccountID and LicenseKey are the MaxMind account, sent with HTTP Basic
	// authentication to MaxMind URLs only. Neither appears in errors.
	AccountID  string
	LicenseKey string
	// URL is the download address ("" is DefaultURL); {edition} stands for
	// the edition. A URL whose path ends in .mmdb.gz or .csv.gz (DB-IP
	// Lite, ip-location-db) is downloaded without authentication and
	// unpacked, a URL ending in .mmdb or .csv is downloaded as is; the file
	// is named after the URL, less .gz. Any other URL is MaxMind's kind: a
	// .tar.gz holding <edition>.mmdb, saved as <edition>.mmdb.
	URL string
	// HTTP is the client to use; nil is one with a 30-minute timeout.
	HTTP *http.Client
}

// NeedsCredentials reports whether downloads from rawURL ("" is DefaultURL)
// are MaxMind's, needing an account id and license key.
func NeedsCredentials(rawURL string) bool {
	return urlKind(rawURL) == ""
}

// urlKind returns how a download from rawURL is unpacked: ".mmdb.gz",
// ".csv.gz", ".mmdb", ".csv", or "" for MaxMind's .tar.gz.
func urlKind(rawURL string) string {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	u, err := url.Parse(strings.ReplaceAll(rawURL, "{edition}", "edition"))
	if err != nil {
		return ""
	}
	p := strings.ToLower(u.Path)
	for _, k := range []string{".mmdb.gz", ".csv.gz", ".mmdb", ".csv"} {
		if strings.HasSuffix(p, k) {
			return k
		}
	}
	return ""
}

var editionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Update downloads databases into o.Dir and returns the files written. Each
// file is written to a temporary file in o.Dir, checked (a MaxMind DB file
// record by record, a CSV file line by line) and only then renamed over the
// old one, so a failed or corrupt download leaves the old file in place and
// readers that have it open keep reading it.
//
// With {edition} in the URL every edition is downloaded, and a failure does
// not stop the others (all failures are returned, joined), except a refusal
// (ErrUnauthorized), which stops. Without {edition} the one file at the URL
// is downloaded and Editions are not used.
func Update(ctx context.Context, o UpdateOptions) ([]string, error) {
	raw := o.URL
	if raw == "" {
		raw = DefaultURL
	}
	k := urlKind(raw)
	perEdition := strings.Contains(raw, "{edition}")
	switch {
	case o.Dir == "":
		return nil, errors.New("geoip: update: no directory to download into")
	case k == "" && !perEdition:
		return nil, fmt.Errorf("geoip: update: %s: a MaxMind download URL needs {edition} where the edition goes", redactURL(raw))
	case perEdition && len(o.Editions) == 0:
		return nil, errors.New("geoip: update: no edition to download: name one, e.g. GeoLite2-City")
	case k == "" && (o.AccountID == "" || o.LicenseKey == ""):
		return nil, fmt.Errorf("geoip: update: %w", ErrNoCredentials)
	}
	editions := o.Editions
	if !perEdition {
		editions = []string{""}
	}
	for _, e := range editions {
		if perEdition && !editionRE.MatchString(e) {
			return nil, fmt.Errorf("geoip: update: %q is not an edition name: want letters, digits, '.', '-' or '_', e.g. GeoLite2-City", e)
		}
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("geoip: update: %w", err)
	}
	client := o.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Minute}
	}
	var written []string
	var errs []error
	for _, e := range editions {
		u := strings.ReplaceAll(raw, "{edition}", url.PathEscape(e))
		p, err := download(ctx, client, o, u, k, e)
		if err != nil {
			errs = append(errs, redact(err, o.LicenseKey))
			if errors.Is(err, ErrUnauthorized) || ctx.Err() != nil {
				break
			}
			continue
		}
		written = append(written, p)
	}
	return written, errors.Join(errs...)
}

// download fetches one file and puts it in place.
func download(ctx context.Context, client *http.Client, o UpdateOptions, rawURL, k, edition string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("geoip: update: %s: want an absolute http(s) URL", redactURL(rawURL))
	}
	name := edition + ".mmdb"
	if k != "" {
		name = path.Base(u.Path)
		if strings.HasSuffix(k, ".gz") {
			name = name[:len(name)-len(".gz")]
		}
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("geoip: update: %s: no file name in the URL", redactURL(rawURL))
	}
	what := name
	if edition != "" {
		what = edition
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("geoip: update %s from %s: "+format, append([]any{what, redactURL(rawURL)}, args...)...)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", fail("%w", err)
	}
	if k == "" {
		req.SetBasicAuth(o.AccountID, o.LicenseKey)
	}
	req.Header.Set("User-Agent", "triage-geoip")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which redactURL shortened
		}
		return "", fail("%w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", fail("HTTP %d: %w", resp.StatusCode, ErrUnauthorized)
	case resp.StatusCode == http.StatusNotFound:
		return "", fail("HTTP 404: no such database: check the edition (a database file name without .mmdb, e.g. GeoLite2-City) or the URL")
	case resp.StatusCode == http.StatusTooManyRequests:
		return "", fail("HTTP 429: too many downloads: try again later (MaxMind allows a limited number a day)")
	case resp.StatusCode != http.StatusOK:
		return "", fail("HTTP %d: try again later", resp.StatusCode)
	}

	dst := filepath.Join(o.Dir, name)
	tmp, err := os.CreateTemp(o.Dir, "."+name+".*.tmp")
	if err != nil {
		return "", fail("%w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = unpack(tmp, resp.Body, k, edition)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fail("%w: the old file, if any, is kept", err)
	}
	if err := validate(tmp.Name(), name); err != nil {
		return "", fail("the download is not a valid database (%w): the old file, if any, is kept; try again later", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", fail("%w", err)
	}
	if d, err := os.Open(o.Dir); err == nil {
		d.Sync() // make the rename durable; not all systems can
		d.Close()
	}
	return dst, nil
}

// unpack writes the database in body to f.
func unpack(f *os.File, body io.Reader, k, edition string) error {
	var r io.Reader = body
	if k == "" || strings.HasSuffix(k, ".gz") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return fmt.Errorf("not a gzip file (%w)", err)
		}
		defer zr.Close()
		r = zr
	}
	if k == "" {
		tr := tar.NewReader(r)
		var seen []string
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return fmt.Errorf("the archive has no %s.mmdb (it has %s)", edition, strings.Join(seen, ", "))
			}
			if err != nil {
				return fmt.Errorf("not a tar.gz file (%w)", err)
			}
			if h.Typeflag == tar.TypeReg && path.Base(h.Name) == edition+".mmdb" {
				r = tr
				break
			}
			if len(seen) < 10 {
				seen = append(seen, h.Name)
			}
		}
	}
	n, err := io.Copy(f, io.LimitReader(r, maxFileSize+1))
	switch {
	case err != nil:
		return fmt.Errorf("download cut short (%w)", err)
	case n > maxFileSize:
		return fmt.Errorf("larger than %d MiB", maxFileSize>>20)
	}
	return f.Sync()
}

// validate checks a downloaded file, to be called name, in full.
func validate(file, name string) error {
	switch kind(name) {
	case ".mmdb":
		r, err := maxminddb.Open(file)
		if err != nil {
			return err
		}
		defer r.Close()
		return r.Verify()
	case ".csv":
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		s, err := readCSV(f, strings.Contains(strings.ToLower(name), "ipv6"))
		if err != nil {
			return err
		}
		if len(s.v4)+len(s.v6) == 0 {
			return errors.New("no entries")
		}
		return nil
	}
	return errors.New("not a .mmdb or .csv file")
}

// redactURL returns u without user information and query, which may hold
// credentials.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL that does not parse)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// redact returns err with every occurrence of secret hidden. Errors are
// built without the secret; this guards against one quoted by a server or
// the HTTP client. Secrets too short to be a real key are left alone, as
// hiding them would garble the message.
func redact(err error, secret string) error {
	if len(secret) < 8 || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{strings.ReplaceAll(err.Error(), secret, "<redacted>"), err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
