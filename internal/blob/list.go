package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Keys lists, sorted, the key of every blob that starts with prefix (every
// blob for ""): the residency check walks a region's whole media store, and
// a move lists one video's files. Files being written (in the temporary
// directory) are not blobs yet and are left out.
func (d *Dir) Keys(ctx context.Context, prefix string) ([]string, error) {
	start := d.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		if err := validKey(prefix[:i]); err != nil {
			return nil, err
		}
		start = filepath.Join(d.root, filepath.FromSlash(prefix[:i]))
	}
	var keys []string
	err := filepath.WalkDir(start, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			// A directory that does not exist (or was deleted while we
			// walked) holds no blobs.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if path == d.root {
			return nil
		}
		rel, err := filepath.Rel(d.root, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			// No key has a segment starting with a dot (the temporary
			// directory is one), and a directory that cannot lead to
			// prefix need not be read.
			if e.Name()[0] == '.' || !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if e.Type().IsRegular() && e.Name()[0] != '.' && strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list media %q: %w", prefix, err)
	}
	return keys, nil
}
