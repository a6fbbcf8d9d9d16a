package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/blob"
)

func newDir(t *testing.T) (*blob.Dir, string) {
	t.Helper()
	root := t.TempDir()
	d, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return d, root
}

func readBlob(t *testing.T, d *blob.Dir, key string) string {
	t.Helper()
	b, err := d.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != int64(len(data)) {
		t.Errorf("Size() = %d, read %d bytes", b.Size(), len(data))
	}
	return string(data)
}

func TestPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	d, root := newDir(t)
	for _, key := range []string{"videos/a/540p.mp4", "videos/a/poster.jpg", "videos/ab/original", "avatars/x.jpg"} {
		if n, err := d.Put(ctx, key, strings.NewReader("data of "+key)); err != nil || n != int64(len("data of "+key)) {
			t.Fatalf("Put(%q) = %d, %v", key, n, err)
		}
	}
	if got := readBlob(t, d, "videos/a/540p.mp4"); got != "data of videos/a/540p.mp4" {
		t.Errorf("read back %q", got)
	}
	// Overwrite replaces the whole blob.
	if _, err := d.Put(ctx, "avatars/x.jpg", strings.NewReader("new")); err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, d, "avatars/x.jpg"); got != "new" {
		t.Errorf("after overwrite read %q", got)
	}

	if err := d.DeletePrefix(ctx, "videos/a/"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"videos/a/540p.mp4": flick.ENOTFOUND, "videos/a/poster.jpg": flick.ENOTFOUND, "videos/ab/original": "", "avatars/x.jpg": ""} {
		b, err := d.Open(ctx, key)
		if got := flick.ErrorCode(err); got != want {
			t.Errorf("Open(%q) after delete: code %q, want %q", key, got, want)
		}
		if err == nil {
			b.Close()
		}
	}
	if err := d.DeletePrefix(ctx, "videos/a/"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	// A prefix without a trailing slash matches names in its directory.
	if err := d.DeletePrefix(ctx, "avatars/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "avatars", "x.jpg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("avatars/x.jpg still there: %v", err)
	}
	if err := d.DeletePrefix(ctx, ""); flick.ErrorCode(err) != flick.EINVALID {
		t.Errorf("DeletePrefix(\"\") = %v, want EINVALID", err)
	}
	if err := d.DeletePrefix(ctx, "../"); flick.ErrorCode(err) != flick.EINVALID {
		t.Errorf("DeletePrefix(\"../\") = %v, want EINVALID", err)
	}
	assertTempEmpty(t, d)
}

func TestInvalidKeys(t *testing.T) {
	ctx := context.Background()
	d, root := newDir(t)
	// A file just outside the root that an escaping key would hit.
	outside := filepath.Join(filepath.Dir(root), "outside")
	for _, key := range []string{"", "/etc/passwd", "../outside", "a/../../outside", "a//b", "a/", "a\\b", "a\x00b", ".tmp/x", "a/./b", ".hidden", strings.Repeat("a", 1025)} {
		t.Run(key, func(t *testing.T) {
			if _, err := d.Put(ctx, key, strings.NewReader("x")); flick.ErrorCode(err) != flick.EINVALID {
				t.Errorf("Put: %v, want EINVALID", err)
			}
			if _, err := d.Open(ctx, key); flick.ErrorCode(err) != flick.EINVALID {
				t.Errorf("Open: %v, want EINVALID", err)
			}
			src := filepath.Join(t.TempDir(), "src")
			os.WriteFile(src, []byte("x"), 0o600)
			if err := d.PutFile(ctx, key, src); flick.ErrorCode(err) != flick.EINVALID {
				t.Errorf("PutFile: %v, want EINVALID", err)
			}
		})
	}
	if _, err := os.Stat(outside); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key escaped the root: %v", err)
	}
	assertTempEmpty(t, d)
}

func TestOpenMissing(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t)
	if _, err := d.Put(ctx, "videos/a/original", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"videos/b/original", "videos/a", "videos"} {
		if _, err := d.Open(ctx, key); flick.ErrorCode(err) != flick.ENOTFOUND {
			t.Errorf("Open(%q) = %v, want ENOTFOUND (directories are not blobs)", key, err)
		}
	}
}

