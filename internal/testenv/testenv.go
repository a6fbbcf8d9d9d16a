// Package testenv is what tests across packages share about the machine they
// run on. It is imported by tests only.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireTool returns the path of the named program. When it is missing the
// test is skipped on a developer's machine but fails when CI is set: under CI
// every tool must be installed, so that CI can never pass by skipping.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required under CI but not installed: %v", name, err)
		}
		t.Skipf("%s is not installed", name)
	}
	return path
}
