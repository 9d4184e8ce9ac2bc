package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"

	reporthtml "github.com/triage-dev/triage/internal/report/html"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the web UI's own files and the report's assets under
// /static/, each with a version (a hash of its content) in its URL, so
// they can be cached for a year.
type staticFiles struct {
	files   map[string][]byte
	version map[string]string
}

func newStaticFiles() (*staticFiles, error) {
	st := &staticFiles{files: map[string][]byte{}, version: map[string]string{}}
	for _, src := range []struct {
		fs  fs.FS
		dir string
	}{{reporthtml.Assets, "assets"}, {staticFS, "static"}} {
		ents, err := fs.ReadDir(src.fs, src.dir)
		if err != nil {
			return nil, fmt.Errorf("web: static files: %w", err)
		}
		for _, e := range ents {
			b, err := fs.ReadFile(src.fs, path.Join(src.dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("web: static files: %w", err)
			}
			sum := sha256.Sum256(b)
			st.files[e.Name()] = b
			st.version[e.Name()] = hex.EncodeToString(sum[:6])
		}
	}
	return st, nil
}

// url returns the versioned URL of the static file name.
func (st *staticFiles) url(name string) string {
	return "/static/" + name + "?v=" + st.version[name]
}

func (st *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, ok := st.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	if r.URL.Query().Get("v") == st.version[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+st.version[name]+`"`)
	if r.Header.Get("If-None-Match") == `"`+st.version[name]+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(b)
}
