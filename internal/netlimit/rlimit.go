package netlimit

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// RaiseOpenFileLimit raises the soft limit on open files to the hard limit
// and returns the soft limit in force. Go's runtime tries the same at start,
// but a hard limit of "unlimited" makes that fail (Linux caps it at
// fs.nr_open) and leaves the soft limit, often 1024, where it was; here the
// soft limit then goes to fs.nr_open.
func RaiseOpenFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur >= lim.Max {
		return lim.Cur, nil
	}
	want := lim
	want.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
		return want.Cur, nil
	}
	if b, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n > lim.Cur && n < lim.Max {
			want.Cur = n
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
				return n, nil
			}
		}
	}
	return lim.Cur, nil
}

// reservedFiles are the open files a node keeps for itself: databases,
// the event log, transcodes, the connections answered over the caps.
const reservedFiles = 1024

// MaxConnections is the most concurrent connections that fit in
// openFiles: each may hold a second file (a media file being served, an
// upload being written) beside its socket, and reservedFiles stay for the
// rest. It is at most maxTotal, which bounds the memory of idle
// connections, and at least minTotal.
func MaxConnections(openFiles uint64) int {
	const minTotal, maxTotal = 64, 10000
	if openFiles < reservedFiles+2*minTotal {
		return minTotal
	}
	return int(min((openFiles-reservedFiles)/2, maxTotal))
}
