package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/sqlite"
)

// TestDataRights builds a busy account in a two-region instance, downloads
// its data, has an admin look it up (which the account sees in its access
// log), deletes it, and then scans the raw files of every store, media
// store, event log, recommender snapshot and the directory for its email,
// handle and ID: only the access log's pseudonymous entries may name it.
func TestDataRights(t *testing.T) {
	ta := startTestAppIn(t, t.TempDir(), "us", "eu")
	ctx := context.Background()
	const (
		handle   = "zqvictim"
		email    = "zq-victim-mail@example.org"
		password = "correct horse battery"
		caption  = "zqsecretcaption #zqtag"
		comment  = "zqsecretcomment"
	)
	sam := ta.userIn(t, "sam", "us")
	dee := ta.userIn(t, "dee", "us")
	victim := ta.client()
	if err := victim.do(ctx, "POST", "/api/v1/accounts", map[string]string{"handle": handle, "password": password,
		"birthdate": "1999-09-09", "email": email, "region": "eu"}, &struct{ Token *string }{&victim.token}); err != nil {
		t.Fatal(err)
	}
	var me struct {
		ID     string `json:"id"`
		Region string `json:"region"`
	}
	if err := victim.do(ctx, "GET", "/api/v1/me", nil, &me); err != nil || me.Region != "eu" {
		t.Fatalf("me = %+v, %v", me, err)
	}
	putAvatar(t, ta, victim)

	// Busy: uploads, is liked, commented on and followed by people of the
	// other region, likes, comments, follows, watches, hides and reports
	// views.
	samVideo := ta.uploadReady(t, sam, "a us video #regions")
	own := ta.uploadReady(t, victim, caption)
	var samSays, victimSays struct {
		ID string `json:"id"`
	}
	if err := sam.do(ctx, "POST", "/api/v1/videos/"+samVideo.ID+"/comments", map[string]string{"text": "zqsamsays"}, &samSays); err != nil {
		t.Fatal(err)
	}
	if err := victim.do(ctx, "POST", "/api/v1/videos/"+samVideo.ID+"/comments", map[string]string{"text": comment}, &victimSays); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		c            *apiClient
		method, path string
		body         any
	}{
		{victim, "POST", "/api/v1/videos/" + samVideo.ID + "/like", nil},
		{sam, "POST", "/api/v1/comments/" + victimSays.ID + "/like", nil},
		{victim, "POST", "/api/v1/accounts/sam/follow", nil},
		{victim, "POST", "/api/v1/comments/" + samSays.ID + "/like", nil},
		{victim, "POST", "/api/v1/accounts/dee/block", nil},
		{victim, "POST", "/api/v1/events", []map[string]any{{"type": "view", "video_id": samVideo.ID, "watch_ms": 1500}}},
		{victim, "PUT", "/api/v1/me/settings", map[string]any{"keyword_filters": []string{"zqfilter"}}},
		{sam, "POST", "/api/v1/accounts/" + handle + "/follow", nil},
		{sam, "POST", "/api/v1/videos/" + own.ID + "/like", nil},
		{sam, "POST", "/api/v1/videos/" + own.ID + "/comments", map[string]string{"text": "nice one @" + handle}},
		{dee, "POST", "/api/v1/events", []map[string]any{{"type": "view", "video_id": own.ID, "watch_ms": 900}}},
	} {
		if err := step.c.do(ctx, step.method, step.path, step.body, nil); err != nil {
			t.Fatalf("%s %s: %v", step.method, step.path, err)
		}
	}

	// Each is notified of what the other did, in their own regions, and
	// that their upload is ready.
	inbox := func(c *apiClient) (n int, err error) {
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		err = c.do(ctx, "GET", "/api/v1/me/notifications", nil, &page)
		return len(page.Items), err
	}
	eventually(t, "the notifications of both", func() error {
		for _, c := range []*apiClient{victim, sam} {
			if n, err := inbox(c); err != nil || n != 4 {
				return fmt.Errorf("%d notifications, %v; want 4", n, err)
			}
		}
		return nil
	})

	// An admin looks the account up for support: the account sees it.
	admin := ta.userIn(t, "ada", "us")
	ada, err := ta.App.Router.AccountByHandle(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.App.setRoles(ctx, ada.ID, flick.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	inspect := "/api/v1/admin/accounts/" + handle + "/inspect"
	if err := admin.do(ctx, "POST", inspect, map[string]string{}, nil); !isStatus(err, 400) {
		t.Errorf("admin look-up without a reason: %v, want 400", err)
	}
	if err := sam.do(ctx, "POST", inspect, map[string]string{"reason": "curious"}, nil); !isStatus(err, 403) {
		t.Errorf("look-up by a non-admin: %v, want 403", err)
	}
	var looked struct {
		Email string `json:"email"`
	}
	if err := admin.do(ctx, "POST", inspect, map[string]string{"reason": "ticket 42"}, &looked); err != nil || looked.Email != email {
		t.Fatalf("admin look-up = %+v, %v", looked, err)
	}
	var access struct {
		Entries []flick.AccessEntry `json:"entries"`
	}
	if err := victim.do(ctx, "GET", "/api/v1/me/access", nil, &access); err != nil {
		t.Fatal(err)
	}
	if len(access.Entries) != 1 || access.Entries[0].Actor != ada.ID || access.Entries[0].Reason != "ticket 42" || access.Entries[0].Action != flick.AccessView {
		t.Fatalf("who accessed my data = %+v", access.Entries)
	}

	// Download: every kind of record, the original upload, the access log;
	// what was followed and liked by what a person reads it by.
	files := exportZip(t, ta, victim)
	for name, want := range map[string]string{
		"account.json":       email,
		"likes.json":         `"caption": "a us video #regions"`,
		"comment_likes.json": `"text": "zqsamsays"`,
		"comments.json":      comment,
		"follows.json":       `"handle": "sam"`,
		"videos.json":        "zqsecretcaption",
		"notifications.json": `"type": "like"`,
		"watch_history.json": `"video_id": "` + samVideo.ID,
		"settings.json":      "zqfilter",
		"sessions.json":      "user_agent",
		"events.json":        "view",
		"access_log.json":    "ticket 42",
		"README.txt":         "",
		"avatar.jpg":         "",
	} {
		b, ok := files[name]
		if !ok || !bytes.Contains(b, []byte(want)) {
			t.Errorf("export %s: present %v, want it to contain %q", name, ok, want)
		}
	}
	if b := files["uploads/"+own.ID+".mp4"]; len(b) == 0 {
		t.Errorf("export lacks the original upload as %s.mp4: %v", own.ID, slices.Sorted(maps.Keys(files)))
	}
	for name, b := range files {
		// Every file names its fields as the API does, in snake_case.
		if strings.HasSuffix(name, ".json") && regexp.MustCompile(`"[A-Z][A-Za-z]*":`).Match(b) {
			t.Errorf("export %s has Go field names: %.300s", name, b)
		}
	}
	if strings.Contains(string(files["account.json"]), "argon2") || strings.Contains(string(files["sessions.json"]), "token_hash") {
		t.Error("export holds secrets")
	}

	// Deletion asks for the password again.
	if err := victim.do(ctx, "DELETE", "/api/v1/me", map[string]string{"password": "wrong password!"}, nil); !isStatus(err, 401) {
		t.Fatalf("delete with a wrong password: %v, want 401", err)
	}
	if err := victim.do(ctx, "DELETE", "/api/v1/me", map[string]string{"password": password}, nil); err != nil {
		t.Fatal(err)
	}
	// Gone for everyone at once; the worker then erases its events and
	// recommender state.
	if err := ta.client().do(ctx, "GET", "/api/v1/accounts/"+handle, nil, nil); !isStatus(err, 404) {
		t.Errorf("deleted profile: %v, want 404", err)
	}
	if err := victim.do(ctx, "GET", "/api/v1/me", nil, nil); !isStatus(err, 401) {
		t.Errorf("deleted account's session: %v, want 401", err)
	}
	if _, err := sam.video(ctx, own.ID); !isStatus(err, 404) {
		t.Errorf("deleted account's video: %v, want 404", err)
	}
	eventually(t, "the deleted account's like leaves the counts", func() error {
		v, err := sam.video(ctx, samVideo.ID)
		if err != nil {
			return err
		}
		if v.Counts.Likes != 0 || v.Counts.Comments != 1 { // sam's own comment stays
			return errors.New("counts still hold the deleted account's like and comment")
		}
		return nil
	})
	// sam's like of the deleted account's comment went with the comment.
	if b := exportZip(t, ta, sam)["comment_likes.json"]; strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("sam's likes of comments after the deletion: %s", b)
	}
	// sam's notifications but that of the upload were the deleted
	// account's doing.
	if n, err := inbox(sam); err != nil || n != 1 {
		t.Errorf("sam's notifications after the deletion: %d, %v; want 1", n, err)
	}
	var samProfile struct {
		FollowerCount  int64 `json:"follower_count"`
		FollowingCount int64 `json:"following_count"`
	}
	if err := sam.do(ctx, "GET", "/api/v1/accounts/sam", nil, &samProfile); err != nil || samProfile.FollowerCount != 0 || samProfile.FollowingCount != 0 {
		t.Errorf("sam after the deletion: %+v, %v", samProfile, err)
	}

	// The raw files: nothing but the access log names the account. (The
	// scan does find what lives on: sam's video.) The stores are read while
	// the server runs too: closing one checkpoints its write-ahead log,
	// which would hide a missing compaction.
	waitErased(t, ta)
	for _, region := range []string{"us", "eu"} {
		for _, secret := range []string{email, handle, me.ID, "zqsecretcaption", comment} {
			if storeHolds(t, ta.Dir, region, secret) {
				t.Errorf("region %s: the store's files still hold %q", region, secret)
			}
		}
	}
	ta.Stop()
	if len(grepAll(t, ta.Dir, samVideo.ID)) == 0 {
		t.Fatal("the scan finds nothing, not even a surviving video")
	}
	for _, secret := range []string{email, handle, me.ID, "zqsecretcaption", comment, "zqfilter"} {
		hits := grepAll(t, ta.Dir, secret)
		hits = slices.DeleteFunc(hits, func(p string) bool {
			return secret == me.ID && strings.HasPrefix(p, filepath.Join(ta.Dir, "audit")+string(filepath.Separator))
		})
		if len(hits) > 0 {
			t.Errorf("%q is still in %v", secret, hits)
		}
	}
}

