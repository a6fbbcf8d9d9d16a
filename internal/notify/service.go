package notify

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// Service implements flick.Notifications over every region behind the
// router: an inbox is read in its owner's home region, and the accounts,
// videos and comments its items name are read where they live, at display
// time, so that an item shows them as they are now.
type Service struct {
	router *routing.Router
}

var _ flick.Notifications = (*Service)(nil)

// NewService returns the inbox service over router.
func NewService(router *routing.Router) *Service { return &Service{router: router} }

// Inbox reads a page of accountID's inbox and its unread count.
func (s *Service) Inbox(ctx context.Context, accountID string, p flick.Page) (*flick.Inbox, error) {
	return routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (*flick.Inbox, error) {
		ns, next, err := home.Store.Notifications(ctx, accountID, p)
		if err != nil {
			return nil, err
		}
		unread, err := home.Store.UnreadNotifications(ctx, accountID)
		if err != nil {
			return nil, err
		}
		items, err := s.items(ctx, accountID, ns)
		if err != nil {
			return nil, err
		}
		return &flick.Inbox{Items: items, Unread: unread, NextCursor: next}, nil
	})
}

// MarkRead marks accountID's items up to upTo read.
func (s *Service) MarkRead(ctx context.Context, accountID, upTo string) error {
	if upTo != "" && !flick.ValidID(upTo) {
		return flick.Errorf(flick.EINVALID, "up_to is not a valid notification ID.")
	}
	_, err := routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (struct{}, error) {
		return struct{}{}, home.Store.MarkNotificationsRead(ctx, accountID, upTo)
	})
	return err
}

// items resolves what ns name. An item whose video is gone or hidden from
// the recipient is left out, and so is one whose every shown actor is
// gone (an erasure under way); a deleted comment is simply not quoted.
func (s *Service) items(ctx context.Context, accountID string, ns []*flick.Notification) ([]flick.InboxItem, error) {
	actors := map[string]*flick.AccountRef{}
	videos := map[string]*flick.Video{}
	var commentIDs []string
	for _, n := range ns {
		for _, a := range n.Actors {
			actors[a.ID] = nil
		}
		if n.VideoID != "" {
			videos[n.VideoID] = nil
		}
		if n.CommentID != "" {
			commentIDs = append(commentIDs, n.CommentID)
		}
	}
	for id := range actors {
		a, err := s.router.Account(ctx, id)
		if flick.ErrorCode(err) == flick.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		actors[id] = &flick.AccountRef{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, AvatarURL: a.AvatarURL}
	}
	for id := range videos {
		v, err := s.router.VisibleVideo(ctx, accountID, id)
		if flick.ErrorCode(err) == flick.ENOTFOUND { // gone, or not for the reader's eyes
			continue
		} else if err != nil {
			return nil, err
		}
		videos[id] = v
	}
	comments, err := s.router.CommentsByID(ctx, commentIDs)
	if err != nil {
		return nil, err
	}
	items := make([]flick.InboxItem, 0, len(ns))
	for _, n := range ns {
		it := flick.InboxItem{ID: n.ID, Type: n.Type, Actors: []flick.AccountRef{}, ActorCount: n.ActorCount, CreatedAt: n.UpdatedAt, Read: n.Read}
		for _, a := range n.Actors {
			if ref := actors[a.ID]; ref != nil {
				it.Actors = append(it.Actors, *ref)
			} else {
				it.ActorCount--
			}
		}
		if len(n.Actors) > 0 && len(it.Actors) == 0 {
			continue
		}
		if n.VideoID != "" {
			v := videos[n.VideoID]
			if v == nil {
				continue
			}
			it.Video = &flick.InboxVideo{ID: v.ID, PosterURL: v.PosterURL, Caption: v.Caption}
		}
		if c := comments[n.CommentID]; c != nil {
			it.Comment = &flick.InboxComment{ID: c.ID, Text: excerpt(c.Text, flick.CommentExcerptRunes)}
		}
		items = append(items, it)
	}
	return items, nil
}

// excerpt cuts s to at most n runes, marking the cut.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}
