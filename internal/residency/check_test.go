package residency

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/node/nodetest"
)

// TestCheckFindsPlantedViolations plants personal data in the wrong region
// behind the API's back, one piece of each kind, and checks that Check
// reports each of them and nothing else.
func TestCheckFindsPlantedViolations(t *testing.T) {
	ctx := context.Background()
	w := nodetest.StartBusy(t)
	check := func() *Report {
		t.Helper()
		rep, err := Check(ctx, w.Directory, w.Router.Cells())
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := check()
	if len(rep.Violations) > 0 || len(rep.Moves) > 0 {
		t.Fatalf("the busy world is not clean: %+v", rep)
	}
	if rep.Accounts != 3 || rep.Owners == 0 || rep.MediaKeys != 15 || rep.EventAccounts != 3 {
		t.Errorf("check looked at %d accounts, %d owners, %d media keys, %d event accounts", rep.Accounts, rep.Owners, rep.MediaKeys, rep.EventAccounts)
	}

	stray, ghost := flick.NewID(time.Now()), flick.NewID(time.Now())
	plants := []struct {
		name  string
		plant func(t *testing.T)
		want  []Violation
	}{
		{"a like of an eu account in the us store", func(t *testing.T) {
			raw(t, w, "us", `INSERT INTO likes (account_id, video_id, created_at) VALUES (?, ?, 0)`, w.Eve, w.UlfVideo)
		}, []Violation{{Region: "us", Kind: "store:likes", AccountID: w.Eve, Home: "eu"}}},
		{"a notification of an eu account in the us store", func(t *testing.T) {
			raw(t, w, "us", `INSERT INTO notifications (id, account_id, type, target, started_at, updated_at) VALUES (?, ?, 'follow', '', 0, 0)`,
				flick.NewID(time.Now()), w.Eve)
		}, []Violation{{Region: "us", Kind: "store:notifications", AccountID: w.Eve, Home: "eu"}}},
		{"a watch of an account nobody knows", func(t *testing.T) {
			raw(t, w, "eu", `INSERT INTO watches (account_id, video_id, watch_ms, completed, last_at) VALUES (?, ?, 1, 0, 0)`, stray, w.EveVideo)
		}, []Violation{{Region: "eu", Kind: "store:watches", AccountID: stray}}},
		{"an eu avatar in the us media", func(t *testing.T) {
			put(t, w, "us", flick.AvatarKey(w.Eve), "avatar of eve")
		}, []Violation{{Region: "us", Kind: "media", AccountID: w.Eve, Home: "eu"}}},
		{"a file of an eu video in the us media", func(t *testing.T) {
			put(t, w, "us", "videos/"+w.EveVideo+"/360p.mp4", "360p of eve runs")
		}, []Violation{{Region: "us", Kind: "media"}}},
		{"a stray copy of a us account and its video in eu", func(t *testing.T) {
			v, err := w.Cell(t, "us").Store.Video(ctx, w.UlfVideo)
			if err != nil {
				t.Fatal(err)
			}
			a, err := w.Cell(t, "us").Store.Account(ctx, w.Ulf)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Cell(t, "eu").Store.ImportAccountData(ctx, &flick.AccountData{Account: *a, PasswordHash: "x", Videos: []flick.Video{*v}}); err != nil {
				t.Fatal(err)
			}
			put(t, w, "eu", "videos/"+w.UlfVideo+"/original", "original of ulf cooks")
		}, []Violation{
			{Region: "eu", Kind: "store:accounts", AccountID: w.Ulf, Home: "us"},
			{Region: "eu", Kind: "store:videos", AccountID: w.Ulf, Home: "us"},
			{Region: "eu", Kind: "media", AccountID: w.Ulf, Home: "us"},
		}},
		{"an event of an eu account in the us log", func(t *testing.T) {
			if _, err := w.Cell(t, "us").Events.Append(ctx, []flick.Event{{Type: flick.EventView, AccountID: w.Eve, VideoID: w.UlfVideo, At: time.Now()}}); err != nil {
				t.Fatal(err)
			}
		}, []Violation{{Region: "us", Kind: "events", AccountID: w.Eve, Home: "eu"}}},
		{"a directory entry whose home does not store it", func(t *testing.T) {
			if err := w.Directory.Register(ctx, ghost, "ghost", "eu"); err != nil {
				t.Fatal(err)
			}
		}, []Violation{{Region: "eu", Kind: "directory", AccountID: ghost, Home: "eu"}}},
	}
	for _, p := range plants {
		p.plant(t)
	}
	rep = check()
	n := 0
	for _, p := range plants {
		t.Run(p.name, func(t *testing.T) {
			for _, want := range p.want {
				n++
				found := false
				for _, v := range rep.Violations {
					found = found || v.Region == want.Region && v.Kind == want.Kind && v.AccountID == want.AccountID && v.Home == want.Home
				}
				if !found {
					t.Errorf("not found: %+v", want)
				}
			}
		})
	}
	if len(rep.Violations) != n {
		for _, v := range rep.Violations {
			t.Log(v)
		}
		t.Errorf("%d violations, want %d", len(rep.Violations), n)
	}
	for _, v := range rep.Violations {
		if v.Kind == "store:watches" && !strings.Contains(v.Detail, "does not know") {
			t.Errorf("watch of the stray account: %s", v)
		}
	}
}

// raw runs a statement on a region's database file behind its store's back
// (foreign keys off, as a stray tool would).
func raw(t *testing.T, w *nodetest.Busy, region, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", node.StorePath(w.Data, region)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// put stores a blob directly in one region's media.
func put(t *testing.T, w *nodetest.Busy, region, key, content string) {
	t.Helper()
	if _, err := w.Cell(t, region).Blobs.Put(context.Background(), key, strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
}
