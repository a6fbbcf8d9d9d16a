// Package engagement is Flick's Engagement service: likes, follows,
// comments, shares, what clients report having shown and played, and the
// viewer's controls over their feeds. Each change is stored in the viewer's
// home region and appended to its event log, from which the projector
// counts it and the recommender learns it; see README.md.
package engagement

import (
	"context"
	"log/slog"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// projectionWait bounds how long a change waits for its projection before
// answering. The change is durable in the log already; a slow projector
// only means the counts in the answer lag, so a timeout is logged, not
// returned.
const projectionWait = 5 * time.Second

// Service implements flick.Engagement.
type Service struct {
	router *routing.Router
	clock  flick.Clock
	logger *slog.Logger
	guard  *guard
}

var _ flick.Engagement = (*Service)(nil)

// New returns the service over every region behind router.
func New(router *routing.Router, clock flick.Clock, logger *slog.Logger) *Service {
	return &Service{router: router, clock: clock, logger: logger, guard: newGuard()}
}

// TurnOffDefences makes every event count fully, unlimited, as before
// the defences existed: `flick bench farm` measures with and without
// them, and a test of something else under load (a move) sends more than
// any account may. Call it before the service is used; never in a server.
func (s *Service) TurnOffDefences() { s.guard.off = true }

// change is one write of the viewer's: the store write has been done in
// the viewer's home cell, and the event says what it was. If the event
// cannot be appended, undo takes the write back, so that store and log
// never disagree.
type change struct {
	home  *flick.Cell
	event flick.Event
	undo  func(ctx context.Context) error
}

// record appends the change's event, undoing the write if that fails, and
// returns the event's position in the home region's log.
func (s *Service) record(ctx context.Context, c change) (uint64, error) {
	seq, err := c.home.Events.Append(ctx, []flick.Event{c.event})
	if err == nil {
		return seq, nil
	}
	if c.undo != nil {
		if uerr := c.undo(context.WithoutCancel(ctx)); uerr != nil {
			s.logger.ErrorContext(ctx, "undo after failed event append", "event", c.event.Type, "account", c.event.AccountID, "err", uerr)
		}
	}
	return 0, err
}

// waitCounted waits, briefly, for home's projector to apply its log up to
// seq, so that the caller reads its own write.
func (s *Service) waitCounted(ctx context.Context, home *flick.Cell, seq uint64) {
	wctx, cancel := context.WithTimeout(ctx, projectionWait)
	defer cancel()
	if err := home.Projector.WaitFor(wctx, seq); err != nil {
		s.logger.WarnContext(ctx, "projector did not catch up", "region", home.Region, "seq", seq, "err", err)
	}
}

// readyVideo returns video id if viewerID may engage with it: a ready
// video, visible to them.
func (s *Service) readyVideo(ctx context.Context, viewerID, id string) (*flick.Video, error) {
	v, err := s.router.VisibleVideo(ctx, viewerID, id)
	if err != nil {
		return nil, err
	}
	if v.Status != flick.StatusReady {
		return nil, flick.Errorf(flick.ECONFLICT, "This video is not ready yet.")
	}
	return v, nil
}

// counts returns a video's counts summed over every region.
func (s *Service) counts(ctx context.Context, videoID string) (flick.Counts, error) {
	v, err := s.router.Video(ctx, videoID)
	if err != nil {
		return flick.Counts{}, err
	}
	return v.Counts, nil
}

// Like likes a video and answers with its counts as they are once the
// projector has applied the like.
func (s *Service) Like(ctx context.Context, viewerID, videoID string) (flick.Counts, error) {
	return s.setLike(ctx, viewerID, videoID, flick.EventLike)
}

// Unlike takes a like back.
func (s *Service) Unlike(ctx context.Context, viewerID, videoID string) (flick.Counts, error) {
	return s.setLike(ctx, viewerID, videoID, flick.EventUnlike)
}

func (s *Service) setLike(ctx context.Context, viewerID, videoID string, typ flick.EventType) (flick.Counts, error) {
	v, err := s.readyVideo(ctx, viewerID, videoID)
	if err != nil {
		return flick.Counts{}, err
	}
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return flick.Counts{}, err
	}
	defer done()
	now := s.clock().UTC()
	discount, err := s.accountDiscount(ctx, viewerID, now)
	if err != nil {
		return flick.Counts{}, err
	}
	seq, err := s.toggle(ctx, home, typ == flick.EventLike,
		func(ctx context.Context) (bool, error) { return home.Store.Like(ctx, viewerID, v.ID, now) },
		func(ctx context.Context) (bool, error) { return home.Store.Unlike(ctx, viewerID, v.ID) },
		flick.Event{Type: typ, AccountID: viewerID, VideoID: v.ID, At: now, Discount: discount})
	if err != nil {
		return flick.Counts{}, err
	}
	if seq > 0 {
		s.waitCounted(ctx, home, seq)
	}
	return s.counts(ctx, v.ID)
}

// toggle does one of a pair of idempotent store writes in home (set when
// on, else unset) and, when it changed anything, records ev, the other
// write undoing it if the event cannot be appended. It returns the
// event's position, 0 when nothing changed.
func (s *Service) toggle(ctx context.Context, home *flick.Cell, on bool, set, unset func(ctx context.Context) (bool, error), ev flick.Event) (uint64, error) {
	do, undo := set, unset
	if !on {
		do, undo = unset, set
	}
	changed, err := do(ctx)
	if err != nil || !changed {
		return 0, err
	}
	return s.record(ctx, change{home: home, event: ev, undo: ignoreChanged(undo)})
}

// ignoreChanged makes an idempotent toggle an undo.
func ignoreChanged(op func(ctx context.Context) (bool, error)) func(ctx context.Context) error {
	return func(ctx context.Context) error { _, err := op(ctx); return err }
}

