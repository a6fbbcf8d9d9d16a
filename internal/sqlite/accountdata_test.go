package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// openFile opens a new store and returns it with the path of its file.
func openFile(t testing.TB) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flick.db")
	db, err := Open(context.Background(), path, time.Now)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// rawFiles returns the bytes of the database file and of its write-ahead
// log and shared memory, those that exist.
func rawFiles(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(path + suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestRemoveLeavesNoTrace erases or releases a busy account, with the
// store open and used, and reads the raw files: nothing by which the
// account could be found may be left in them, not in free pages, stale
// copies of cells, the search index, the planner's statistics or the
// write-ahead log. An erased account's references are erased too, as data
// rights do, and the file is left as it was until Compact; a release
// compacts by itself. A released account leaves its ID in others' follows
// and its videos' IDs in others' likes, records that stay.
func TestRemoveLeavesNoTrace(t *testing.T) {
	for name, videos := range map[string]videosFate{"erased": videosGone, "released": videosLiveOn} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, path := openFile(t)
			gone, friend, traces := busyRegion(t, db, videos)
			wantInFiles(t, path, traces...)

			if videos == videosLiveOn {
				must(t, db.ReleaseAccount(ctx, gone))
			} else {
				must(t, db.EraseAccount(ctx, gone))
				must(t, db.EraseReferences(ctx, gone))
				// The synchronous part leaves the rewrite to Compact.
				if n := freePages(t, db); n == 0 {
					t.Error("EraseAccount rewrote the file: no free pages are left")
				}
				must(t, db.Compact(ctx))
			}

			wantNotInFiles(t, path, traces...)
			if n := freePages(t, db); n != 0 {
				t.Errorf("%d free pages after the compaction, want 0", n)
			}
			// The friend's records survive.
			if _, err := db.Account(ctx, friend); err != nil {
				t.Fatal(err)
			}
			wantInFiles(t, path, "a reply that stays")
		})
	}
}

// TestEraseReferencesLeavesNoTrace erases the references to an account of
// another region that many accounts here follow and hide, interleaved with
// follows of an account that stays: after EraseReferences and Compact its
// ID is in no byte of the files, and the other follows survive.
func TestEraseReferencesLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	db, path := openFile(t)
	at := time.Now()
	tick := func() time.Time { at = at.Add(time.Millisecond); return at }
	gone, stays := flick.NewID(tick()), flick.NewID(tick())
	db.SetElsewhere(otherRegion{gone: true, stays: true})
	var last string // a follower
	for i := range 300 {
		a := &flick.Account{ID: flick.NewID(tick()), Handle: fmt.Sprintf("follower%d", i), DisplayName: "Follower",
			Birthdate: "1990-05-06", Region: flick.DefaultRegion, CreatedAt: at}
		must(t, db.CreateAccount(ctx, a, "hash"))
		last = a.ID
		for _, followee := range []string{gone, stays} {
			_, err := db.Follow(ctx, a.ID, followee, tick())
			must(t, err)
		}
		if i%3 == 0 {
			_, err := db.HideCreator(ctx, a.ID, gone, tick())
			must(t, err)
		}
	}
	_, err := db.write.ExecContext(ctx, `ANALYZE`)
	must(t, err)
	wantInFiles(t, path, gone, stays)

	must(t, db.EraseReferences(ctx, gone))
	must(t, db.Compact(ctx))

	wantNotInFiles(t, path, gone)
	wantInFiles(t, path, stays)
	if ids, err := db.FollowingIDs(ctx, last); err != nil || len(ids) != 1 || ids[0] != stays {
		t.Errorf("a follower's FollowingIDs = %v, %v; want only %s", ids, err, stays)
	}
	if counts, err := db.FollowerCounts(ctx, []string{gone, stays}); err != nil || len(counts) != 1 || counts[stays] != 300 {
		t.Errorf("FollowerCounts = %v, %v; want only %s with 300", counts, err, stays)
	}
}

// otherRegion is the Elsewhere of a store whose accounts follow accounts
// of another region: it stores the accounts in the set, and no videos.
type otherRegion map[string]bool

func (o otherRegion) AccountExists(_ context.Context, id string) (bool, error) { return o[id], nil }
func (o otherRegion) VideoExists(context.Context, string) (bool, error)        { return false, nil }
func (o otherRegion) TopComment(context.Context, string, string) (string, error) {
	return "", flick.Errorf(flick.ENOTFOUND, "Comment not found.")
}

// wantInFiles fails the test unless each of s is in the raw files at path:
// otherwise a scan for it could not tell anything.
func wantInFiles(t *testing.T, path string, s ...string) {
	t.Helper()
	all := rawFiles(t, path)
	for _, x := range s {
		if !bytes.Contains(all, []byte(x)) {
			t.Fatalf("%q is not in the files", x)
		}
	}
}

// wantNotInFiles reports each of s found in the raw files at path, with
// the bytes around it.
func wantNotInFiles(t *testing.T, path string, s ...string) {
	t.Helper()
	all := rawFiles(t, path)
	for _, x := range s {
		if i := bytes.Index(all, []byte(x)); i >= 0 {
			t.Errorf("%q is left in the files, in %q", x, strings.ToValidUTF8(string(all[max(i-40, 0):min(i+len(x)+40, len(all))]), "?"))
		}
	}
}

// freePages returns the number of pages on the file's free list.
func freePages(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	must(t, db.write.QueryRow(`PRAGMA freelist_count`).Scan(&n))
	return n
}

