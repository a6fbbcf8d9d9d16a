package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/directory"
	"github.com/flick-video/flick/internal/move"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/residency"
)

// The secrets of mia, the account the tests move: they must end up in the
// eu region's files and nowhere in the us region's.
const (
	miaBio     = "bio-of-mia-moving-to-eu"
	miaComment = "comment-of-mia-moving-to-eu"
)

// busyRegions runs a two-region server on dir and makes mia, a us account
// with an avatar, a bio, a video, a comment, likes, follows both ways
// (with eve of eu) and views; then stops it. It returns mia's client (its
// session token moves with her) and her video.
func busyRegions(t *testing.T, dir string) (*apiClient, *videoJSON) {
	t.Helper()
	ctx := context.Background()
	ta := startTestAppIn(t, dir, "us", "eu")
	mia := ta.userIn(t, "mia", "us")
	eve := ta.userIn(t, "eve", "eu")
	ulf := ta.userIn(t, "ulf", "us")
	if err := mia.do(ctx, "PATCH", "/api/v1/me", map[string]string{"bio": miaBio}, nil); err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, "PUT", ta.URL+"/api/v1/me/avatar", &img)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "image/png")
	if err := mia.send(req, nil); err != nil {
		t.Fatal(err)
	}
	v := ta.uploadReady(t, mia, "mia on the move #regions")
	for _, c := range []*apiClient{mia, eve} {
		if err := c.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/like", nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.do(ctx, "POST", "/api/v1/events", []map[string]any{{"type": "view", "video_id": v.ID, "watch_ms": 2000}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := mia.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/comments", map[string]string{"text": miaComment}, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		c      *apiClient
		handle string
	}{{mia, "eve"}, {eve, "mia"}, {ulf, "mia"}} {
		if err := f.c.do(ctx, "POST", "/api/v1/accounts/"+f.handle+"/follow", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the views counted", func() error {
		got, err := mia.video(ctx, v.ID)
		if err != nil || got.Counts.Views != 2 {
			return fmt.Errorf("video %+v, %v", got, err)
		}
		return nil
	})
	ta.Stop()
	return mia, v
}

// runResidencyCmd runs flick residency with args on data and returns its
// output.
func runResidencyCmd(t *testing.T, data string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args[:1:1], append([]string{"--data", data, "--regions", "us,eu", "--log-level", "warn"}, args[1:]...)...)
	err := runResidency(context.Background(), args, &out, &errOut)
	t.Logf("flick residency %s:\n%s%s", strings.Join(args, " "), out.String(), errOut.String())
	return out.String(), err
}

func TestResidencyCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mia, v := busyRegions(t, dir)

	out, err := runResidencyCmd(t, dir, "check")
	if err != nil || !strings.Contains(out, "ok: no personal data outside its home region") {
		t.Fatalf("check of a clean instance: %v\n%s", err, out)
	}

	// A stray copy of mia's avatar in eu fails the check.
	dirs, err := directory.Open(ctx, node.DirectoryPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	id, err := dirs.Lookup(ctx, "mia")
	dirs.Close()
	if err != nil {
		t.Fatal(err)
	}
	avatar := filepath.Join(node.RegionDir(dir, "us"), "media", filepath.FromSlash(flick.AvatarKey(id)))
	stray := filepath.Join(node.RegionDir(dir, "eu"), "media", filepath.FromSlash(flick.AvatarKey(id)))
	copyFile(t, avatar, stray)
	out, err = runResidencyCmd(t, dir, "check")
	if err == nil || !strings.Contains(out, "FAILED: 1 piece of personal data") || !strings.Contains(out, "avatar "+flick.AvatarKey(id)) {
		t.Fatalf("check with a stray avatar: %v\n%s", err, out)
	}
	out, _ = runResidencyCmd(t, dir, "check", "--json")
	var rep residency.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Violations) != 1 || rep.Violations[0].AccountID != id || rep.Violations[0].Region != "eu" {
		t.Fatalf("check --json: %v: %+v", err, rep)
	}
	if err := os.Remove(stray); err != nil {
		t.Fatal(err)
	}

	// Every region must be named.
	if err := runResidency(ctx, []string{"check", "--data", dir, "--regions", "us"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), `region "eu"`) {
		t.Errorf("check without eu: %v", err)
	}

	out, err = runResidencyCmd(t, dir, "move", "--account", "@Mia", "--to", "eu", "--reason", "she moved to Lisbon")
	if err != nil || !strings.Contains(out, "moved @mia ("+id+") from us to eu") {
		t.Fatalf("move: %v\n%s", err, out)
	}
	if out, err := runResidencyCmd(t, dir, "move", "--account", "mia", "--to", "eu"); err != nil || !strings.Contains(out, "@mia is homed in eu: nothing to move") {
		t.Errorf("move again: %v\n%s", err, out)
	}
	if out, err := runResidencyCmd(t, dir, "check"); err != nil {
		t.Errorf("check after the move: %v\n%s", err, out)
	}
	wantOnlyIn(t, dir, "eu")

	// Served again, mia's session still works, she signs in, and her video
	// plays with the counts of both regions.
	ta := startTestAppIn(t, dir, "us", "eu")
	moved := ta.client()
	moved.token = mia.token
	var me struct {
		Region string `json:"region"`
		Bio    string `json:"bio"`
	}
	if err := moved.do(ctx, "GET", "/api/v1/me", nil, &me); err != nil || me.Region != "eu" || me.Bio != miaBio {
		t.Errorf("me after the move: %+v, %v", me, err)
	}
	if err := ta.client().logIn(ctx, "mia", "correct horse battery"); err != nil {
		t.Errorf("log in after the move: %v", err)
	}
	got, err := moved.video(ctx, v.ID)
	if err != nil || got.Counts.Likes != 2 || got.Counts.Views != 2 || got.Counts.Comments != 1 {
		t.Fatalf("video after the move: %+v, %v", got, err)
	}
	for _, url := range []string{got.Renditions[0].URL, "/media/" + flick.AvatarKey(id)} {
		resp, err := http.Get(ta.URL + url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s after the move: %d", url, resp.StatusCode)
		}
	}
	entries, err := ta.App.Audit.EntriesAbout(ctx, id, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != flick.AccessMove || entries[0].Actor != cliActor ||
		entries[0].Reason != "she moved to Lisbon" || !strings.Contains(entries[0].Detail, "from=us to=eu") {
		t.Errorf("access log about mia: %+v", entries)
	}
}

