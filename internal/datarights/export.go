package datarights

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/flick-video/flick"
)

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
notifications.json  your notifications: who followed you, liked, commented on or mentioned
                    your videos and comments (by account ID), and when
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
func (x *Service) Export(ctx context.Context, id string) (func(w io.Writer) error, error) {
	home, done, err := x.router.Home(ctx, id)
	if err != nil {
		return nil, err
	}
	defer done()
	d, err := home.Store.AccountData(ctx, id)
	if err != nil {
		return nil, err
	}
	if acc, err := x.router.Account(ctx, id); err == nil {
		d.Account = *acc // with the followers of every region
	}
	evs, err := home.Events.AccountEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	events := make([]flick.Event, len(evs))
	for i, e := range evs {
		events[i] = e.Event
	}
	if err := x.audit.Record(ctx, flick.AccessEntry{Actor: id, ActorRole: "owner", Action: flick.AccessExport,
		AccountID: id, Region: home.Region, Reason: "download requested by the account holder"}); err != nil {
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
		{"settings.json", map[string]any{"settings": d.Settings, "hidden_creators": nonNil(d.Hidden), "not_interested": nonNil(d.NotInterest)}},
		{"sessions.json", nonNil(d.Sessions)},
		{"follows.json", nonNil(d.Follows)},
		{"likes.json", nonNil(d.Likes)},
		{"watch_history.json", nonNil(d.Watches)},
		{"comments.json", nonNil(d.Comments)},
		{"videos.json", nonNil(d.Videos)},
		{"notifications.json", nonNil(d.Notifications)},
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
			if err := copyToZip(ctx, z, home.Blobs, flick.AvatarKey(id), "avatar.jpg"); err != nil {
				return err
			}
		}
		for _, v := range d.Videos {
			if v.OriginalKey == "" {
				continue
			}
			if err := copyToZip(ctx, z, home.Blobs, v.OriginalKey, "uploads/"+v.ID+".original"); err != nil {
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
func (x *Service) accessEntries(ctx context.Context, id string) ([]flick.AccessEntry, error) {
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
