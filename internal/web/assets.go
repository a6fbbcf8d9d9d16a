package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

// assets are the static files, read once and served from memory under
// /static/<version>/<name>. The version is a hash of every file, so the
// browser may cache them forever: a deploy that changes any file changes the
// URL of all of them. One version for the whole tree (rather than one hash
// per file) keeps the relative imports between JavaScript modules working
// without rewriting them.
type assets struct {
	version string
	files   map[string]*asset
	names   []string // of files, sorted
	modules []string // URLs of the JavaScript modules, for <link rel=modulepreload>
}

type asset struct {
	body        []byte
	gzipped     []byte // nil when compression would not help
	contentType string
	etag        string
}

// contentTypes are set explicitly rather than from the system's MIME table,
// which differs between machines.
var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".json":  "application/json",
	".woff2": "font/woff2",
}

func loadAssets(fsys fs.FS, root string) (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	var names []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, root+"/")
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("static file %s: no content type for its extension", name)
		}
		sum := sha256.Sum256(body)
		f := &asset{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if f.gzipped, err = compress(body); err != nil {
			return fmt.Errorf("compress %s: %w", name, err)
		}
		a.files[name] = f
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", n, a.files[n].etag)
	}
	a.version = hex.EncodeToString(h.Sum(nil))[:12]
	a.names = names
	for _, n := range names {
		// offline.js belongs to the offline page, not to the app.
		if path.Ext(n) == ".js" && n != "app.js" && n != "offline.js" {
			a.modules = append(a.modules, a.URL(n))
		}
	}
	return a, nil
}

// compress returns the gzipped body, or nil if it saves less than a tenth.
func compress(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > len(body)*9/10 {
		return nil, nil
	}
	return buf.Bytes(), nil
}

// URL returns the versioned URL of the static file name. It panics on a name
// that does not exist, which the shell template test catches at build time.
func (a *assets) URL(name string) string {
	if _, ok := a.files[name]; !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + a.version + "/" + name
}

// Modules lists the versioned URLs of the JavaScript modules app.js imports.
func (a *assets) Modules() []string { return a.modules }

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	if r.PathValue("version") == a.version {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// A page from another deploy (say, another node mid-rollout) asks
		// for its version: serve what we have, but never let it be cached
		// under that version's URL.
		hd.Set("Cache-Control", "no-cache")
	}
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", f.etag)
	hd.Set("Vary", "Accept-Encoding")
	body := f.body
	if f.gzipped != nil && acceptsGzip(r) {
		body = f.gzipped
		hd.Set("Content-Encoding", "gzip")
		hd.Set("ETag", strings.TrimSuffix(f.etag, `"`)+`-gz"`)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
