package main

import (
	"context"
	"strings"
	"testing"
)

// TestMigrate runs flick migrate twice on a new data directory: the first
// run applies every database's migrations, the second none.
func TestMigrate(t *testing.T) {
	data := t.TempDir()
	for _, want := range []string{
		"directory: 1 migration(s) applied, database is up to date\n" +
			"access log: 1 migration(s) applied, database is up to date\n" +
			"region eu: 10 migration(s) applied, database is up to date\n" +
			"region us: 10 migration(s) applied, database is up to date\n",
		"directory: 0 migration(s) applied, database is up to date\n" +
			"access log: 0 migration(s) applied, database is up to date\n" +
			"region eu: 0 migration(s) applied, database is up to date\n" +
			"region us: 0 migration(s) applied, database is up to date\n",
	} {
		var stdout, stderr strings.Builder
		if err := run(context.Background(), []string{"migrate", "--data", data, "--regions", "eu,us"}, &stdout, &stderr); err != nil {
			t.Fatalf("flick migrate: %v\n%s", err, stderr.String())
		}
		if stdout.String() != want {
			t.Errorf("flick migrate printed\n%s\nwant\n%s", stdout.String(), want)
		}
	}
}
