package recommend

import "time"

// Config tunes a region's recommender: the engine's learned state, the
// learner that feeds it, For You's page and the Trending lists. The
// engine holds it, and the learner and For You read it from the engine
// they are given, so the three always agree. DefaultConfig is what the
// server runs and what the offline evaluation was tuned with; EvalConfig
// differs only where the replay needs it to.
//
// Where the engine's snapshots are kept is not tuning but the region's
// place on disk: the wiring gives it to NewLearner.
type Config struct {
	// HalfLife is how fast popularity forgets: For You's trending score
	// halves with every HalfLife of an engagement's age, the Trending
	// lists' with every HalfLife of a video's age.
	HalfLife time.Duration

	// The engine.

	// NeighbourBudget bounds the co-engagement entries of the whole
	// catalogue (8 bytes each): every video's list may hold an equal share
	// of it, between MinNeighbours and MaxNeighbours. A small catalogue
	// keeps long lists (quality), a million videos keep 32 each (memory);
	// lists only grow as far as a video's audience makes them.
	NeighbourBudget              int
	MinNeighbours, MaxNeighbours int
	// History bounds the recent videos remembered per viewer; PairWindow is
	// how many of the latest of them a new engagement is paired with (the
	// sequential neighbours), PairDecay how fast that pairing weakens with
	// distance in the viewer's sequence.
	History    int
	PairWindow int
	PairDecay  float64
	// Recency is how fast a history item's influence on the ranking falls
	// with its position: the latest watch counts most.
	Recency float64
	// Popularity and its normalisation: a neighbour j of h scores
	// co(h,j) / (n_h^NormFrom * n_j^NormTo); the lower NormTo, the more
	// popular videos win, the higher, the wider the coverage.
	NormFrom, NormTo float64
	// PopularWeight weighs the region's trending score against the
	// personal one.
	PopularWeight float64
	// PopularVideos is how many videos the engine's trending list keeps;
	// TagVideos and CreatorVideos bound the per-hashtag and per-creator
	// candidate lists.
	PopularVideos int
	TagVideos     int
	CreatorVideos int
	// FollowBoost, TagWeight: how much following a creator and liking a
	// hashtag add to a video's score.
	FollowBoost float64
	TagWeight   float64
	// FreshAge, FreshAudience: a video younger than FreshAge that fewer than
	// FreshAudience viewers have been shown is in the exploration pool.
	FreshAge      time.Duration
	FreshAudience int
	// ViewerTTL: a viewer's learned state is dropped after this long
	// without an event (0: never).
	ViewerTTL time.Duration

	// The learner.

	// Catalogue is how far back the ready videos loaded at start go, and
	// CatalogueLimit how many at most.
	Catalogue      time.Duration
	CatalogueLimit int
	// Refresh is how often the videos that turned ready recently are
	// loaded again and the exploration pool pruned: a publish event brings
	// a new upload in at once, a refresh one whose event was lost.
	// RefreshWindow is how far back each refresh looks (longer than any
	// transcode, since a video is listed by its creation time).
	Refresh       time.Duration
	RefreshWindow time.Duration
	// SnapshotEvery is how often the engine's state is saved while events
	// arrive (when the learner has a snapshot directory).
	SnapshotEvery time.Duration

	// For You.

	// FreshEvery: every FreshEvery-th For You place goes to a fresh upload
	// (0: none), so that new creators get a first audience.
	FreshEvery int

	// The Trending lists, which rank the store's recent videos.

	// TrendingWindow is how far back their candidates go, TrendingPool how
	// many recent videos at most are candidates, and TrendingTTL how long a
	// scored candidate pool is reused.
	TrendingWindow time.Duration
	TrendingPool   int
	TrendingTTL    time.Duration
}

// DefaultConfig returns the tuned defaults: popularity halving every two
// days; neighbour lists of 32 to 1000; a viewer's latest 50 videos, each
// new one paired with the 20 before it; every fifth For You place for a
// fresh upload; a year of catalogue, new uploads picked up every 5 s, a
// snapshot every 10 minutes; a month of Trending candidates.
func DefaultConfig() Config {
	return Config{
		HalfLife: 48 * time.Hour,

		NeighbourBudget: 32 << 20,
		MinNeighbours:   32,
		MaxNeighbours:   1000,
		History:         50,
		PairWindow:      20,
		PairDecay:       0.1,
		Recency:         0.25,
		NormFrom:        0.5,
		NormTo:          0.3,
		PopularWeight:   0.05,
		PopularVideos:   500,
		TagVideos:       50,
		CreatorVideos:   16,
		FollowBoost:     0.5,
		TagWeight:       0.2,
		FreshAge:        72 * time.Hour,
		FreshAudience:   100,
		ViewerTTL:       60 * 24 * time.Hour,

		Catalogue:      365 * 24 * time.Hour,
		CatalogueLimit: 2_000_000,
		Refresh:        5 * time.Second,
		RefreshWindow:  24 * time.Hour,
		SnapshotEvery:  10 * time.Minute,

		FreshEvery: 5,

		TrendingWindow: 30 * 24 * time.Hour,
		TrendingPool:   2000,
		TrendingTTL:    5 * time.Second,
	}
}

// EvalConfig is DefaultConfig for the offline evaluation: the protocol
// asks for every user's recommendations at the end of the replay, years
// after some were last active, so viewer state must not expire.
func EvalConfig() Config {
	cfg := DefaultConfig()
	cfg.ViewerTTL = 0
	return cfg
}