// busyRegion makes an account with records in every table, interleaved
// with a friend's, and returns their IDs and the strings by which the
// account's records could be found.
func busyRegion(t *testing.T, db *DB, videos videosFate) (gone, friend string, traces []string) {
	t.Helper()
	ctx := context.Background()
	must2 := func(_ bool, err error) {
		t.Helper()
		must(t, err)
	}
	at := time.Now()
	tick := func() time.Time { at = at.Add(time.Millisecond); return at }
	account := func(handle, name, email string) *flick.Account {
		a := &flick.Account{ID: flick.NewID(tick()), Handle: handle, DisplayName: name, Email: email, Birthdate: "1990-05-06",
			Region: flick.DefaultRegion, CreatedAt: at}
		must(t, db.CreateAccount(ctx, a, "hash-of-"+handle))
		return a
	}
	video := func(author *flick.Account, caption string) *flick.Video {
		tags, mentions := flick.ParseCaption(caption)
		v := &flick.Video{ID: flick.NewID(tick()), AuthorID: author.ID, Caption: caption, Hashtags: tags, Mentions: mentions,
			CreatedAt: at, DurationMS: 15000, Width: 1080, Height: 1920, OriginalKey: "originals/" + author.ID + ".mp4"}
		must(t, db.CreateVideo(ctx, v))
		must(t, db.AddRendition(ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true, PosterKey: "videos/" + v.ID + "/poster.jpg",
			Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Bitrate: 800000, Size: 1 << 20,
				Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}))
		return v
	}
	comment := func(who *flick.Account, v *flick.Video, parentID, text string) *flick.Comment {
		c := &flick.Comment{VideoID: v.ID, AuthorID: who.ID, ParentID: parentID, Text: text, CreatedAt: tick()}
		must(t, db.CreateComment(ctx, c))
		return c
	}

	a := account("zqsecrethandle", "Zqsecretname Person", "zq-secret-mail@example.org")
	f := account("friend", "Friend", "friend@example.org")
	bio := "zqsecretbio about me"
	_, err := db.UpdateProfile(ctx, a.ID, flick.ProfileUpdate{Bio: &bio})
	must(t, err)
	_, err = db.PutSettings(ctx, a.ID, flick.ViewerSettings{KeywordFilters: []string{"zqsecretfilter"}})
	must(t, err)
	for i := range 3 {
		must(t, db.CreateSession(ctx, &flick.Session{AccountID: a.ID, TokenHash: []byte(fmt.Sprintf("zqsecrettoken%d", i)),
			UserAgent: "zqsecretagent", CreatedAt: tick(), ExpiresAt: at.Add(time.Hour)}))
	}
	must(t, db.CreatePasswordReset(ctx, &flick.PasswordReset{AccountID: a.ID, TokenHash: []byte("zqsecretreset"), CreatedAt: tick(), ExpiresAt: at.Add(time.Hour)}))
	must(t, db.AddDevice(ctx, a.ID, []byte("zqsecretdevice"), tick()))
	traces = []string{a.Handle, a.Email, "Zqsecretname", "zqsecretbio", "zqsecretfilter", "zqsecrettoken", "zqsecretagent",
		"zqsecretreset", "zqsecretdevice", "zqsecretcaption", "zqsecrettag", "zqsecretcomment", "zqsecretdeleted"}
	if videos == videosGone {
		traces = append(traces, a.ID)
	}
	// Enough rows to fill many pages, which the removal then empties or
	// leaves half full.
	batch := flick.ProjectionBatch{Counts: map[string]flick.Counts{}}
	for i := range 60 {
		theirs := video(f, fmt.Sprintf("friendly clip number %d #friendtag", i))
		mine := video(a, fmt.Sprintf("zqsecretcaption take %d with a longer caption to fill the pages #zqsecrettag", i))
		if videos == videosGone {
			traces = append(traces, mine.ID)
		}
		must2(db.Like(ctx, a.ID, theirs.ID, tick()))
		must2(db.Like(ctx, f.ID, mine.ID, tick()))
		top := comment(a, theirs, "", fmt.Sprintf("zqsecretcomment %d on a friend's clip", i))
		comment(f, theirs, top.ID, "a reply that stays")
		comment(f, mine, "", "nice one")
		if i%10 == 0 {
			must2(db.MarkNotInterested(ctx, a.ID, theirs.ID, tick()))
		}
		batch.Counts[theirs.ID] = flick.Counts{Views: 1, Likes: 1, Comments: 2}
		batch.Counts[mine.ID] = flick.Counts{Views: 1, Likes: 1, Comments: 1}
		batch.Watches = append(batch.Watches, flick.Watch{AccountID: a.ID, VideoID: theirs.ID, WatchMS: 5000, At: tick()},
			flick.Watch{AccountID: f.ID, VideoID: mine.ID, WatchMS: 5000, At: tick()})
	}
	must(t, db.ApplyProjection(ctx, "counts", 1, batch))
	// A video deleted before the account: its caption's tokens are only
	// marked deleted in the search index.
	must(t, db.DeleteVideo(ctx, video(a, "zqsecretdeleted caption").ID))
	must2(db.Follow(ctx, a.ID, f.ID, tick()))
	must2(db.Follow(ctx, f.ID, a.ID, tick()))
	must2(db.HideCreator(ctx, f.ID, a.ID, tick()))
	// PRAGMA optimize at Open analyzes the tables that grew: the planner's
	// samples then hold copies of index keys.
	_, err = db.write.ExecContext(ctx, `ANALYZE`)
	must(t, err)
	// Reads on the pool, as a live server has them.
	_, err = db.Account(ctx, a.ID)
	must(t, err)
	_, _, err = db.ListVideos(ctx, flick.VideoFilter{Query: "zqsecretcaption"}, flick.Page{})
	must(t, err)
	return a.ID, f.ID, traces
}
