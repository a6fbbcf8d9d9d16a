package flick

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Viewer controls: what a viewer tells the feeds to leave out and how to
// rank. They are the viewer's personal data and live in the viewer's home
// region.

// Limits of the viewer controls.
const (
	MaxKeywordFilters = 50
	MaxKeywordRunes   = 50
	MaxHiddenCreators = 2000
)

// ViewerSettings are a viewer's feed preferences.
type ViewerSettings struct {
	// NonPersonalized makes For You show what is popular in the region,
	// without the viewer's own signals.
	NonPersonalized bool `json:"non_personalized"`
	// KeywordFilters hide videos whose caption or hashtags contain one of
	// these words or phrases (whole words, case-insensitive), in their
	// normalized form: see NormalizeKeyword.
	KeywordFilters []string `json:"keyword_filters"`
}

// Normalized checks s and returns it with every keyword filter normalized
// and duplicates dropped, in the order given.
func (s ViewerSettings) Normalized() (ViewerSettings, error) {
	if len(s.KeywordFilters) > MaxKeywordFilters {
		return ViewerSettings{}, Errorf(EUNPROCESSABLE, "At most %d keyword filters.", MaxKeywordFilters)
	}
	out := ViewerSettings{NonPersonalized: s.NonPersonalized, KeywordFilters: make([]string, 0, len(s.KeywordFilters))}
	seen := map[string]bool{}
	for _, k := range s.KeywordFilters {
		n, err := NormalizeKeyword(k)
		if err != nil {
			return ViewerSettings{}, err
		}
		if !seen[n] {
			seen[n] = true
			out.KeywordFilters = append(out.KeywordFilters, n)
		}
	}
	return out, nil
}

// NormalizeKeyword turns a keyword filter as typed ("  #Cute   Cats ") into
// its stored form ("cute cats"): lower-case, one space between words, no
// leading '#'. It must be 1 to MaxKeywordRunes printable characters on one
// line with at least one letter or digit, since it matches whole words.
func NormalizeKeyword(k string) (string, error) {
	if !PrintableLine(k) {
		return "", Errorf(EINVALID, "Keyword filters may contain only printable characters on one line.")
	}
	n := strings.ToLower(strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(k), "#")), " "))
	if c := utf8.RuneCountInString(n); c == 0 || c > MaxKeywordRunes {
		return "", Errorf(EINVALID, "A keyword filter must be 1 to %d characters.", MaxKeywordRunes)
	}
	if len(Words(n)) == 0 {
		return "", Errorf(EINVALID, "A keyword filter needs at least one letter or digit.")
	}
	return n, nil
}

// Words splits text into lower-cased words (runs of letters, digits, marks
// and '_', as hashtags are): the unit keyword filters match.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !isWordRune(r) })
}

// ViewerControls is what the feeds need of a viewer's controls on every
// page, read at once.
type ViewerControls struct {
	Settings  ViewerSettings
	HiddenIDs []string // creators the viewer has hidden
}

// ControlStore keeps viewers' controls.
type ControlStore interface {
	// HideCreator hides creatorID from accountID's feeds; idempotent, changed says
	// whether anything changed. ENOTFOUND for an unknown account, EINVALID
	// for oneself, EUNPROCESSABLE past MaxHiddenCreators.
	HideCreator(ctx context.Context, accountID, creatorID string, at time.Time) (changed bool, err error)
	UnhideCreator(ctx context.Context, accountID, creatorID string) (changed bool, err error)
	// HiddenCreators lists the creators accountID has hidden, most recently
	// hidden first; creators of other regions are named by ID alone.
	HiddenCreators(ctx context.Context, accountID string) ([]AccountRef, error)

	// MarkNotInterested records that accountID does not want videoID;
	// idempotent. ENOTFOUND for an unknown video. UnmarkNotInterested takes
	// the mark back.
	MarkNotInterested(ctx context.Context, accountID, videoID string, at time.Time) (changed bool, err error)
	UnmarkNotInterested(ctx context.Context, accountID, videoID string) (changed bool, err error)
	// NotInterested returns which of videoIDs accountID has marked.
	NotInterested(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)

	// Controls returns accountID's settings (the defaults if never set) and
	// hidden creators.
	Controls(ctx context.Context, accountID string) (*ViewerControls, error)
	// PutSettings normalizes and stores accountID's settings and returns
	// them as stored; invalid settings change nothing.
	PutSettings(ctx context.Context, accountID string, s ViewerSettings) (ViewerSettings, error)
}

// ContentPolicy decides which videos a viewer may be shown at all: the
// hook where jurisdiction and age rules plug in. The feeds ask it about
// every video before serving it.
type ContentPolicy interface {
	// Allow reports, for each of videos in order, whether viewerID ("" for
	// anonymous viewers) may see it.
	Allow(ctx context.Context, viewerID string, videos []*Video) ([]bool, error)
}
