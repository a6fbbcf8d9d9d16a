package residency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// A move copies an account's records, media and events from its home
// region (the source) to the target, verifies the copy, switches the
// directory and then erases the source. The journal (journal.go) records
// each move's phase in the directory's file, and the switch is one
// transaction of that file, so that a move killed at any moment is on one
// side of it: before, the source is the only live copy and Resume deletes
// what reached the target; after, the target is, and Resume finishes
// erasing the source. Every step is idempotent so that Resume can redo it.

// MoverConfig wires a Mover.
type MoverConfig struct {
	Directory *Directory
	Router    *Router // freezes the account while it is copied
	Cells     []Cell  // every region, in any order
	Audit     flick.AccessLog
	Clock     flick.Clock
	Logger    *slog.Logger
	// Step, when set, is called after each step of a move with the step's
	// name; if it returns an error the move stops at once, as if the
	// process had been killed there, leaving the rest to Resume. Tests use
	// it to interrupt moves at every step.
	Step func(ctx context.Context, step string) error
}

// Steps of a move, in order, as MoverConfig.Step sees them.
const (
	StepBegun        = "begun"         // journalled; nothing copied yet
	StepImported     = "imported"      // the records are in the target's store
	StepMediaCopied  = "media-copied"  // and the media in its media store
	StepEventsCopied = "events-copied" // and the events in its log
	StepVerified     = "verified"      // the copy matches the source
	StepSwitched     = "switched"      // the target is the home
	StepPurged       = "purged"        // the source's store holds nothing of the account
	StepMediaDeleted = "media-deleted" // nor its media store
	StepErased       = "erased"        // nor its log and recommender
	StepRecorded     = "recorded"      // the receipt is in the access log
)

// Mover moves accounts between regions.
type Mover struct {
	cfg   MoverConfig
	cells map[string]Cell

	moving claims // accounts being moved by this process
}

// NewMover returns a mover over cfg's regions.
func NewMover(cfg MoverConfig) *Mover {
	m := &Mover{cfg: cfg, cells: map[string]Cell{}}
	for _, c := range cfg.Cells {
		m.cells[c.Region] = c
	}
	return m
}

// Receipt says what a move moved: counts and SHA-256 hashes of the
// account's records, media and events as verified at both ends, and when.
// It names the account only by ID and holds none of its data.
type Receipt struct {
	MoveID     string         `json:"move_id"`
	AccountID  string         `json:"account_id"`
	From       string         `json:"from"`
	To         string         `json:"to"`
	Actor      string         `json:"actor"`
	Reason     string         `json:"reason"`
	Started    time.Time      `json:"started"`
	Switched   time.Time      `json:"switched"`
	Records    map[string]int `json:"records"` // per kind: videos, comments, likes, ...
	DataHash   string         `json:"data_sha256"`
	MediaFiles int            `json:"media_files"`
	MediaBytes int64          `json:"media_bytes"`
	MediaHash  string         `json:"media_sha256"`
	Events     int            `json:"events"`
	EventsHash string         `json:"events_sha256"`
}

