package move

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/directory"
)

// snapshot is everything the source holds of an account, as exported.
type snapshot struct {
	data   *flick.AccountData
	events []flick.Event
	media  []string
}

// export reads what the source holds of account id once the source's
// projector has applied all of its events (its watch history is a record
// to move, not an event to replay).
func (m *Mover) export(ctx context.Context, source *flick.Cell, id string) (*snapshot, error) {
	seq, err := source.Events.LastSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("move %s: %w", id, err)
	}
	if err := source.Projector.WaitFor(ctx, seq); err != nil {
		return nil, fmt.Errorf("move %s: waiting for the projector: %w", id, err)
	}
	s := &snapshot{}
	if s.data, err = source.Store.AccountData(ctx, id); err != nil {
		return nil, fmt.Errorf("move %s: export records: %w", id, err)
	}
	for _, v := range s.data.Videos {
		if v.Status == flick.StatusProcessing || v.Status == flick.StatusReady && !v.Complete {
			return nil, flick.Errorf(flick.EUNAVAILABLE, "Video %s is still being processed; move the account once it is done.", v.ID)
		}
	}
	evs, err := source.Events.AccountEvents(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("move %s: export events: %w", id, err)
	}
	s.events = plainEvents(evs)
	for _, prefix := range mediaPrefixes(s.data) {
		keys, err := source.Blobs.Keys(ctx, prefix)
		if err != nil {
			return nil, fmt.Errorf("move %s: list media: %w", id, err)
		}
		s.media = append(s.media, keys...)
	}
	return s, nil
}

// mediaPrefixes are the media key prefixes of an account: its avatar and
// the folder of each of its videos.
func mediaPrefixes(d *flick.AccountData) []string {
	prefixes := []string{flick.AvatarKey(d.Account.ID)}
	for _, v := range d.Videos {
		prefixes = append(prefixes, "videos/"+v.ID+"/")
	}
	return prefixes
}

