package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A data directory:
//
//	directory.db          the global directory (internal/directory)
//	audit/                the access log (internal/audit)
//	regions/<region>/     one cell per region: flick.db, media/, events/, recommend/
//	flick.lock            held by the process that has the directory open

// DirectoryPath is the global directory's file, outside every region.
func DirectoryPath(data string) string { return filepath.Join(data, "directory.db") }

// AuditDir is where the access log lives.
func AuditDir(data string) string { return filepath.Join(data, "audit") }

// RegionDir is where one region's files live: its database, media, event
// log and recommender snapshots.
func RegionDir(data, region string) string { return filepath.Join(data, "regions", region) }

// StorePath is a region's database file.
func StorePath(data, region string) string { return filepath.Join(RegionDir(data, region), "flick.db") }

// regionDirs lists the regions the data directory holds, sorted.
func regionDirs(data string) ([]string, error) {
	entries, err := os.ReadDir(RegionDir(data, ""))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var regions []string
	for _, e := range entries {
		if e.IsDir() {
			regions = append(regions, e.Name())
		}
	}
	return regions, nil
}

// checkRegionDirs refuses a data directory holding a region that regions
// leaves out: the accounts homed there would be unreachable, and their data
// unchecked.
func checkRegionDirs(data string, regions []string) error {
	held, err := regionDirs(data)
	if err != nil {
		return err
	}
	for _, r := range held {
		if !slices.Contains(regions, r) {
			return fmt.Errorf("%s holds region %q, which --regions (%s) leaves out: list every region of the data directory",
				data, r, strings.Join(regions, ","))
		}
	}
	return nil
}
