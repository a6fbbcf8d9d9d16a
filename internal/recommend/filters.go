package recommend

import (
	"context"
	"fmt"

	flick "github.com/flick-video/flick"
)

// filters is what one viewer's page leaves out and how it ranks, read from
// the store once per page.
type filters struct {
	viewerID string // "" for anonymous viewers
	personal bool   // rank with the viewer's own signals
	hidden   map[string]bool
	keywords keywords
}

// controlsReader is the part of the store both feeds read controls from.
type controlsReader interface {
	Controls(ctx context.Context, accountID string) (*flick.ViewerControls, error)
}

// filtersFor reads viewerID's controls; anonymous viewers have none.
func filtersFor(ctx context.Context, store controlsReader, viewerID string) (*filters, error) {
	fl := &filters{viewerID: viewerID}
	if viewerID == "" {
		return fl, nil
	}
	ctl, err := store.Controls(ctx, viewerID)
	if err != nil {
		return nil, fmt.Errorf("recommend: controls of %s: %w", viewerID, err)
	}
	fl.personal = !ctl.Settings.NonPersonalized
	fl.hidden = make(map[string]bool, len(ctl.HiddenIDs))
	for _, id := range ctl.HiddenIDs {
		fl.hidden[id] = true
	}
	fl.keywords = newKeywords(ctl.Settings.KeywordFilters)
	return fl, nil
}

// rankAs is the viewer the engine ranks for: nobody in particular when
// personalisation is off, so that only the region's popularity counts.
func (fl *filters) rankAs() string {
	if fl.personal {
		return fl.viewerID
	}
	return ""
}

// hidesCandidate is the check that the engine's candidates allow before
// the store is read: by creator, and hashtags that a filter names.
func (fl *filters) hidesCandidate(c Candidate) bool {
	return fl.hidesCreator(c.AuthorID) || fl.keywords.matchTags(c.Hashtags)
}

// hidesVideo is the whole check on a video read from the store.
func (fl *filters) hidesVideo(v *flick.Video) bool {
	return fl.hidesCreator(v.AuthorID) || fl.keywords.match(v)
}

// hidesCreator: the viewer's own videos (the engine leaves them out too,
// but not when it ranks for nobody in particular) and hidden creators.
func (fl *filters) hidesCreator(id string) bool {
	return fl.viewerID != "" && id == fl.viewerID || fl.hidden[id]
}

// keywords matches keyword filters against videos: a filter matches when
// its words appear one after another among the words of the caption, or
// when a one-word filter equals a hashtag. Words are compared lower-cased
// and whole ("cat" does not match "cats"). Filters are indexed by their
// first word, so a caption costs one map look-up per word.
type keywords map[string][][]string

func newKeywords(filters []string) keywords {
	if len(filters) == 0 {
		return nil
	}
	k := keywords{}
	for _, f := range filters {
		if ws := flick.Words(f); len(ws) > 0 {
			k[ws[0]] = append(k[ws[0]], ws)
		}
	}
	return k
}

func (k keywords) matchTags(tags []string) bool {
	if len(k) == 0 {
		return false
	}
	for _, t := range tags {
		for _, p := range k[t] {
			if len(p) == 1 {
				return true
			}
		}
	}
	return false
}

func (k keywords) match(v *flick.Video) bool {
	if len(k) == 0 {
		return false
	}
	words := flick.Words(v.Caption)
	for i, w := range words {
		for _, p := range k[w] {
			if hasPrefix(words[i:], p) {
				return true
			}
		}
	}
	return k.matchTags(v.Hashtags)
}

func hasPrefix(words, prefix []string) bool {
	if len(words) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if words[i] != p {
			return false
		}
	}
	return true
}