// detail is the receipt as an access log entry's detail: one short line.
func (r *Receipt) detail() string {
	return fmt.Sprintf("move=%s from=%s to=%s records=%d data_sha256=%s media=%d files/%d bytes media_sha256=%s events=%d events_sha256=%s",
		r.MoveID, r.From, r.To, sumCounts(r.Records), r.DataHash, r.MediaFiles, r.MediaBytes, r.MediaHash, r.Events, r.EventsHash)
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// actorRole is the access log role of a move's actor: a job or an admin.
func actorRole(actor string) string {
	if strings.HasPrefix(actor, "system:") {
		return "system"
	}
	return flick.RoleAdmin
}

// Move moves account id's personal data, media, events and recommender
// state to region to, on behalf of actor (an admin's account ID or
// "system:<name>") for reason, and records the receipt in the access log.
// The account is frozen (its requests get EUNAVAILABLE) until the switch.
// A failure before the switch rolls the copy back; one after it leaves
// the move journalled for Resume, or the next Move of the account, to
// finish. An interrupted move of the account is resumed first.
func (m *Mover) Move(ctx context.Context, id, to, actor, reason string) (*Receipt, error) {
	entry := flick.AccessEntry{Actor: actor, ActorRole: actorRole(actor), Action: flick.AccessMove, AccountID: id, Region: to, Reason: reason}
	if err := entry.Validate(); err != nil {
		return nil, err
	}
	target, ok := m.cells[to]
	if !ok {
		return nil, flick.Errorf(flick.EINVALID, "Unknown region %q.", to)
	}
	if !m.moving.claim(id) {
		return nil, flick.Errorf(flick.ECONFLICT, "This account is being moved already.")
	}
	defer m.moving.release(id)
	// A move of the account that failed or was killed earlier is finished
	// or rolled back first, so that rerunning a move completes it.
	pending, err := m.cfg.Directory.pendingMoves(ctx)
	if err != nil {
		return nil, err
	}
	for _, mv := range pending {
		if mv.AccountID == id {
			if _, err := m.resumeOne(ctx, mv); err != nil {
				return nil, err
			}
		}
	}
	from, err := m.cfg.Directory.Region(ctx, id)
	if err != nil {
		return nil, err
	}
	if from == to {
		return nil, flick.Errorf(flick.EINVALID, "The account's home is %s already.", to)
	}
	source, ok := m.cells[from]
	if !ok {
		return nil, fmt.Errorf("residency: move %s: its home region %q is not configured", id, from)
	}
	thaw, err := m.cfg.Router.Freeze(ctx, id)
	if err != nil {
		return nil, err
	}
	defer thaw()

	mv := &move{ID: flick.NewID(m.cfg.Clock()), AccountID: id, From: from, To: to, Phase: PhaseCopying, Actor: actor, Reason: reason, Started: m.cfg.Clock().UTC()}
	snap, err := m.export(ctx, source, id)
	if err != nil {
		return nil, err
	}
	mv.Media = snap.media
	if err := m.cfg.Directory.beginMove(ctx, mv); err != nil {
		return nil, err
	}
	m.cfg.Logger.Info("moving account", "account", id, "from", from, "to", to, "move", mv.ID)
	if err := m.step(ctx, StepBegun); err != nil {
		return nil, err
	}
	receipt, err := m.copy(ctx, mv, snap, source, target)
	if errors.Is(err, errCrash) {
		return nil, err
	} else if err != nil {
		if rerr := m.rollback(ctx, mv); rerr != nil {
			return nil, fmt.Errorf("%w (and rolling back failed, Resume will retry: %v)", err, rerr)
		}
		return nil, err
	}
	mv.Receipt = receipt
	if err := m.cfg.Directory.switchMove(ctx, mv); err != nil {
		if rerr := m.rollback(ctx, mv); rerr != nil {
			return nil, fmt.Errorf("%w (and rolling back failed, Resume will retry: %v)", err, rerr)
		}
		return nil, err
	}
	thaw()
	if err := m.step(ctx, StepSwitched); err != nil {
		return nil, err
	}
	if err := m.finish(ctx, mv); err != nil {
		return nil, fmt.Errorf("residency: move %s: the account is homed in %s now; erasing it from %s failed (Resume will finish): %w", id, to, from, err)
	}
	return receipt, nil
}

// errCrash marks the error of a Step hook: the move stops as if killed.
var errCrash = errors.New("residency: move interrupted")

func (m *Mover) step(ctx context.Context, name string) error {
	if m.cfg.Step == nil {
		return nil
	}
	if err := m.cfg.Step(ctx, name); err != nil {
		return fmt.Errorf("%w at step %s: %w", errCrash, name, err)
	}
	return nil
}

// snapshot is everything the source holds of an account, as exported.
type snapshot struct {
	data   *flick.AccountData
	events []flick.Event
	media  []string
}

// export reads what the source holds of account id once the source's
// projector has applied all of its events (its watch history is a record
// to move, not an event to replay).
func (m *Mover) export(ctx context.Context, source Cell, id string) (*snapshot, error) {
	seq, err := source.Log.LastSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("residency: move %s: %w", id, err)
	}
	if err := source.Projector.WaitFor(ctx, seq); err != nil {
		return nil, fmt.Errorf("residency: move %s: waiting for the projector: %w", id, err)
	}
	s := &snapshot{}
	if s.data, err = source.Store.AccountData(ctx, id); err != nil {
		return nil, fmt.Errorf("residency: move %s: export records: %w", id, err)
	}
	for _, v := range s.data.Videos {
		if v.Status == flick.StatusProcessing || v.Status == flick.StatusReady && !v.Complete {
			return nil, flick.Errorf(flick.EUNAVAILABLE, "Video %s is still being processed; move the account once it is done.", v.ID)
		}
	}
	evs, err := source.Log.AccountEvents(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("residency: move %s: export events: %w", id, err)
	}
	s.events = plainEvents(evs)
	for _, prefix := range mediaPrefixes(s.data) {
		keys, err := source.Blobs.Keys(ctx, prefix)
		if err != nil {
			return nil, fmt.Errorf("residency: move %s: list media: %w", id, err)
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
func (m *Mover) copy(ctx context.Context, mv *move, s *snapshot, source, target Cell) (*Receipt, error) {
	r := &Receipt{MoveID: mv.ID, AccountID: mv.AccountID, From: mv.From, To: mv.To, Actor: mv.Actor, Reason: mv.Reason, Started: mv.Started, Records: recordCounts(s.data)}
	var err error
	if r.DataHash, err = dataHash(s.data); err != nil {
		return nil, err
	}
	imported := *s.data
	imported.Account.Region = mv.To
	if err := target.Store.ImportAccountData(ctx, &imported); err != nil {
		return nil, fmt.Errorf("residency: move %s: import records into %s: %w", mv.AccountID, mv.To, err)
	}
	if err := m.step(ctx, StepImported); err != nil {
		return nil, err
	}

	sums := map[string]string{}
	for _, key := range s.media {
		sum, n, err := copyBlob(ctx, source.Blobs, target.Blobs, key)
		if err != nil {
			return nil, fmt.Errorf("residency: move %s: copy media: %w", mv.AccountID, err)
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
		if _, err := target.Log.Append(ctx, batch); err != nil {
			return nil, fmt.Errorf("residency: move %s: copy events: %w", mv.AccountID, err)
		}
	}
	r.Events = len(s.events)
	if r.EventsHash, err = eventsHash(s.events); err != nil {
		return nil, err
	}
	if err := m.step(ctx, StepEventsCopied); err != nil {
		return nil, err
	}

	for _, side := range []Cell{target, source} {
		if err := verify(ctx, side, mv.AccountID, r, s.media, sums); err != nil {
			return nil, fmt.Errorf("residency: move %s: verifying the copy: %w", mv.AccountID, err)
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
func verify(ctx context.Context, c Cell, id string, r *Receipt, media []string, sums map[string]string) error {
	d, err := c.Store.AccountData(ctx, id)
	if err != nil {
		return fmt.Errorf("region %s: records: %w", c.Region, err)
	}
	if h, err := dataHash(d); err != nil {
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
	evs, err := c.Log.AccountEvents(ctx, id)
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

func accountMedia(ctx context.Context, b CellBlobs, d *flick.AccountData) ([]string, error) {
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
			return "", fmt.Errorf("residency: hash events: %w", err)
		}
		h.Write(append(b, '\n'))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dataHash hashes the account's records in a canonical form: sorted, in
// UTC, with the secrets that JSON leaves out (password and session token
// hashes) and without what is not the account's to move: its home region
// and the aggregates that each region counts for itself (followers, views,
// likes, replies).
func dataHash(d *flick.AccountData) (string, error) {
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
	for _, edges := range []*[]flick.Edge{&c.Follows, &c.Likes, &c.Blocks, &c.NotInterest} {
		*edges = slices.Clone(*edges)
		slices.SortFunc(*edges, func(a, b flick.Edge) int { return strings.Compare(a.ID, b.ID) })
	}
	c.Watches = slices.Clone(c.Watches)
	slices.SortFunc(c.Watches, func(a, b flick.Watch) int { return strings.Compare(a.VideoID, b.VideoID) })
	c.Comments = slices.Clone(c.Comments)
	for i := range c.Comments {
		c.Comments[i].ReplyCount = 0
	}
	slices.SortFunc(c.Comments, func(a, b flick.Comment) int { return strings.Compare(a.ID, b.ID) })
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
		return "", fmt.Errorf("residency: hash records: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// recordCounts counts the records of each kind.
func recordCounts(d *flick.AccountData) map[string]int {
	return map[string]int{
		"account": 1, "sessions": len(d.Sessions), "follows": len(d.Follows), "likes": len(d.Likes),
		"watches": len(d.Watches), "hidden_creators": len(d.Blocks), "not_interested": len(d.NotInterest),
		"comments": len(d.Comments), "videos": len(d.Videos),
	}
}

// finish erases the account from the source, records the receipt and
// ends the move. Each step may have been done already by an interrupted
// run.
func (m *Mover) finish(ctx context.Context, mv *move) error {
	source, ok := m.cells[mv.From]
	if !ok {
		return fmt.Errorf("residency: move %s: region %q is not configured", mv.AccountID, mv.From)
	}
	if mv.Phase == PhaseSwitched {
		if err := source.Store.PurgeAccount(ctx, mv.AccountID, true); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
			return fmt.Errorf("purge the records: %w", err)
		}
		if err := m.step(ctx, StepPurged); err != nil {
			return err
		}
		for _, prefix := range deletePrefixes(mv.Media) {
			if err := source.Blobs.DeletePrefix(ctx, prefix); err != nil {
				return fmt.Errorf("delete the media: %w", err)
			}
		}
		if err := m.step(ctx, StepMediaDeleted); err != nil {
			return err
		}
		if err := eraseEvents(ctx, source, mv.AccountID, false); err != nil {
			return err
		}
		if err := m.cfg.Directory.setMovePhase(ctx, mv, PhaseErased); err != nil {
			return err
		}
		if err := m.step(ctx, StepErased); err != nil {
			return err
		}
	}
	if err := m.record(ctx, mv); err != nil {
		return err
	}
	if err := m.step(ctx, StepRecorded); err != nil {
		return err
	}
	if err := m.cfg.Directory.endMove(ctx, mv); err != nil {
		return err
	}
	m.cfg.Logger.Info("account moved", "account", mv.AccountID, "from", mv.From, "to", mv.To, "move", mv.ID)
	return nil
}

// eraseEvents erases an account's events from a cell's log and then what
// its recommender learned from them, once it has learned everything up to
// now: an event it had read but not yet learned would otherwise come back.
// asCreator forgets the account as a creator too (an erasure, not a move).
func eraseEvents(ctx context.Context, c Cell, id string, asCreator bool) error {
	seq, err := c.Log.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("erase events: %w", err)
	}
	if err := c.Learner.WaitFor(ctx, seq); err != nil {
		return fmt.Errorf("erase events: waiting for the recommender: %w", err)
	}
	if _, err := c.Log.Erase(ctx, id); err != nil {
		return fmt.Errorf("erase events: %w", err)
	}
	if err := c.Learner.Forget(ctx, id, asCreator); err != nil {
		return fmt.Errorf("erase recommender state: %w", err)
	}
	return nil
}

// receiptsScanned is how many of an account's newest access log entries
// record looks through for a receipt recorded by an interrupted run.
const receiptsScanned = 100

// record writes the move's receipt into the access log unless an
// interrupted run did.
func (m *Mover) record(ctx context.Context, mv *move) error {
	if mv.Receipt == nil {
		return fmt.Errorf("residency: move %s: the journal has no receipt", mv.ID)
	}
	detail := mv.Receipt.detail()
	entries, err := m.cfg.Audit.EntriesAbout(ctx, mv.AccountID, 0, receiptsScanned)
	if err != nil {
		return fmt.Errorf("residency: move %s: read the access log: %w", mv.ID, err)
	}
	for _, e := range entries {
		if e.Action == flick.AccessMove && e.Detail == detail {
			return nil
		}
	}
	err = m.cfg.Audit.Record(ctx, flick.AccessEntry{
		Actor: mv.Actor, ActorRole: actorRole(mv.Actor), Action: flick.AccessMove,
		AccountID: mv.AccountID, Region: mv.From, Reason: mv.Reason, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("residency: move %s: record the receipt: %w", mv.ID, err)
	}
	return nil
}

// rollback deletes whatever of a move before its switch reached the
// target: records, media, events and what the target's recommender learned
// from them; then it ends the move.
func (m *Mover) rollback(ctx context.Context, mv *move) error {
	// A rollback is short and must not stop half-way because the caller
	// gave up (Resume would redo it, but the account would stay frozen
	// until then).
	ctx = context.WithoutCancel(ctx)
	target, ok := m.cells[mv.To]
	if !ok {
		return fmt.Errorf("residency: roll back move %s: region %q is not configured", mv.AccountID, mv.To)
	}
	// The target must not be the home: a switch whose commit reported an
	// error may still have happened.
	if phase, err := m.cfg.Directory.movePhase(ctx, mv); err != nil {
		return fmt.Errorf("residency: roll back move %s: %w", mv.AccountID, err)
	} else if phase != PhaseCopying {
		return fmt.Errorf("residency: roll back move %s: the move is %s, not %s", mv.AccountID, phase, PhaseCopying)
	}
	if err := target.Store.PurgeAccount(ctx, mv.AccountID, true); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
		return fmt.Errorf("residency: roll back move %s: purge the records: %w", mv.AccountID, err)
	}
	for _, prefix := range deletePrefixes(mv.Media) {
		if err := target.Blobs.DeletePrefix(ctx, prefix); err != nil {
			return fmt.Errorf("residency: roll back move %s: delete the media: %w", mv.AccountID, err)
		}
	}
	if err := eraseEvents(ctx, target, mv.AccountID, false); err != nil {
		return fmt.Errorf("residency: roll back move %s: %w", mv.AccountID, err)
	}
	if err := m.cfg.Directory.endMove(ctx, mv); err != nil {
		return err
	}
	m.cfg.Logger.Warn("account move rolled back", "account", mv.AccountID, "from", mv.From, "to", mv.To, "move", mv.ID)
	return nil
}

// Resumed is what Resume did with one interrupted move.
type Resumed struct {
	AccountID string   `json:"account_id"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Outcome   string   `json:"outcome"`           // "completed" or "rolled back"
	Receipt   *Receipt `json:"receipt,omitempty"` // of a completed move
}

// Resume finishes every interrupted move that had switched and rolls back
// every other. Run it before serving (with the projectors and learners
// running), or from a command that holds the data directory.
func (m *Mover) Resume(ctx context.Context) ([]Resumed, error) {
	moves, err := m.cfg.Directory.pendingMoves(ctx)
	if err != nil {
		return nil, err
	}
	var out []Resumed
	for _, mv := range moves {
		if !m.moving.claim(mv.AccountID) {
			continue // being moved by this process right now
		}
		res, err := m.resumeOne(ctx, mv)
		m.moving.release(mv.AccountID)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// resumeOne finishes or rolls back one interrupted move.
func (m *Mover) resumeOne(ctx context.Context, mv *move) (Resumed, error) {
	res := Resumed{AccountID: mv.AccountID, From: mv.From, To: mv.To}
	var err error
	if mv.Phase == PhaseCopying {
		err, res.Outcome = m.rollback(ctx, mv), "rolled back"
	} else {
		err, res.Outcome, res.Receipt = m.finish(ctx, mv), "completed", mv.Receipt
	}
	if err != nil {
		return res, fmt.Errorf("residency: resume the move of %s from %s to %s: %w", mv.AccountID, mv.From, mv.To, err)
	}
	return res, nil
}
