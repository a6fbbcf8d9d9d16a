package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flick-video/flick"
)

// Link previews: the Open Graph and Twitter card tags that chat apps and
// social sites read from a shared /v/{id} or /@handle page, rendered into
// the shell by the server since those readers run no JavaScript. Only what
// anyone may see gets tags: a video that is not ready (or that an anonymous
// viewer may not see) and an unknown handle get none, and a 404.
//
// Videos get twitter:card summary_large_image, not player: a player card
// needs an HTTPS page that the card's site may embed in a frame, and every
// Flick page forbids framing (frame-ancestors 'none'). og:video still
// points at the video file, which the apps that play it inline use.

// Previews finds what a shared link names.
type Previews interface {
	Video(ctx context.Context, id string) (*flick.Video, error)
	AccountByHandle(ctx context.Context, handle string) (*flick.Account, error)
}

// metaTag is one <meta>: Open Graph tags use property, Twitter's name.
type metaTag struct {
	Property, Name, Content string
}

// maxDescriptionRunes keeps descriptions to what previews show.
const maxDescriptionRunes = 200

// preview returns the tags of the page route rt names with arg and the
// status of the page: 404 when there is nothing to preview.
func (h *Handler) preview(r *http.Request, rt route, arg string) ([]metaTag, int, error) {
	if h.cfg.Previews == nil {
		return nil, http.StatusOK, nil
	}
	switch rt.Name {
	case "video":
		v, err := h.cfg.Previews.Video(r.Context(), arg)
		if flick.ErrorCode(err) == flick.ENOTFOUND || err == nil && (v.Status != flick.StatusReady || v.Visibility != flick.VisibilityPublic) {
			return nil, http.StatusNotFound, nil
		}
		if err != nil {
			return nil, 0, err
		}
		return h.videoTags(r, v), http.StatusOK, nil
	case "profile":
		a, err := h.cfg.Previews.AccountByHandle(r.Context(), arg)
		if flick.ErrorCode(err) == flick.ENOTFOUND {
			return nil, http.StatusNotFound, nil
		}
		if err != nil {
			return nil, 0, err
		}
		return h.profileTags(r, a), http.StatusOK, nil
	}
	return nil, http.StatusOK, nil
}

func (h *Handler) videoTags(r *http.Request, v *flick.Video) []metaTag {
	origin := h.cfg.Origin(r)
	title := "@" + v.Author.Handle + " on Flick"
	if v.Author.DisplayName != "" {
		title = v.Author.DisplayName + " (@" + v.Author.Handle + ") on Flick"
	}
	desc := clip(v.Caption, maxDescriptionRunes)
	if desc == "" {
		desc = "Watch @" + v.Author.Handle + "’s video on Flick."
	}
	tags := []metaTag{
		{Property: "og:site_name", Content: "Flick"},
		{Property: "og:type", Content: "video.other"},
		{Property: "og:title", Content: title},
		{Property: "og:description", Content: desc},
		{Property: "og:url", Content: origin + "/v/" + v.ID},
	}
	if v.PosterURL != "" {
		tags = append(tags, metaTag{Property: "og:image", Content: origin + v.PosterURL},
			metaTag{Property: "og:image:alt", Content: "Video by @" + v.Author.Handle})
	}
	if best := bestRendition(v.Renditions); best != nil {
		u := origin + best.URL
		tags = append(tags, metaTag{Property: "og:video", Content: u})
		if strings.HasPrefix(u, "https://") {
			tags = append(tags, metaTag{Property: "og:video:secure_url", Content: u})
		}
		tags = append(tags,
			metaTag{Property: "og:video:type", Content: best.Mime},
			metaTag{Property: "og:video:width", Content: strconv.Itoa(best.Width)},
			metaTag{Property: "og:video:height", Content: strconv.Itoa(best.Height)})
	}
	card := "summary"
	if v.PosterURL != "" {
		card = "summary_large_image"
	}
	tags = append(tags, metaTag{Name: "twitter:card", Content: card},
		metaTag{Name: "twitter:title", Content: title},
		metaTag{Name: "twitter:description", Content: desc})
	if v.PosterURL != "" {
		tags = append(tags, metaTag{Name: "twitter:image", Content: origin + v.PosterURL})
	}
	return tags
}

func (h *Handler) profileTags(r *http.Request, a *flick.Account) []metaTag {
	origin := h.cfg.Origin(r)
	title := "@" + a.Handle + " on Flick"
	if a.DisplayName != "" {
		title = a.DisplayName + " (@" + a.Handle + ") on Flick"
	}
	desc := clip(a.Bio, maxDescriptionRunes)
	if desc == "" {
		desc = "Watch @" + a.Handle + "’s videos on Flick."
	}
	image := origin + h.assets.URL(iconFiles[1].name)
	if a.AvatarURL != "" {
		image = origin + a.AvatarURL
	}
	return []metaTag{
		{Property: "og:site_name", Content: "Flick"},
		{Property: "og:type", Content: "profile"},
		{Property: "og:title", Content: title},
		{Property: "og:description", Content: desc},
		{Property: "og:url", Content: origin + "/@" + a.Handle},
		{Property: "og:image", Content: image},
		{Property: "profile:username", Content: a.Handle},
		{Name: "twitter:card", Content: "summary"},
		{Name: "twitter:title", Content: title},
		{Name: "twitter:description", Content: desc},
		{Name: "twitter:image", Content: image},
	}
}

// bestRendition is the largest rendition: what a preview that plays the
// video inline should get.
func bestRendition(rs []flick.Rendition) *flick.Rendition {
	var best *flick.Rendition
	for i := range rs {
		if best == nil || rs[i].Width*rs[i].Height > best.Width*best.Height {
			best = &rs[i]
		}
	}
	return best
}

// clip shortens s to at most n runes on one line, with an ellipsis when cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