// waitErased waits until the erasure worker has finished every erasure.
func waitErased(t *testing.T, ta *testApp) {
	t.Helper()
	eventually(t, "erasures finished", func() error {
		pending, err := ta.App.Rights.Pending(context.Background())
		if err == nil && len(pending) > 0 {
			err = fmt.Errorf("erasures pending: %v", pending)
		}
		return err
	})
}

// putAvatar sets a small generated PNG as c's avatar.
func putAvatar(t *testing.T, ta *testApp, c *apiClient) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(1, 1, color.White)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", ta.URL+"/api/v1/me/avatar", &buf)
	req.Header.Set("Content-Type", "image/png")
	if err := c.send(req, nil); err != nil {
		t.Fatalf("avatar: %v", err)
	}
}

// exportZip downloads c's data and returns the zip's files by name.
func exportZip(t *testing.T, ta *testApp, c *apiClient) map[string][]byte {
	t.Helper()
	req, _ := http.NewRequest("POST", ta.URL+"/api/v1/me/export", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	var profile map[string]any
	if err := json.Unmarshal(files["account.json"], &profile); err != nil {
		t.Fatalf("account.json: %v", err)
	}
	return files
}

// grepAll returns every file under dir whose bytes contain s.
func grepAll(t *testing.T, dir, s string) []string {
	t.Helper()
	return filesWhere(t, dir, func(path string) (bool, error) {
		b, err := os.ReadFile(path)
		return bytes.Contains(b, []byte(s)), err
	})
}

// filesWhere lists the files under dir for which match is true.
func filesWhere(t *testing.T, dir string, match func(path string) (bool, error)) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ok, err := match(path)
		if ok {
			found = append(found, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestErasureResumes cuts an erasure short (as a kill would) and restarts:
// the server's erasure worker finishes it. Cut right after it was
// journalled, the worker does it all; cut after the records were removed
// but before the stores were compacted, it has no record left to delete
// and must still compact every store. While the server runs, no store's
// file or write-ahead log may hold the account's ID any more.
func TestErasureResumes(t *testing.T) {
	for _, removed := range []bool{false, true} {
		t.Run(fmt.Sprintf("records removed=%v", removed), func(t *testing.T) {
			dir := t.TempDir()
			ta := startTestAppIn(t, dir, "us", "eu")
			ctx := context.Background()
			victim := ta.userIn(t, "zqgone", "eu")
			sam := ta.userIn(t, "sam", "us")
			if err := sam.do(ctx, "POST", "/api/v1/accounts/zqgone/follow", nil, nil); err != nil {
				t.Fatal(err)
			}
			var me struct {
				ID string `json:"id"`
			}
			if err := victim.do(ctx, "GET", "/api/v1/me", nil, &me); err != nil {
				t.Fatal(err)
			}
			ta.Stop()

			if removed {
				eraseRecords(t, dir, me.ID, "eu", "eu", "us")
			}
			// The journal entry is all an erasure killed at its first step leaves.
			db, err := sql.Open("sqlite", node.DirectoryPath(dir))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`INSERT INTO erasures (account_id, started_at) VALUES (?, 0)`, me.ID); err != nil {
				t.Fatal(err)
			}
			db.Close()

			ta = startTestAppIn(t, dir, "us", "eu")
			waitErased(t, ta)
			for _, region := range []string{"us", "eu"} {
				if storeHolds(t, dir, region, me.ID) {
					t.Errorf("region %s: the store's files still hold the erased account's ID", region)
				}
			}
			if err := ta.client().do(ctx, "GET", "/api/v1/accounts/zqgone", nil, nil); !isStatus(err, 404) {
				t.Errorf("account after the resumed erasure: %v, want 404", err)
			}
			var samProfile struct {
				FollowingCount int64 `json:"following_count"`
			}
			if err := ta.client().do(ctx, "GET", "/api/v1/accounts/sam", nil, &samProfile); err != nil || samProfile.FollowingCount != 0 {
				t.Errorf("sam still follows the erased account: %+v, %v", samProfile, err)
			}
			ta.Stop()
			for _, region := range []string{"us", "eu"} {
				if hits := grepAll(t, node.RegionDir(dir, region), me.ID); len(hits) > 0 {
					t.Errorf("the erased account's ID is still in %v", hits)
				}
			}
		})
	}
}

// eraseRecords leaves the stores of a stopped instance as a kill right
// after the first part of an erasure would: the account's records erased
// from its home and every region's records about it erased, committed
// to the write-ahead logs but not compacted, so that the files still hold
// copies of them.
func eraseRecords(t *testing.T, dir, id, home string, regions ...string) {
	t.Helper()
	ctx := context.Background()
	for _, region := range regions {
		path := node.StorePath(dir, region)
		s, err := sqlite.Open(ctx, path, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		if region == home {
			err = s.EraseAccount(ctx, id)
		}
		err = errors.Join(err, s.EraseReferences(ctx, id))
		// Closing checkpoints the log into the file and deletes it: put
		// back what the kill would have left.
		kept := map[string][]byte{}
		for _, p := range []string{path, path + "-wal"} {
			b, rerr := os.ReadFile(p)
			err = errors.Join(err, rerr)
			kept[p] = b
		}
		err = errors.Join(err, s.Close())
		for p, b := range kept {
			err = errors.Join(err, os.WriteFile(p, b, 0o600))
		}
		if err != nil {
			t.Fatal(err)
		}
		if !storeHolds(t, dir, region, id) {
			t.Fatalf("region %s: the store's files hold no copy of the account: the test cannot tell whether the worker compacts", region)
		}
	}
}

// storePath is the file of region's store.

// storeHolds reports whether region's store file or its write-ahead log
// contains s.
func storeHolds(t *testing.T, dir, region, s string) bool {
	t.Helper()
	for _, p := range []string{node.StorePath(dir, region), node.StorePath(dir, region) + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}