// wantOnlyIn checks that mia's secrets are in region home's files and in no
// other region's.
func wantOnlyIn(t *testing.T, dir, home string) {
	t.Helper()
	for _, region := range []string{"us", "eu"} {
		for _, secret := range []string{miaBio, miaComment} {
			hits := grepAll(t, node.RegionDir(dir, region), secret)
			if region == home && len(hits) == 0 {
				t.Errorf("%q is not in its home region %s", secret, home)
			}
			if region != home && len(hits) > 0 {
				t.Errorf("%q found outside its home region, in %v", secret, hits)
			}
		}
	}
}

// TestResidencyMoveKilled kills (SIGKILL) a flick process moving mia to eu
// at a step before the switch and at steps after it; a rerun of the same
// command rolls the move back and makes it again, or finishes it, and
// either way leaves one live copy in eu and nothing in us.
func TestResidencyMoveKilled(t *testing.T) {
	if dir := os.Getenv("FLICK_TEST_MOVE_DATA"); dir != "" {
		moveUntilKilled(dir, os.Getenv("FLICK_TEST_MOVE_STEP"))
		return
	}
	base := t.TempDir()
	busyRegions(t, base)
	tests := []struct{ step, outcome string }{
		{move.StepEventsCopied, "rolled back"},
		{move.StepSwitched, "completed"},
		{move.StepMediaDeleted, "completed"},
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyDir(t, base, dir)
			killDuringMove(t, dir, tt.step)
			if _, err := runResidencyCmd(t, dir, "check"); err == nil {
				t.Error("check of the interrupted move found nothing")
			}
			out, err := runResidencyCmd(t, dir, "move", "--account", "mia", "--to", "eu")
			if err != nil || !strings.Contains(out, "from us to eu: "+tt.outcome) {
				t.Fatalf("rerun: %v\n%s", err, out)
			}
			if out, err := runResidencyCmd(t, dir, "check"); err != nil {
				t.Errorf("check after the rerun: %v\n%s", err, out)
			}
			wantOnlyIn(t, dir, "eu")
			log, err := audit.Open(context.Background(), node.AuditDir(dir), "", time.Now)
			if err != nil {
				t.Fatal(err)
			}
			defer log.Close()
			cp, err := log.Checkpoint(context.Background())
			if err != nil || cp.Size != 1 {
				t.Errorf("access log: %+v, %v; want the one receipt", cp, err)
			}
		})
	}
}

// killDuringMove runs a flick process (this test binary) that moves mia to
// eu and stops at step, and kills it there with SIGKILL.
func killDuringMove(t *testing.T, dir, step string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestResidencyMoveKilled$")
	cmd.Env = append(os.Environ(), "FLICK_TEST_MOVE_DATA="+dir, "FLICK_TEST_MOVE_STEP="+step)
	cmd.Stderr = testWriter{t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "reached ") || strings.HasPrefix(sc.Text(), "failed ") {
				reached <- sc.Text()
				break
			}
		}
		close(reached)
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-reached:
		if line != "reached "+step {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the moving process said %q", line)
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the move did not reach step %s", step)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// moveUntilKilled is the killed process: it moves mia to eu as flick
// residency move does, says when it reaches step and waits there to be
// killed.
func moveUntilKilled(dir, step string) {
	ctx := context.Background()
	fail := func(err error) {
		fmt.Println("failed", err)
		os.Exit(1)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n, err := node.Open(ctx, node.Config{Data: dir, Regions: []string{"us", "eu"}, Logger: logger})
	if err != nil {
		fail(err)
	}
	n.StartPipelines(ctx)
	m := move.New(move.Config{Directory: n.Directory, Router: n.Router,
		Audit: n.Audit, Clock: time.Now, Logger: logger, Step: func(_ context.Context, s string) error {
			if s == step {
				fmt.Println("reached", s)
				time.Sleep(time.Hour)
			}
			return nil
		}})
	fail(fmt.Errorf("the move ended: %v", moveAccount(ctx, n, m, "mia", "eu", "killed on purpose", false, io.Discard)))
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		copyFile(t, path, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