func TestPutFile(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t)

	// Same filesystem: a rename.
	src, err := os.CreateTemp(d.TempDir(), "upload-*")
	if err != nil {
		t.Fatal(err)
	}
	src.WriteString("uploaded")
	src.Close()
	if err := d.PutFile(ctx, "videos/a/original", src.Name()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src.Name()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("source still exists after PutFile: %v", err)
	}
	if got := readBlob(t, d, "videos/a/original"); got != "uploaded" {
		t.Errorf("read %q", got)
	}

	// /dev/shm is usually another filesystem: PutFile falls back to a copy.
	other, err := os.CreateTemp("/dev/shm", "flick-blob-test-*")
	if err != nil {
		t.Skipf("no second filesystem to test the copy fallback: %v", err)
	}
	other.WriteString("copied")
	other.Close()
	defer os.Remove(other.Name())
	if err := d.PutFile(ctx, "videos/b/original", other.Name()); err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, d, "videos/b/original"); got != "copied" {
		t.Errorf("read %q", got)
	}
	if _, err := os.Stat(other.Name()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("source still exists after copy: %v", err)
	}
	assertTempEmpty(t, d)
}

// failingReader returns some data and then an error, like a client that
// disconnects halfway through an upload.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestPutIsAtomic(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t)
	if _, err := d.Put(ctx, "k/v", strings.NewReader("old")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Put(ctx, "k/v", &failingReader{n: 1 << 20}); err == nil {
		t.Fatal("Put of a failing reader succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Put(cancelled, "k/v", strings.NewReader("new")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context = %v", err)
	}
	if got := readBlob(t, d, "k/v"); got != "old" {
		t.Errorf("failed Put changed the blob to %q", got)
	}
	assertTempEmpty(t, d)
}

func TestCleanTemp(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t)
	now := time.Now()
	for name, age := range map[string]time.Duration{"old-file": 2 * time.Hour, "old-dir": 3 * time.Hour, "fresh": time.Minute} {
		p := filepath.Join(d.TempDir(), name)
		if strings.HasSuffix(name, "dir") {
			os.MkdirAll(filepath.Join(p, "inner"), 0o750)
		} else {
			os.WriteFile(p, []byte("x"), 0o600)
		}
		os.Chtimes(p, now.Add(-age), now.Add(-age))
	}
	removed, err := d.CleanTemp(ctx, now)
	if err != nil || removed != 2 {
		t.Fatalf("CleanTemp = %d, %v; want 2 removed", removed, err)
	}
	entries, _ := os.ReadDir(d.TempDir())
	if len(entries) != 1 || entries[0].Name() != "fresh" {
		t.Errorf("left %v, want only fresh", entries)
	}
}

func TestOpenSpec(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		spec string
		ok   bool
	}{
		{dir, true},
		{"file://" + dir, true},
		{"file://localhost" + dir, true},
		{"file://elsewhere" + dir, false},
		{"s3://bucket/prefix", false},
		{"", false},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := blob.Open(ctx, tc.spec)
			if tc.ok != (err == nil) {
				t.Fatalf("Open(%q) = %v, want ok=%v", tc.spec, err, tc.ok)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "file:///path") && tc.spec != "" {
					t.Errorf("error %q does not say what is supported", err)
				}
				return
			}
			if _, err := s.Put(ctx, "x/y", strings.NewReader("z")); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "x", "y")); err != nil {
				t.Errorf("blob not under the directory: %v", err)
			}
		})
	}
}

// TestServeContentRange checks what the HTTP layer relies on: blobs seek for
// Range requests and expose the file descriptor for sendfile.
func TestServeContentRange(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t)
	data := bytes.Repeat([]byte("0123456789"), 1000)
	if _, err := d.Put(ctx, "videos/a/360p.mp4", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	b, err := d.Open(ctx, "videos/a/360p.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, ok := b.(syscall.Conn); !ok {
		t.Error("blob does not expose SyscallConn: net/http cannot use sendfile")
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/media/videos/a/360p.mp4", nil)
	req.Header.Set("Range", "bytes=100-199")
	http.ServeContent(rec, req, "360p.mp4", b.ModTime(), b)
	if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), data[100:200]) {
		t.Errorf("range response %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func assertTempEmpty(t *testing.T, d *blob.Dir) {
	t.Helper()
	entries, err := os.ReadDir(d.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("temporary directory not empty: %v", entries)
	}
}
