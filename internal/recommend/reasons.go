package recommend

import (
	"fmt"
	"slices"
	"unicode/utf8"

	flick "github.com/flick-video/flick"
)

// "Why this video": every feed item carries the reasons it is there, and
// they are all decided in this file. The engine gives each For You
// candidate the kinds of the sources that actually added to its score,
// strongest first (reasons); an exploration place has one kind of its own
// (exploreReason). For You words them at page time (feedReasons), reading
// the caption of a video named by "Because you watched" with the page's
// checks (missingSources); a video deleted since takes its reason with it.
// Every Following item has the one reason ReasonFollowing.

// ReasonKind is why a candidate was ranked where it is.
type ReasonKind int

// The reasons a candidate can carry, each set only by the source that
// actually contributed to its score.
const (
	BecauseWatched    ReasonKind = iota + 1 // co-engagement with a video in the viewer's history
	BecausePopular                          // trending in the region
	BecauseFollowing                        // from a followed creator
	BecauseTag                              // carries a hashtag the viewer engages with
	BecauseFresh                            // an exploration slot for a new upload
	BecauseNewCreator                       // an exploration slot for a creator's first videos
	BecauseRecent                           // among the newest uploads, when little else is known
)

// Reason is one reason, with what it refers to.
type Reason struct {
	Kind    ReasonKind
	VideoID string // BecauseWatched: the video watched
	Tag     string // BecauseTag
}

// The wording of the reasons, as the API shows them.
const (
	ReasonPopular    = "Popular in your region"
	ReasonRecent     = "Recently posted"
	ReasonNew        = "New upload"
	ReasonNewCreator = "New creator"
	// ReasonFollowing: by a creator the viewer follows; every Following
	// item carries it.
	ReasonFollowing = "From an account you follow"
	// ReasonNonPersonalized leads the reasons of every For You item of a
	// viewer who turned personalisation off.
	ReasonNonPersonalized = "Personalisation is off in your settings"
	reasonTag             = "Because you like #%s"
	reasonWatched         = "Because you watched %q"
	reasonWatchedBy       = "Because you watched a video by @%s"
)

// newCreatorVideos: a creator with at most this many videos in the
// catalogue is a new creator.
const newCreatorVideos = 3

// maxTitleRunes shortens a caption quoted in a reason.
const maxTitleRunes = 40

// reasons are a ranked candidate's reasons, in order of how much each
// source added to its score; one that only the newest uploads brought in
// is there because it is recent.
func (e *Engine) reasons(c cand) []Reason {
	type part struct {
		w float32
		r Reason
	}
	var parts []part
	if c.co > 0 && c.coSrc >= 0 {
		parts = append(parts, part{c.co, Reason{Kind: BecauseWatched, VideoID: e.videos[c.coSrc].id}})
	}
	if c.follow > 0 {
		parts = append(parts, part{c.follow, Reason{Kind: BecauseFollowing}})
	}
	if c.tag > 0 {
		parts = append(parts, part{c.tag, Reason{Kind: BecauseTag, Tag: e.tags[c.tagID].name}})
	}
	if c.pop > 0 {
		parts = append(parts, part{c.pop, Reason{Kind: BecausePopular}})
	}
	slices.SortStableFunc(parts, func(x, y part) int {
		switch {
		case x.w > y.w:
			return -1
		case x.w < y.w:
			return 1
		}
		return 0
	})
	var out []Reason
	for _, p := range parts {
		out = append(out, p.r)
	}
	if len(out) == 0 && c.recent > 0 {
		out = []Reason{{Kind: BecauseRecent}}
	}
	return out
}

// exploreReason is the reason of an exploration place: a new creator's,
// or else a new upload's.
func (e *Engine) exploreReason(v *video) Reason {
	if v.creator >= 0 && len(e.creators[v.creator].videos) <= newCreatorVideos {
		return Reason{Kind: BecauseNewCreator}
	}
	return Reason{Kind: BecauseFresh}
}

// feedReasons words a For You item's reasons for the API; titles are the
// videos its "Because you watched" reasons name (nil for one deleted).
func feedReasons(fl *filters, rs []Reason, titles map[string]*flick.Video) []string {
	out := make([]string, 0, len(rs)+1)
	if fl.viewerID != "" && !fl.personal {
		out = append(out, ReasonNonPersonalized)
	}
	for _, r := range rs {
		switch r.Kind {
		case BecauseWatched:
			v := titles[r.VideoID]
			switch {
			case v == nil:
				continue // deleted since: the reason cannot be shown
			case v.Caption != "":
				out = append(out, fmt.Sprintf(reasonWatched, shorten(v.Caption)))
			default:
				out = append(out, fmt.Sprintf(reasonWatchedBy, v.Author.Handle))
			}
		case BecausePopular:
			out = append(out, ReasonPopular)
		case BecauseFollowing:
			out = append(out, ReasonFollowing)
		case BecauseTag:
			out = append(out, fmt.Sprintf(reasonTag, r.Tag))
		case BecauseFresh:
			out = append(out, ReasonNew)
		case BecauseNewCreator:
			out = append(out, ReasonNewCreator)
		case BecauseRecent:
			out = append(out, ReasonRecent)
		}
	}
	return out
}

// missingSources lists, once each, the videos that cands' "Because you
// watched" reasons name and that titles has not looked up yet.
func missingSources(cands []Candidate, titles map[string]*flick.Video) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cands {
		for _, r := range c.Reasons {
			if _, known := titles[r.VideoID]; r.Kind == BecauseWatched && !known && !seen[r.VideoID] {
				seen[r.VideoID] = true
				out = append(out, r.VideoID)
			}
		}
	}
	return out
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxTitleRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxTitleRunes-1]) + "…"
}
