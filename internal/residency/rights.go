package residency

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/flick-video/flick"
)

// Rights carries out people's rights over their data, whichever region
// holds it: a download of everything Flick holds about them, and erasure.
type Rights struct {
	dir    *Directory
	router *Router
	media  *Media
	cells  map[string]Cell
	audit  flick.AccessLog
	clock  flick.Clock
	logger *slog.Logger

	wake chan struct{} // Erase tells Run about a new erasure
	busy claims        // accounts being erased by this process
}

// NewRights returns the data-rights service over every region's cell.
func NewRights(dir *Directory, router *Router, media *Media, cells []Cell, audit flick.AccessLog, clock flick.Clock, logger *slog.Logger) *Rights {
	x := &Rights{dir: dir, router: router, media: media, cells: map[string]Cell{}, audit: audit, clock: clock, logger: logger,
		wake: make(chan struct{}, 1)}
	for _, c := range cells {
		x.cells[c.Region] = c
	}
	return x
}

// exportReadme explains the download to the person who asked for it.
const exportReadme = `This is everything Flick holds about your account, in every region.

account.json        your profile and account details (email, birthdate, home region, roles)
settings.json       your feed settings, hidden creators and "not interested" marks
sessions.json       your signed-in devices (the tokens themselves are never stored)
follows.json        the accounts you follow
likes.json          the videos you liked
watch_history.json  what you watched, for how long, and whether to the end
comments.json       the comments you wrote
videos.json         the videos you uploaded, with captions and processing state
events.json         your activity as recorded in your region's event log
access_log.json     every access to your data by anyone but you (admins, support,
                    moves between regions, exports), from the tamper-evident log
uploads/            your original uploads, as you sent them
avatar.jpg          your profile picture, if you set one

Flick does not collect device fingerprints, your clipboard, contacts or precise location.
`

// exportProfile is account.json: the profile with its personal fields.
type exportProfile struct {
	flick.Account
	Email     string   `json:"email"`
	Birthdate string   `json:"birthdate"`
	Roles     []string `json:"roles"`
}

// Export writes a zip of everything held about account id to w and records
// the export in the access log. Nothing is written to w unless everything
// but the media could be read.
func (x *Rights) Export(ctx context.Context, id string) (func(w io.Writer) error, error) {
	region, store, err := x.router.Home(ctx, id)
	if err != nil {
		return nil, err
	}
	cell := x.cells[region]
	d, err := store.AccountData(ctx, id)
	if err != nil {
		return nil, err
	}
	if acc, err := x.router.Account(ctx, id); err == nil {
		d.Account = *acc // with the followers of every region
	}
	evs, err := cell.Log.AccountEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	events := make([]flick.Event, len(evs))
	for i, e := range evs {
		events[i] = e.Event
	}
	if err := x.audit.Record(ctx, flick.AccessEntry{Actor: id, ActorRole: "owner", Action: flick.AccessExport,
		AccountID: id, Region: region, Reason: "download requested by the account holder"}); err != nil {
		return nil, err
	}
	access, err := x.accessEntries(ctx, id)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		v    any
	}{
		{"account.json", exportProfile{Account: d.Account, Email: d.Account.Email, Birthdate: d.Account.Birthdate, Roles: nonNil(d.Roles)}},
		{"settings.json", map[string]any{"settings": d.Settings, "hidden_creators": nonNil(d.Blocks), "not_interested": nonNil(d.NotInterest)}},
		{"sessions.json", nonNil(d.Sessions)},
		{"follows.json", nonNil(d.Follows)},
		{"likes.json", nonNil(d.Likes)},
		{"watch_history.json", nonNil(d.Watches)},
		{"comments.json", nonNil(d.Comments)},
		{"videos.json", nonNil(d.Videos)},
		{"events.json", events},
		{"access_log.json", access},
	}
	now := x.clock()
	return func(w io.Writer) error {
		z := zip.NewWriter(w)
		if err := writeZipFile(z, "README.txt", []byte(exportReadme), now); err != nil {
			return err
		}
		for _, f := range files {
			b, err := json.MarshalIndent(f.v, "", "  ")
			if err != nil {
				return fmt.Errorf("export %s: %w", f.name, err)
			}
			if err := writeZipFile(z, f.name, b, now); err != nil {
				return err
			}
		}
		if d.Account.HasAvatar {
			if err := copyToZip(ctx, z, cell.Blobs, flick.AvatarKey(id), "avatar.jpg"); err != nil {
				return err
			}
		}
		for _, v := range d.Videos {
			if v.OriginalKey == "" {
				continue
			}
			if err := copyToZip(ctx, z, cell.Blobs, v.OriginalKey, "uploads/"+v.ID+".original"); err != nil {
				return err
			}
		}
		return z.Close()
	}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// accessEntries reads every access log entry about id, oldest first.
