package httpapi

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/flick-video/flick"
)

// forYou handles GET /api/v1/feed/foryou, for anonymous viewers too.
func (s *Server) forYou(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.servePage(w, r, c, s.ForYou)
}

// followingFeed handles GET /api/v1/feed/following.
func (s *Server) followingFeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.servePage(w, r, c, s.Following)
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request, c *caller, feed flick.Feed) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	req := flick.FeedRequest{ViewerID: c.AccountID, Limit: p.Limit, Cursor: p.Cursor}
	if !c.signedIn() {
		// Nobody knows a signed-out visitor's taste: each visit draws its
		// own page from what is popular and fresh.
		req.Seed = rand.Uint64() | 1
	}
	items, next, err := feed.Page(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, feedPage(items, next))
	return nil
}

// maxQueryRunes bounds a search query.
const maxQueryRunes = 100

// searchAccountsLimit and searchTagsLimit size the non-paginated parts of a
// search answer.
const (
	searchAccountsLimit = 10
	searchTagsLimit     = 10
)

type searchResponse struct {
	Videos     []videoJSON   `json:"videos"`
	NextCursor string        `json:"next_cursor"`
	Accounts   []accountJSON `json:"accounts"`
	Hashtags   []string      `json:"hashtags"`
}

// search handles GET /api/v1/search?q=: videos by caption and hashtag (a
// page of them), accounts by handle and name, and the hashtags of the found
// videos that contain the query.
func (s *Server) search(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return flick.Errorf(flick.EINVALID, "Search needs a query: ?q=")
	}
	if utf8.RuneCountInString(q) > maxQueryRunes || !flick.PrintableLine(q) {
		return flick.Errorf(flick.EINVALID, "Search query must be at most %d printable characters.", maxQueryRunes)
	}
	ctx := r.Context()
	videos, next, err := s.Regions.ListVideos(ctx, flick.VideoFilter{Query: q}, p)
	if err != nil {
		return err
	}
	if videos, err = s.hideHidden(ctx, c.AccountID, videos); err != nil {
		return err
	}
	views, err := s.videoViews(ctx, c.AccountID, videos)
	if err != nil {
		return err
	}
	out := searchResponse{Videos: views, NextCursor: next, Accounts: []accountJSON{}, Hashtags: []string{}}
	if p.Cursor == "" {
		accounts, err := s.Regions.SearchAccounts(ctx, q, searchAccountsLimit)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			out.Accounts = append(out.Accounts, publicAccount(a))
		}
		out.Hashtags = matchingTags(videos, flick.NormalizeTag(q))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// matchingTags collects, in order of first appearance, the hashtags of videos
// that contain tag.
func matchingTags(videos []*flick.Video, tag string) []string {
	tags := []string{}
	seen := map[string]bool{}
	for _, v := range videos {
		for _, t := range v.Hashtags {
			if !seen[t] && strings.Contains(t, tag) && len(tags) < searchTagsLimit {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	return tags
}

// hashtagVideos handles GET /api/v1/hashtags/{tag}/videos.
func (s *Server) hashtagVideos(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	raw := r.PathValue("tag")
	tag := flick.NormalizeTag(raw)
	if tags, _ := flick.ParseCaption("#" + tag); len(tags) != 1 || tags[0] != tag {
		return flick.Errorf(flick.ENOTFOUND, "No such hashtag.")
	}
	videos, next, err := s.Regions.ListVideos(r.Context(), flick.VideoFilter{Hashtag: tag}, p)
	if err != nil {
		return err
	}
	if videos, err = s.hideHidden(r.Context(), c.AccountID, videos); err != nil {
		return err
	}
	return s.writeVideoPage(w, r, c.AccountID, videos, next)
}

// trendingLimit sizes the trending lists.
const trendingLimit = 20

type trendingResponse struct {
	Videos   []videoJSON      `json:"videos"`
	Hashtags []flick.TagCount `json:"hashtags"`
}

// trending handles GET /api/v1/trending.
func (s *Server) trending(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	ranked, err := s.Trending.TrendingVideos(ctx, trendingLimit)
	if err != nil {
		return err
	}
	// The ranking is kept a while; the videos are read again, in one query,
	// so that one deleted or made non-public since drops out at once.
	ids := make([]string, len(ranked))
	for i, v := range ranked {
		ids[i] = v.ID
	}
	videos, err := s.Regions.Videos(ctx, ids)
	if err != nil {
		return err
	}
	if videos, err = s.hideHidden(ctx, c.AccountID, videos); err != nil {
		return err
	}
	tags, err := s.Trending.TrendingHashtags(ctx, trendingLimit)
	if err != nil {
		return err
	}
	views, err := s.videoViews(ctx, c.AccountID, videos)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, trendingResponse{Videos: views, Hashtags: emptyIfNil(tags)})
	return nil
}