// Follow follows an account and returns it, its counts updated.
func (s *Service) Follow(ctx context.Context, viewerID, accountID string) (*flick.Account, error) {
	return s.setFollow(ctx, viewerID, accountID, flick.EventFollow)
}

// Unfollow takes a follow back.
func (s *Service) Unfollow(ctx context.Context, viewerID, accountID string) (*flick.Account, error) {
	return s.setFollow(ctx, viewerID, accountID, flick.EventUnfollow)
}

func (s *Service) setFollow(ctx context.Context, viewerID, accountID string, typ flick.EventType) (*flick.Account, error) {
	if accountID == viewerID {
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "You cannot follow yourself.")
	}
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return nil, err
	}
	defer done()
	now := s.clock().UTC()
	if _, err := s.toggle(ctx, home, typ == flick.EventFollow,
		func(ctx context.Context) (bool, error) { return home.Store.Follow(ctx, viewerID, accountID, now) },
		func(ctx context.Context) (bool, error) { return home.Store.Unfollow(ctx, viewerID, accountID) },
		flick.Event{Type: typ, AccountID: viewerID, TargetID: accountID, At: now}); err != nil {
		return nil, err
	}
	return s.router.Account(ctx, accountID)
}

// Comment stores the comment in the viewer's home region and counts it.
func (s *Service) Comment(ctx context.Context, viewerID, videoID, text, parentID string) (*flick.Comment, error) {
	text, err := flick.ValidateCommentText(text)
	if err != nil {
		return nil, err
	}
	if parentID != "" && !flick.ValidID(parentID) {
		return nil, flick.Errorf(flick.EINVALID, "parent_id is not a valid id.")
	}
	v, err := s.readyVideo(ctx, viewerID, videoID)
	if err != nil {
		return nil, err
	}
	if v.CommentsOff {
		return nil, flick.Errorf(flick.EFORBIDDEN, "Comments are turned off for this video.")
	}
	if parentID != "" {
		// A reply to a reply joins its thread, whose top may be a
		// tombstone; nobody replies to a deleted comment itself.
		if _, err := s.liveComment(ctx, parentID); err != nil {
			return nil, err
		}
	}
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return nil, err
	}
	defer done()
	now := s.clock().UTC()
	// Each comment weighs 6 views in Trending: an account's are rate-limited.
	if err := s.guard.admit(now, flick.Viewer{AccountID: viewerID}); err != nil {
		return nil, err
	}
	discount, err := s.accountDiscount(ctx, viewerID, now)
	if err != nil {
		return nil, err
	}
	c := &flick.Comment{ID: flick.NewID(now), VideoID: v.ID, AuthorID: viewerID, ParentID: parentID, Text: text, CreatedAt: now}
	if err := home.Store.CreateComment(ctx, c); err != nil {
		return nil, err
	}
	seq, err := s.record(ctx, change{home: home, event: flick.Event{Type: flick.EventComment, AccountID: viewerID, VideoID: v.ID, TargetID: c.ID, At: now,
		Discount: discount},
		undo: func(ctx context.Context) error { return home.Store.DeleteComment(ctx, c.ID) }})
	if err != nil {
		return nil, err
	}
	s.waitCounted(ctx, home, seq)
	return c, nil
}

// Share counts a share: anyone may share (copy the link). A viewer's
// shares of a video count once a day, an anonymous client's once; the
// rest are recorded as repeats.
func (s *Service) Share(ctx context.Context, who flick.Viewer, videoID string) (flick.Counts, error) {
	now := s.clock().UTC()
	if err := s.guard.admit(now, who); err != nil {
		return flick.Counts{}, err
	}
	v, err := s.readyVideo(ctx, who.AccountID, videoID)
	if err != nil {
		return flick.Counts{}, err
	}
	if _, err := routing.InHome(ctx, s.router, who.AccountID, func(home *flick.Cell) (uint64, error) {
		judged, err := s.judged(ctx, home, who, now, nil)
		if err != nil {
			return 0, err
		}
		events := []flick.Event{{Type: flick.EventShare, AccountID: who.AccountID, VideoID: v.ID, At: now}}
		s.guard.judge(now, judged, events)
		seq, err := s.record(ctx, change{home: home, event: events[0]})
		if err == nil {
			s.waitCounted(ctx, home, seq)
		}
		return seq, err
	}); err != nil {
		return flick.Counts{}, err
	}
	return s.counts(ctx, v.ID)
}

// accountDiscount is the discount of a signed-in viewer's likes and
// comments: those of an account younger than NewAccountAge count at
// flick.LowWeight toward Trending and popularity.
func (s *Service) accountDiscount(ctx context.Context, viewerID string, now time.Time) (flick.Discount, error) {
	if s.guard.off {
		return "", nil
	}
	a, err := s.router.Account(ctx, viewerID)
	if err != nil {
		return "", err
	}
	if now.Sub(a.CreatedAt) < NewAccountAge {
		return flick.DiscountNewAccount, nil
	}
	return "", nil
}

// Liked reads the viewer's likes among videoIDs.
func (s *Service) Liked(ctx context.Context, viewerID string, videoIDs []string) (map[string]bool, error) {
	return routing.InHome(ctx, s.router, viewerID, func(home *flick.Cell) (map[string]bool, error) {
		return home.Store.Liked(ctx, viewerID, videoIDs)
	})
}

// IsFollowing reads one of the viewer's follows.
func (s *Service) IsFollowing(ctx context.Context, viewerID, accountID string) (bool, error) {
	return routing.InHome(ctx, s.router, viewerID, func(home *flick.Cell) (bool, error) {
		return home.Store.IsFollowing(ctx, viewerID, accountID)
	})
}
