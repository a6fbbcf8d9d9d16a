package datarights

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/media"
)

// exportReadme explains the download to the person who asked for it.
const exportReadme = `This is everything Flick holds about your account, in every region.

account.json        your profile and account details (email, birthdate, home region, roles)
settings.json       your feed settings, hidden creators and "not interested" marks
sessions.json       your signed-in devices (the tokens themselves are never stored)
follows.json        the accounts you follow, with their handles and names
likes.json          the videos you liked, with their captions and creators
comment_likes.json  the comments you liked, with their text, authors and videos
watch_history.json  what you watched, for how long, and whether to the end
comments.json       the comments you wrote ("deleted": true for one you or the
                    video's creator deleted that still has replies: its text
                    is gone, only its place in the thread is kept)
videos.json         the videos you uploaded, with captions and processing state
notifications.json  your notifications: who followed you, liked, commented on or mentioned
                    your videos and comments (by account ID), and when
events.json         your activity as recorded in your region's event log
access_log.json     every access to your data by anyone but you (admins, support,
                    moves between regions, exports), from the tamper-evident log
uploads/            your original uploads, as you sent them, named by video ID
                    and by what they are (.mp4, .mov, .webm, ...)
avatar.jpg          your profile picture, if you set one

An account, video or comment you followed or liked that no longer exists is
listed by its ID alone. Times are in UTC.

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
	follows, err := x.readableAccounts(ctx, d.Follows)
	if err != nil {
		return nil, err
	}
	hidden, err := x.readableAccounts(ctx, d.Hidden)
	if err != nil {
		return nil, err
	}
	likes, err := x.readableVideos(ctx, d.Likes)
	if err != nil {
		return nil, err
	}
	notInterested, err := x.readableVideos(ctx, d.NotInterest)
	if err != nil {
		return nil, err
	}
	commentLikes, err := x.readableComments(ctx, d.CommentLikes)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		v    any
	}{
		{"account.json", exportProfile{Account: d.Account, Email: d.Account.Email, Birthdate: d.Account.Birthdate, Roles: nonNil(d.Roles)}},
		{"settings.json", map[string]any{"settings": d.Settings, "hidden_creators": hidden, "not_interested": notInterested}},
		{"sessions.json", nonNil(d.Sessions)},
		{"follows.json", follows},
		{"likes.json", likes},
		{"comment_likes.json", commentLikes},
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
			if err := copyToZip(ctx, z, home.Blobs, flick.AvatarKey(id), func([]byte) string { return "avatar.jpg" }); err != nil {
				return err
			}
		}
		for _, v := range d.Videos {
			if v.OriginalKey == "" {
				continue
			}
			// Named by what the upload is, as ffprobe was told the
			// formats it may be (the record keeps no file name).
			name := func(head []byte) string { return "uploads/" + v.ID + media.Extension(head) }
			if err := copyToZip(ctx, z, home.Blobs, v.OriginalKey, name); err != nil {
				return err
			}
		}
		return z.Close()
	}, nil
}

// The lists of what a person followed, liked and hid name accounts,
// videos and comments of any region by ID; the export adds what a person
// reads them by. Something gone since (or unreadable now) keeps its ID.

// accountEdge is a followed or hidden account.
type accountEdge struct {
	AccountID   string    `json:"account_id"`
	Handle      string    `json:"handle,omitempty"`
	DisplayName string    `json:"display_name,omitempty"`
	At          time.Time `json:"at"`
}

func (x *Service) readableAccounts(ctx context.Context, edges []flick.Edge) ([]accountEdge, error) {
	out := make([]accountEdge, len(edges))
	for i, e := range edges {
		out[i] = accountEdge{AccountID: e.ID, At: e.At}
		a, err := x.router.Account(ctx, e.ID)
		if err == nil {
			out[i].Handle, out[i].DisplayName = a.Handle, a.DisplayName
		} else if flick.ErrorCode(err) != flick.ENOTFOUND {
			return nil, err
		}
	}
	return out, nil
}

// videoEdge is a liked video, or one marked not interested.
type videoEdge struct {
	VideoID string    `json:"video_id"`
	Caption string    `json:"caption,omitempty"`
	Creator string    `json:"creator,omitempty"` // the creator's handle
	At      time.Time `json:"at"`
}

func (x *Service) readableVideos(ctx context.Context, edges []flick.Edge) ([]videoEdge, error) {
	ids := make([]string, len(edges))
	for i, e := range edges {
		ids[i] = e.ID
	}
	videos, err := x.router.Videos(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]*flick.Video{}
	for _, v := range videos {
		byID[v.ID] = v
	}
	out := make([]videoEdge, len(edges))
	for i, e := range edges {
		out[i] = videoEdge{VideoID: e.ID, At: e.At}
		if v, ok := byID[e.ID]; ok {
			out[i].Caption, out[i].Creator = v.Caption, v.Author.Handle
		}
	}
	return out, nil
}

// commentEdge is a liked comment.
type commentEdge struct {
	CommentID string    `json:"comment_id"`
	VideoID   string    `json:"video_id"`
	Text      string    `json:"text,omitempty"`
	Author    string    `json:"author,omitempty"` // the author's handle
	At        time.Time `json:"at"`
}

func (x *Service) readableComments(ctx context.Context, likes []flick.CommentLike) ([]commentEdge, error) {
	out := make([]commentEdge, len(likes))
	for i, l := range likes {
		out[i] = commentEdge{CommentID: l.CommentID, VideoID: l.VideoID, At: l.At}
		c, err := x.router.Comment(ctx, l.CommentID)
		if err == nil {
			out[i].Text, out[i].Author = c.Text, c.Author.Handle
		} else if flick.ErrorCode(err) != flick.ENOTFOUND {
			return nil, err
		}
	}
	return out, nil
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

// copyToZip adds the blob at key under the name that name gives its first
// bytes (up to media.SniffLength); a blob that is missing (an upload whose
// original was already cleaned up) is skipped.
func copyToZip(ctx context.Context, z *zip.Writer, blobs flick.BlobStore, key string, name func(head []byte) string) error {
	b, err := blobs.Open(ctx, key)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	defer b.Close()
	r := bufio.NewReaderSize(b, media.SniffLength)
	head, err := r.Peek(media.SniffLength)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("export %s: %w", key, err)
	}
	f, err := z.CreateHeader(&zip.FileHeader{Name: name(head), Method: zip.Store, Modified: b.ModTime()})
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("export %s: %w", key, err)
	}
	return nil
}