// deletePrefixes are the prefixes that delete keys: a video's whole folder.
func deletePrefixes(keys []string) []string {
	var out []string
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k, "videos/"); ok {
			if id, _, ok := strings.Cut(rest, "/"); ok {
				k = "videos/" + id + "/"
			}
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func plainEvents(evs []flick.SequencedEvent) []flick.Event {
	out := make([]flick.Event, len(evs))
	for i, e := range evs {
		out[i] = e.Event
	}
	return out
}

// eventBatch bounds one Append of copied events.
const eventBatch = 1000

// copy writes the snapshot into the target and verifies it against the
// target and against the source read again, which must not have changed
// (a request already past the freeze, a video deleted meanwhile).
func (m *Mover) copy(ctx context.Context, mv *directory.Move, s *snapshot, source, target *flick.Cell) (*flick.MoveReceipt, error) {
	r := &flick.MoveReceipt{MoveID: mv.ID, AccountID: mv.AccountID, From: mv.From, To: mv.To, Actor: mv.Actor, Reason: mv.Reason, Started: mv.Started, Records: recordCounts(s.data)}
	var err error
	if r.DataHash, err = DataHash(s.data); err != nil {
		return nil, err
	}
	imported := *s.data
	imported.Account.Region = mv.To
	if err := target.Store.ImportAccountData(ctx, &imported); err != nil {
		return nil, fmt.Errorf("move %s: import records into %s: %w", mv.AccountID, mv.To, err)
	}
	if err := m.step(ctx, StepImported); err != nil {
		return nil, err
	}

	sums := map[string]string{}
	for _, key := range s.media {
		sum, n, err := copyBlob(ctx, source.Blobs, target.Blobs, key)
		if err != nil {
			return nil, fmt.Errorf("move %s: copy media: %w", mv.AccountID, err)
		}
		sums[key] = sum
		r.MediaBytes += n
	}
	r.MediaFiles, r.MediaHash = len(s.media), mediaHash(sums)
	if err := m.step(ctx, StepMediaCopied); err != nil {
		return nil, err
	}

	moved := slices.Clone(s.events)
	for i := range moved {
		moved[i].Moved = true
	}
	for batch := range slices.Chunk(moved, eventBatch) {
		if _, err := target.Events.Append(ctx, batch); err != nil {
			return nil, fmt.Errorf("move %s: copy events: %w", mv.AccountID, err)
		}
	}
	r.Events = len(s.events)
	if r.EventsHash, err = eventsHash(s.events); err != nil {
		return nil, err
	}
	if err := m.step(ctx, StepEventsCopied); err != nil {
		return nil, err
	}

	for _, side := range []*flick.Cell{target, source} {
		if err := verify(ctx, side, mv.AccountID, r, s.media, sums); err != nil {
			return nil, fmt.Errorf("move %s: verifying the copy: %w", mv.AccountID, err)
		}
	}
	if err := m.step(ctx, StepVerified); err != nil {
		return nil, err
	}
	r.Switched = m.cfg.Clock().UTC()
	return r, nil
}

// verify reads the account back from one side and compares it with the
// receipt: records, each media file and the events.
func verify(ctx context.Context, c *flick.Cell, id string, r *flick.MoveReceipt, media []string, sums map[string]string) error {
	d, err := c.Store.AccountData(ctx, id)
	if err != nil {
		return fmt.Errorf("region %s: records: %w", c.Region, err)
	}
	if h, err := DataHash(d); err != nil {
		return err
	} else if h != r.DataHash {
		return fmt.Errorf("region %s: the records differ (sha256 %s, want %s)", c.Region, h, r.DataHash)
	}
	for _, key := range media {
		sum, _, err := hashBlob(ctx, c.Blobs, key)
		if err != nil {
			return fmt.Errorf("region %s: %w", c.Region, err)
		}
		if sum != sums[key] {
			return fmt.Errorf("region %s: media %s differs (sha256 %s, want %s)", c.Region, key, sum, sums[key])
		}
	}
	if keys, err := accountMedia(ctx, c.Blobs, d); err != nil {
		return fmt.Errorf("region %s: %w", c.Region, err)
	} else if !slices.Equal(keys, media) {
		return fmt.Errorf("region %s: %d media files, want %d", c.Region, len(keys), len(media))
	}
	evs, err := c.Events.AccountEvents(ctx, id)
	if err != nil {
		return fmt.Errorf("region %s: events: %w", c.Region, err)
	}
	if h, err := eventsHash(plainEvents(evs)); err != nil {
		return err
	} else if len(evs) != r.Events || h != r.EventsHash {
		return fmt.Errorf("region %s: %d events (sha256 %s), want %d (%s)", c.Region, len(evs), h, r.Events, r.EventsHash)
	}
	return nil
}

func accountMedia(ctx context.Context, b flick.BlobStore, d *flick.AccountData) ([]string, error) {
	var all []string
	for _, prefix := range mediaPrefixes(d) {
		keys, err := b.Keys(ctx, prefix)
		if err != nil {
			return nil, err
		}
		all = append(all, keys...)
	}
	return all, nil
}

func copyBlob(ctx context.Context, from, to flick.BlobStore, key string) (sum string, n int64, err error) {
	b, err := from.Open(ctx, key)
	if err != nil {
		return "", 0, fmt.Errorf("open %s: %w", key, err)
	}
	defer b.Close()
	h := sha256.New()
	if n, err = to.Put(ctx, key, io.TeeReader(b, h)); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func hashBlob(ctx context.Context, bs flick.BlobStore, key string) (sum string, n int64, err error) {
	b, err := bs.Open(ctx, key)
	if err != nil {
		return "", 0, fmt.Errorf("open %s: %w", key, err)
	}
	defer b.Close()
	h := sha256.New()
	if n, err = io.Copy(h, b); err != nil {
		return "", 0, fmt.Errorf("read %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// mediaHash hashes the list of "key sha256" lines, sorted by key.
func mediaHash(sums map[string]string) string {
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s %s\n", k, sums[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// eventsHash hashes the events in order, as copied (Moved cleared), one
// JSON document per line.
func eventsHash(evs []flick.Event) (string, error) {
	h := sha256.New()
	for _, e := range evs {
		e.Moved = false
		e.At = e.At.UTC()
		b, err := json.Marshal(e)
		if err != nil {
			return "", fmt.Errorf("move: hash events: %w", err)
		}
		h.Write(append(b, '\n'))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// DataHash is a receipt's DataHash: it hashes the account's records in a
// canonical form: sorted, in UTC, with the secrets that JSON leaves out
// (password and session token hashes) and without what is not the
// account's to move: its home region and the aggregates that each region
// counts for itself (followers, views, likes, replies, comments' likes).
func DataHash(d *flick.AccountData) (string, error) {
	c := *d
	c.Account.Region = ""
	c.Account.FollowerCount, c.Account.FollowingCount, c.Account.VideoCount = 0, 0, 0
	c.Roles = slices.Sorted(slices.Values(c.Roles))
	c.Sessions = slices.Clone(c.Sessions)
	slices.SortFunc(c.Sessions, func(a, b flick.Session) int { return strings.Compare(a.ID, b.ID) })
	tokens := make([]string, len(c.Sessions))
	for i, s := range c.Sessions {
		tokens[i] = hex.EncodeToString(s.TokenHash)
	}
	for _, edges := range []*[]flick.Edge{&c.Follows, &c.Likes, &c.Hidden, &c.NotInterest} {
		*edges = slices.Clone(*edges)
		slices.SortFunc(*edges, func(a, b flick.Edge) int { return strings.Compare(a.ID, b.ID) })
	}
	c.Watches = slices.Clone(c.Watches)
	slices.SortFunc(c.Watches, func(a, b flick.Watch) int { return strings.Compare(a.VideoID, b.VideoID) })
	c.Comments = slices.Clone(c.Comments)
	for i := range c.Comments {
		c.Comments[i].ReplyCount, c.Comments[i].Likes = 0, 0
	}
	slices.SortFunc(c.Comments, func(a, b flick.Comment) int { return strings.Compare(a.ID, b.ID) })
	c.CommentLikes = slices.Clone(c.CommentLikes)
	slices.SortFunc(c.CommentLikes, func(a, b flick.CommentLike) int { return strings.Compare(a.CommentID, b.CommentID) })
	c.Videos = slices.Clone(c.Videos)
	for i := range c.Videos {
		c.Videos[i].Counts = flick.Counts{}
	}
	slices.SortFunc(c.Videos, func(a, b flick.Video) int { return strings.Compare(a.ID, b.ID) })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(struct {
		Data         *flick.AccountData
		PasswordHash string
		Tokens       []string
	}{&c, d.PasswordHash, tokens}); err != nil {
		return "", fmt.Errorf("move: hash records: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// recordCounts counts the records of each kind.
func recordCounts(d *flick.AccountData) map[string]int {
	return map[string]int{
		"account": 1, "sessions": len(d.Sessions), "follows": len(d.Follows), "likes": len(d.Likes),
		"watches": len(d.Watches), "hidden_creators": len(d.Hidden), "not_interested": len(d.NotInterest),
		"comments": len(d.Comments), "comment_likes": len(d.CommentLikes), "videos": len(d.Videos),
		"notifications": len(d.Notifications),
	}
}