func (x *Rights) accessEntries(ctx context.Context, id string) ([]flick.AccessEntry, error) {
	var all []flick.AccessEntry
	before := int64(0)
	for {
		page, err := x.audit.EntriesAbout(ctx, id, before, flick.MaxAccessPage)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < flick.MaxAccessPage {
			break
		}
		before = page[len(page)-1].Index
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, nil
}

func writeZipFile(z *zip.Writer, name string, b []byte, at time.Time) error {
	f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at})
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	_, err = f.Write(b)
	return err
}

// copyToZip adds the blob at key; a blob that is missing (an upload whose
// original was already cleaned up) is skipped.
func copyToZip(ctx context.Context, z *zip.Writer, blobs flick.BlobStore, key, name string) error {
	b, err := blobs.Open(ctx, key)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	defer b.Close()
	f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: b.ModTime()})
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, b); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	return nil
}

// Erase deletes account id and every piece of its data in every region.
// Before it returns, the account is gone for everyone: its videos (with
// what every region holds about them), its records and sessions, its media,
// and other regions' follows and hides of it. Its events (and other
// messages naming it), what every recommender learned from it, the copies
// of its records left in the stores' files (one compaction of every store
// for all the erasures Run finishes together) and its directory entry are
// erased next by Run, which can take minutes for a busy account (each
// erased event rewrites part of the log). The erasure is
// journalled first, so that Run finishes one cut short anywhere; the access
// log keeps its pseudonymous entries about the account, this one included.
func (x *Rights) Erase(ctx context.Context, id string) error {
	region, err := x.router.region(ctx, id)
	if err != nil {
		return err
	}
	if !x.busy.claim(id) {
		return flick.Errorf(flick.ECONFLICT, "This account is being deleted already.")
	}
	// Run skips an account Erase holds, so it is woken only once Erase has
	// let go of it (defers run last in, first out), failed or not.
	defer x.wakeRun()
	defer x.busy.release(id)
	// From here the account is unknown to every request (and to other
	// regions' checks, so that nobody follows or hides it meanwhile) until
	// Run has erased it. The requests under way on it end first, so that
	// none writes after. Until the erasure is journalled a failure changes
	// nothing; after, it leaves the account so, and Run retries.
	unmark, err := x.router.markErasing(ctx, id)
	if err != nil {
		return err
	}
	if err := x.audit.Record(ctx, flick.AccessEntry{Actor: id, ActorRole: "owner", Action: flick.AccessDelete,
		AccountID: id, Region: region, Reason: "deletion requested by the account holder"}); err != nil {
		unmark()
		return err
	}
	if err := x.dir.beginErasure(ctx, id, x.clock()); err != nil {
		unmark()
		return fmt.Errorf("residency: erase: %w", err)
	}
	return x.removeRecords(context.WithoutCancel(ctx), id, region)
}

// wakeRun tells Run to look at the journal.
func (x *Rights) wakeRun() {
	select {
	case x.wake <- struct{}{}:
	default: // Run has been told already
	}
}

// removeRecords is the first part of an erasure, after which nothing of
// the account can be reached. Each step is idempotent.
func (x *Rights) removeRecords(ctx context.Context, id, region string) error {
	home, ok := x.cells[region]
	if !ok {
		return fmt.Errorf("residency: erase %s: region %q is not configured", id, region)
	}
	// Videos first, through their transcoder (which cancels a transcode
	// under way) and its remove events, which make every region forget
	// its records about them.
	if d, err := home.Store.AccountData(ctx, id); err == nil {
		for _, v := range d.Videos {
			if err := x.media.deleteVideo(ctx, region, v.ID); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
				return fmt.Errorf("residency: erase %s: video %s: %w", id, v.ID, err)
			}
		}
	} else if flick.ErrorCode(err) != flick.ENOTFOUND {
		return fmt.Errorf("residency: erase %s: %w", id, err)
	}
	if err := home.Store.PurgeAccount(ctx, id, false); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
		return fmt.Errorf("residency: erase %s: purge: %w", id, err)
	}
	if err := home.Blobs.DeletePrefix(ctx, flick.AvatarKey(id)); err != nil {
		return fmt.Errorf("residency: erase %s: avatar: %w", id, err)
	}
	for _, c := range x.cells {
		if err := c.Store.ForgetAccount(ctx, id); err != nil {
			return fmt.Errorf("residency: erase %s in %s: %w", id, c.Region, err)
		}
	}
	return nil
}

