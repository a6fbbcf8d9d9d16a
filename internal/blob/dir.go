// Package blob stores media (originals, renditions, posters, avatars) behind
// flick.BlobStore. The embedded default keeps them in a local directory; Open
// picks a backend from a URL so that an object store can be added behind the
// same interface.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/flick-video/flick"
)

// tempName is the directory under the root that holds files being written.
// Keys may not start with a dot, so no key can reach it.
const tempName = ".tmp"

// TempMaxAge is how old a file in the temporary directory must be before
// CleanTemp treats it as debris of a crash rather than work in progress.
const TempMaxAge = time.Hour

// Dir is a BlobStore on a local directory: a key is a relative path under
// the root. Writes go to a temporary file in <root>/.tmp and are renamed into
// place, so readers never see a partial blob.
type Dir struct {
	root string
	tmp  string
}

var _ flick.BlobStore = (*Dir)(nil)

// Open returns the blob store that spec names: "file:///path" or a bare path
// for a local directory.
func Open(ctx context.Context, spec string) (flick.BlobStore, error) {
	if spec == "" {
		return nil, fmt.Errorf("open media store: no location given")
	}
	if !strings.Contains(spec, "://") {
		return NewDir(spec)
	}
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("open media store %q: %w", spec, err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("open media store %q: a file URL must name a local path (file:///path)", spec)
		}
		return NewDir(u.Path)
	default:
		return nil, fmt.Errorf("open media store %q: unsupported scheme %q (use file:///path or a directory path)", spec, u.Scheme)
	}
}

// NewDir returns a Dir rooted at root, creating it if needed.
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("media directory %q: %w", root, err)
	}
	d := &Dir{root: abs, tmp: filepath.Join(abs, tempName)}
	if err := os.MkdirAll(d.tmp, 0o750); err != nil {
		return nil, fmt.Errorf("media directory: %w", err)
	}
	return d, nil
}

// TempDir is a directory on the same filesystem as the blobs, for streamed
// uploads and transcoder work files: PutFile can then rename instead of copy.
func (d *Dir) TempDir() string { return d.tmp }

// Path returns the local file that holds key, so that tools such as ffmpeg can
// read a blob in place. The file may not exist.
func (d *Dir) Path(key string) (string, error) {
	if err := validKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// CleanTemp removes what a crash left in the temporary directory: entries
// last modified more than TempMaxAge before now. Call it at start-up.
func (d *Dir) CleanTemp(ctx context.Context, now time.Time) (removed int, err error) {
	entries, err := os.ReadDir(d.tmp)
	if err != nil {
		return 0, fmt.Errorf("clean media temp: %w", err)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed by its owner meanwhile
		} else if err != nil {
			return removed, fmt.Errorf("clean media temp: %w", err)
		}
		if now.Sub(info.ModTime()) < TempMaxAge {
			continue
		}
		if err := os.RemoveAll(filepath.Join(d.tmp, e.Name())); err != nil {
			return removed, fmt.Errorf("clean media temp: %w", err)
		}
		removed++
	}
	return removed, nil
}

// Put writes r to a temporary file, syncs it and renames it over key.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	dst, err := d.Path(key)
	if err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(d.tmp, "put-*")
	if err != nil {
		return 0, fmt.Errorf("put %s: %w", key, err)
	}
	n, err := copyContext(ctx, f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.rename(f.Name(), dst)
	}
	if err != nil {
		os.Remove(f.Name())
		return 0, fmt.Errorf("put %s: %w", key, err)
	}
	return n, nil
}

// PutFile moves the file at path under key: a rename when both are on the
// same filesystem, a copy otherwise. The file is synced first so that a blob
// the database already points to survives a crash.
func (d *Dir) PutFile(ctx context.Context, key, path string) error {
	dst, err := d.Path(key)
	if err != nil {
		return err
	}
	if err := syncFile(path); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	err = d.rename(path, dst)
	if !errors.Is(err, syscall.EXDEV) {
		if err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer f.Close()
	if _, err := d.Put(ctx, key, f); err != nil {
		return err
	}
	return os.Remove(path)
}

// rename moves src to dst, creating dst's directory, and syncs that directory
// so the new name is durable.
func (d *Dir) rename(src, dst string) error {
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	return syncFile(dir)
}

// Open opens the blob at key. The Blob is an *os.File underneath, so
// http.ServeContent sends it with sendfile.
func (d *Dir) Open(ctx context.Context, key string) (flick.Blob, error) {
	path, err := d.Path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, flick.Errorf(flick.ENOTFOUND, "Media not found.")
	} else if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, flick.Errorf(flick.ENOTFOUND, "Media not found.")
	}
	return &file{File: f, info: info}, nil
}

// DeletePrefix removes every blob whose key starts with prefix, such as
// "videos/<id>/". A prefix that does not end in "/" also matches names in its
// directory that start with its last segment.
func (d *Dir) DeletePrefix(ctx context.Context, prefix string) error {
	dirKey, namePrefix := "", prefix
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dirKey, namePrefix = prefix[:i], prefix[i+1:]
	}
	// An empty prefix would mean "everything": no caller needs that, and a
	// bug that passes "" must not wipe the store.
	if dirKey == "" {
		return flick.Errorf(flick.EINVALID, "A media prefix must name a directory.")
	}
	if err := validKey(dirKey); err != nil {
		return err
	}
	dir := filepath.Join(d.root, filepath.FromSlash(dirKey))
	if namePrefix == "" {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("delete %s: %w", prefix, err)
		}
		return nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("delete %s: %w", prefix, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), namePrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("delete %s: %w", prefix, err)
			}
		}
	}
	return nil
}

// validKey accepts slash-separated relative paths whose segments are
// non-empty, do not start with a dot (no "..", no reaching .tmp) and hold no
// backslash or NUL, so that a key can never leave the root.
func validKey(key string) error {
	if key == "" || len(key) > 1024 || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return flick.Errorf(flick.EINVALID, "Invalid media key.")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' {
			return flick.Errorf(flick.EINVALID, "Invalid media key.")
		}
	}
	return nil
}

// file is an open blob. Embedding *os.File keeps its SyscallConn visible,
// which is what lets net/http use sendfile.
type file struct {
	*os.File
	info fs.FileInfo
}

func (f *file) Size() int64        { return f.info.Size() }
func (f *file) ModTime() time.Time { return f.info.ModTime() }

// copyContext is io.Copy that stops when ctx ends, so that an abandoned
// upload does not keep writing.
func copyContext(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
		}
		if rerr == io.EOF {
			return n, nil
		} else if rerr != nil {
			return n, rerr
		}
	}
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
