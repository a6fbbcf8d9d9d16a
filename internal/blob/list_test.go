package blob_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flick-video/flick"
)

func TestKeys(t *testing.T) {
	ctx := context.Background()
	d, root := newDir(t)
	stored := []string{"avatars/a1.jpg", "avatars/a12.jpg", "videos/v1/360p.mp4", "videos/v1/original", "videos/v1/poster.jpg", "videos/v12/original", "videos/w/original"}
	for _, key := range stored {
		if _, err := d.Put(ctx, key, strings.NewReader(key)); err != nil {
			t.Fatal(err)
		}
	}
	// A file being written is not a blob, nor is a stray dot file.
	if err := os.WriteFile(filepath.Join(d.TempDir(), "put-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "videos", "v1", ".hidden"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", stored},
		{"videos/v1/", stored[2:5]},
		{"videos/v1", stored[2:6]},
		{"avatars/a1.jpg", stored[:1]},
		{"avatars/", stored[:2]},
		{"videos/none/", nil},
		{"nothing/here/", nil},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got, err := d.Keys(ctx, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Keys(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
}

func TestKeysRejectsBadPrefix(t *testing.T) {
	d, _ := newDir(t)
	for _, prefix := range []string{"../x/", ".tmp/", "/abs/"} {
		if _, err := d.Keys(context.Background(), prefix); flick.ErrorCode(err) != flick.EINVALID {
			t.Errorf("Keys(%q) = %v, want EINVALID", prefix, err)
		}
	}
}
