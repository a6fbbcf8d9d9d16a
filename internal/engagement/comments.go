package engagement

import (
	"context"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// A comment is stored in its author's home region, and so is its
// deletion's event: that region's log counted the comment, so it counts the
// deletion (as the author's, whoever deleted it, so that the event is
// erased with the author). A comment's likes are stored in each liker's
// home region and counted as the comment is read.

// liveComment returns comment id unless it is unknown or deleted.
func (s *Service) liveComment(ctx context.Context, id string) (*flick.Comment, error) {
	c, err := s.router.Comment(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Deleted {
		return nil, flick.Errorf(flick.ENOTFOUND, "Comment not found.")
	}
	return c, nil
}

// DeleteComment deletes a comment for its author or the video's creator.
// The text is erased from the store at once: a comment with replies keeps
// only an empty tombstone in their thread, one without is deleted.
func (s *Service) DeleteComment(ctx context.Context, viewerID, commentID string) error {
	c, err := s.liveComment(ctx, commentID)
	if err != nil {
		return err
	}
	v, err := s.router.VisibleVideo(ctx, viewerID, c.VideoID)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return flick.Errorf(flick.ENOTFOUND, "Comment not found.")
	} else if err != nil {
		return err
	}
	if viewerID != c.AuthorID && viewerID != v.AuthorID {
		return flick.Errorf(flick.EFORBIDDEN, "Only the comment's author or the video's creator can delete this comment.")
	}
	home, done, err := s.router.Home(ctx, c.AuthorID)
	if err != nil {
		return err
	}
	defer done()
	// Read again under the author's gate: a reply may have come meanwhile,
	// and the write below finds the comment in home or nowhere.
	if c, err = s.liveComment(ctx, commentID); err != nil {
		return err
	}
	// The deletion takes back what the comment counted, with the discount
	// the comment had: the author's age when it was written decided it.
	discount, err := s.accountDiscount(ctx, c.AuthorID, c.CreatedAt)
	if err != nil {
		return err
	}
	if c.ParentID == "" && c.ReplyCount > 0 {
		err = home.Store.TombstoneComment(ctx, c.ID)
	} else {
		err = home.Store.DeleteComment(ctx, c.ID)
	}
	if err != nil {
		return err
	}
	now := s.clock().UTC()
	seq, err := s.record(ctx, change{home: home,
		event: flick.Event{Type: flick.EventUncomment, AccountID: c.AuthorID, VideoID: c.VideoID, TargetID: c.ID, At: now, Discount: discount},
		undo:  func(ctx context.Context) error { return home.Store.RestoreComment(ctx, c) }})
	if err != nil {
		return err
	}
	s.waitCounted(ctx, home, seq)
	// What hangs off the comment goes with it. The deletion is done and
	// counted whatever happens next: a like left behind names a comment
	// nobody sees, an empty tombstone reads "comment deleted".
	ctx = context.WithoutCancel(ctx)
	s.deleteCommentLikes(ctx, c.ID)
	if c.ParentID != "" {
		s.deleteEmptyTombstone(ctx, c.ParentID)
	}
	return nil
}

// deleteCommentLikes deletes the likes of comment id in every region.
func (s *Service) deleteCommentLikes(ctx context.Context, id string) {
	for _, cell := range s.router.Cells() {
		if err := cell.Store.DeleteCommentLikes(ctx, []string{id}); err != nil {
			s.logger.ErrorContext(ctx, "delete a deleted comment's likes", "region", cell.Region, "comment", id, "err", err)
		}
	}
}

// deleteEmptyTombstone deletes comment id if it is a tombstone whose last
// reply has gone.
func (s *Service) deleteEmptyTombstone(ctx context.Context, id string) {
	err := func() error {
		top, err := s.router.Comment(ctx, id)
		if err != nil || !top.Deleted || top.ReplyCount > 0 {
			return err
		}
		home, done, err := s.router.Home(ctx, top.AuthorID)
		if err != nil {
			return err
		}
		defer done()
		return home.Store.DeleteComment(ctx, id)
	}()
	if err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
		s.logger.ErrorContext(ctx, "delete an empty tombstone", "comment", id, "err", err)
	}
}

// LikeComment likes a comment and returns its likes.
func (s *Service) LikeComment(ctx context.Context, viewerID, commentID string) (int64, error) {
	return s.setCommentLike(ctx, viewerID, commentID, flick.EventCommentLike)
}

// UnlikeComment takes a like of a comment back.
func (s *Service) UnlikeComment(ctx context.Context, viewerID, commentID string) (int64, error) {
	return s.setCommentLike(ctx, viewerID, commentID, flick.EventCommentUnlike)
}

func (s *Service) setCommentLike(ctx context.Context, viewerID, commentID string, typ flick.EventType) (int64, error) {
	c, err := s.liveComment(ctx, commentID)
	if err != nil {
		return 0, err
	}
	if _, err := s.readyVideo(ctx, viewerID, c.VideoID); err != nil {
		return 0, err
	}
	now := s.clock().UTC()
	// Likes of comments are cheap to send in floods like comments: the
	// same rate per account.
	if err := s.guard.admit(now, flick.Viewer{AccountID: viewerID}); err != nil {
		return 0, err
	}
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return 0, err
	}
	defer done()
	discount, err := s.accountDiscount(ctx, viewerID, now)
	if err != nil {
		return 0, err
	}
	if _, err := s.toggle(ctx, home, typ == flick.EventCommentLike,
		func(ctx context.Context) (bool, error) {
			return home.Store.LikeComment(ctx, viewerID, c.VideoID, c.ID, now)
		},
		func(ctx context.Context) (bool, error) { return home.Store.UnlikeComment(ctx, viewerID, c.ID) },
		flick.Event{Type: typ, AccountID: viewerID, VideoID: c.VideoID, TargetID: c.ID, At: now, Discount: discount}); err != nil {
		return 0, err
	}
	c, err = s.router.Comment(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	return c.Likes, nil
}

// LikedComments reads the viewer's likes among commentIDs.
func (s *Service) LikedComments(ctx context.Context, viewerID string, commentIDs []string) (map[string]bool, error) {
	return routing.InHome(ctx, s.router, viewerID, func(home *flick.Cell) (map[string]bool, error) {
		return home.Store.LikedComments(ctx, viewerID, commentIDs)
	})
}