// eraseRest does the rest of an erasure but the compaction: the records
// (again, if a crash cut the first part short), then the events and the
// recommenders' state in every region.
func (x *Rights) eraseRest(ctx context.Context, id, region string) error {
	if err := x.removeRecords(ctx, id, region); err != nil {
		return err
	}
	for _, c := range x.cells {
		if err := eraseEvents(ctx, c, id, true); err != nil {
			return fmt.Errorf("residency: erase %s in %s: %w", id, c.Region, err)
		}
	}
	return nil
}

// compact rewrites every region's store, so that no copy of the records
// erased before it is left in their files. It first waits for each
// region's projector to apply its log: the remove events of the erased
// accounts' videos delete other people's records about them (comments
// that may name the account among them).
func (x *Rights) compact(ctx context.Context) error {
	for _, c := range x.cells {
		seq, err := c.Log.LastSeq(ctx)
		if err == nil {
			err = c.Projector.WaitFor(ctx, seq)
		}
		if err != nil {
			return fmt.Errorf("residency: compact %s: waiting for the projector: %w", c.Region, err)
		}
		if err := c.Store.Compact(ctx); err != nil {
			return fmt.Errorf("residency: compact %s: %w", c.Region, err)
		}
	}
	return nil
}

// Pending lists the accounts whose erasure is not finished: until every
// store is compacted after it.
func (x *Rights) Pending(ctx context.Context) ([]string, error) {
	todo, err := x.dir.pendingErasures(ctx)
	ids := make([]string, len(todo))
	for i, p := range todo {
		ids[i] = p.id
	}
	return ids, err
}

// Run finishes the journalled erasures, those Erase starts and those a
// crash or shutdown cut short, until ctx ends. The projectors and learners
// must be running.
func (x *Rights) Run(ctx context.Context) error {
	for {
		if err := x.finishPending(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-x.wake:
		case <-time.After(time.Minute):
		}
	}
}

// finishPending finishes every journalled erasure that Erase is not still
// working on: the rest of each, then one compaction of every store for the
// batch, and only then the journal rows, so that a crash before the
// compaction has it redone at the next start. A failed erasure or
// compaction is logged and retried at the next wake-up or start: it must
// stay visible, not stop the server. It returns only ctx's error or the
// journal's.
func (x *Rights) finishPending(ctx context.Context) error {
	todo, err := x.dir.pendingErasures(ctx)
	if err != nil {
		return err
	}
	type erased struct {
		pendingErasure
		unmark func()
	}
	var done []erased
	defer func() {
		for _, e := range done {
			x.busy.release(e.id)
		}
	}()
	for _, p := range todo {
		if !x.busy.claim(p.id) {
			continue // Erase is still on its first part; it wakes us after
		}
		unmark, err := x.router.markErasing(ctx, p.id)
		if err == nil {
			err = x.eraseRest(ctx, p.id, p.region)
		}
		if err != nil {
			x.busy.release(p.id)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			x.logger.Error("account erasure failed; it will be retried", "account", p.id, "err", err)
			continue
		}
		done = append(done, erased{p, unmark})
	}
	if len(done) == 0 {
		return nil
	}
	ids := make([]string, len(done))
	for i, e := range done {
		ids[i] = e.id
	}
	err = x.compact(ctx)
	if err == nil {
		err = x.dir.endErasures(ctx, ids)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		x.logger.Error("account erasures failed; they will be retried", "accounts", ids, "err", err)
		return nil
	}
	for _, e := range done {
		e.unmark() // the directory has forgotten it
		x.logger.Info("account erased", "account", e.id, "region", e.region)
	}
	return nil
}
