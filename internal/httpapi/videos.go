package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/flick-video/flick"
)

// maxCaptionBytes bounds the caption part of an upload before it is
// decoded: MaxCaptionRunes of at most 4 bytes each.
const maxCaptionBytes = 4 * flick.MaxCaptionRunes

// multipartOverhead is what the caption part and multipart boundaries may add
// to the file in an upload body.
const multipartOverhead = maxCaptionBytes + 64<<10

// uploadVideo handles POST /api/v1/videos: a multipart body with the part
// "file" and the optional parts "caption", "visibility", "comments_enabled"
// and "cover_ms", in any order. The file is streamed to a temporary file
// (never held in memory) and handed to the Uploader, which owns it from then
// on; on any error before that the temporary file is removed.
func (s *Server) uploadVideo(w http.ResponseWriter, r *http.Request, c *caller) (err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return flick.Errorf(flick.EUNSUPPORTED, "Upload a video as multipart/form-data with the fields file and caption.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return flick.Errorf(flick.EINVALID, "Malformed multipart body.")
	}
	var (
		pub      flick.Publish
		tempPath string
	)
	defer func() {
		if tempPath != "" {
			if rmErr := os.Remove(tempPath); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
				s.Logger.Warn("remove upload temp file", "path", tempPath, "err", rmErr)
			}
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return multipartError(err)
		}
		switch part.FormName() {
		case "caption":
			b, err := io.ReadAll(io.LimitReader(part, maxCaptionBytes+1))
			if err != nil {
				return multipartError(err)
			}
			if len(b) > maxCaptionBytes {
				return flick.Errorf(flick.EUNPROCESSABLE, "Caption must be at most %d characters.", flick.MaxCaptionRunes)
			}
			pub.Caption = strings.TrimSpace(string(b))
		case "visibility", "comments_enabled", "cover_ms":
			if err := readSetting(part, &pub); err != nil {
				return err
			}
		case "file":
			if tempPath != "" {
				return flick.Errorf(flick.EINVALID, "Upload one file at a time.")
			}
			if tempPath, err = s.receiveFile(part); err != nil {
				return err
			}
		default:
			return flick.Errorf(flick.EINVALID, "Unexpected form field %.40q; send file, caption, visibility, comments_enabled and cover_ms.", part.FormName())
		}
	}
	if tempPath == "" {
		return flick.Errorf(flick.EINVALID, "The form field file is missing.")
	}
	if err := pub.Validate(); err != nil {
		return err
	}
	path := tempPath
	tempPath = "" // Upload owns the file from here on, whatever happens.
	v, err := s.Videos.Upload(r.Context(), c.AccountID, pub, path)
	if err != nil {
		return err
	}
	return s.writeVideo(w, r, c, http.StatusAccepted, v)
}

// writeVideo answers with v as the caller sees it.
func (s *Server) writeVideo(w http.ResponseWriter, r *http.Request, c *caller, status int, v *flick.Video) error {
	out, err := s.videoView(r.Context(), c.AccountID, v)
	if err != nil {
		return err
	}
	writeJSON(w, status, out)
	return nil
}

// maxSettingBytes bounds a setting part of an upload: a word or a number.
const maxSettingBytes = 32

// readSetting reads one of the short setting parts of an upload into p.
func readSetting(part *multipart.Part, p *flick.Publish) error {
	b, err := io.ReadAll(io.LimitReader(part, maxSettingBytes+1))
	if err != nil {
		return multipartError(err)
	}
	val := strings.TrimSpace(string(b))
	if len(b) > maxSettingBytes {
		val = "(too long)"
	}
	switch part.FormName() {
	case "visibility":
		p.Visibility = flick.Visibility(val)
		return p.Visibility.Validate()
	case "comments_enabled":
		on, err := strconv.ParseBool(val)
		if err != nil {
			return flick.Errorf(flick.EINVALID, "comments_enabled must be true or false.")
		}
		p.CommentsOff = !on
	case "cover_ms":
		ms, err := strconv.ParseInt(val, 10, 64)
		if err != nil || ms < 0 {
			return flick.Errorf(flick.EUNPROCESSABLE, "cover_ms must be a time in milliseconds within the video.")
		}
		p.CoverMS = &ms
	}
	return nil
}

// receiveFile streams an upload part into a new file in TempDir and returns
// its path; the file is removed again if anything goes wrong.
func (s *Server) receiveFile(part io.Reader) (path string, err error) {
	f, err := os.CreateTemp(s.cfg.TempDir, "upload-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, io.LimitReader(part, s.cfg.MaxUploadBytes+1))
	if err != nil {
		return "", multipartError(err)
	}
	if n > s.cfg.MaxUploadBytes {
		return "", flick.Errorf(flick.ETOOLARGE, "The video is larger than the limit of %d MiB.", s.cfg.MaxUploadBytes>>20)
	}
	if n == 0 {
		return "", flick.Errorf(flick.EUNPROCESSABLE, "The uploaded file is empty.")
	}
	return f.Name(), nil
}

// multipartError keeps a too-large body a 413 and a too-slow one a 408,
// and calls the rest malformed.
func multipartError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, os.ErrDeadlineExceeded) {
		return readError(err)
	}
	return flick.Errorf(flick.EINVALID, "Malformed multipart body.")
}

// visibleVideo returns the video {id} if viewer may see it.
func (s *Server) visibleVideo(r *http.Request, viewer string) (*flick.Video, error) {
	id, err := pathID(r, "id", "Video")
	if err != nil {
		return nil, err
	}
	return s.Videos.Get(r.Context(), viewer, id)
}

// getVideo handles GET /api/v1/videos/{id}.
func (s *Server) getVideo(w http.ResponseWriter, r *http.Request, c *caller) error {
	v, err := s.visibleVideo(r, c.AccountID)
	if err != nil {
		return err
	}
	return s.writeVideo(w, r, c, http.StatusOK, v)
}

// deleteVideo handles DELETE /api/v1/videos/{id}: authors only.
func (s *Server) deleteVideo(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id", "Video")
	if err != nil {
		return err
	}
	if err := s.Videos.Delete(r.Context(), c.AccountID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// editVideo handles PATCH /api/v1/videos/{id} {caption?, visibility?,
// comments_enabled?, cover_ms?}: authors only.
func (s *Server) editVideo(w http.ResponseWriter, r *http.Request, c *caller) error {
	var e flick.VideoEdit
	if err := s.decodeJSON(w, r, &e); err != nil {
		return err
	}
	return s.changeVideo(w, r, c, func(ctx context.Context, id string) (*flick.Video, error) {
		return s.Videos.Edit(ctx, c.AccountID, id, e)
	})
}

// pinVideo handles PUT /api/v1/videos/{id}/pin: authors only.
func (s *Server) pinVideo(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.changeVideo(w, r, c, func(ctx context.Context, id string) (*flick.Video, error) {
		return s.Videos.Pin(ctx, c.AccountID, id)
	})
}

// unpinVideo handles DELETE /api/v1/videos/{id}/pin: authors only.
func (s *Server) unpinVideo(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.changeVideo(w, r, c, func(ctx context.Context, id string) (*flick.Video, error) {
		return s.Videos.Unpin(ctx, c.AccountID, id)
	})
}

// changeVideo runs one change of the video {id} and answers with the video.
func (s *Server) changeVideo(w http.ResponseWriter, r *http.Request, c *caller,
	change func(ctx context.Context, id string) (*flick.Video, error)) error {
	id, err := pathID(r, "id", "Video")
	if err != nil {
		return err
	}
	v, err := change(r.Context(), id)
	if err != nil {
		return err
	}
	return s.writeVideo(w, r, c, http.StatusOK, v)
}

type likeResponse struct {
	Liked  bool         `json:"liked"`
	Counts flick.Counts `json:"counts"`
}

// like handles POST /api/v1/videos/{id}/like and answers with the counts
// as they are once the like is counted, so the client reads its own write.
func (s *Server) like(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setLike(w, r, c, s.Engagement.Like, true)
}

// unlike handles DELETE /api/v1/videos/{id}/like.
func (s *Server) unlike(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setLike(w, r, c, s.Engagement.Unlike, false)
}

func (s *Server) setLike(w http.ResponseWriter, r *http.Request, c *caller,
	set func(ctx context.Context, viewerID, videoID string) (flick.Counts, error), liked bool) error {
	id, err := pathID(r, "id", "Video")
	if err != nil {
		return err
	}
	counts, err := set(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, likeResponse{Liked: liked, Counts: counts})
	return nil
}

type shareResponse struct {
	Counts flick.Counts `json:"counts"`
}

// share handles POST /api/v1/videos/{id}/share: anyone may share (copy the
// link); the share is counted through the event log, once per viewer (an
// anonymous one by its viewer cookie and address).
func (s *Server) share(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id", "Video")
	if err != nil {
		return err
	}
	viewer, err := s.viewer(w, r, c)
	if err != nil {
		return err
	}
	counts, err := s.Engagement.Share(r.Context(), viewer, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shareResponse{Counts: counts})
	return nil
}

// listComments handles GET /api/v1/videos/{id}/comments[?parent_id=]: top
// comments, or the replies to one.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	v, err := s.visibleVideo(r, c.AccountID)
	if err != nil {
		return err
	}
	parent := r.URL.Query().Get("parent_id")
	if parent != "" && !flick.ValidID(parent) {
		return flick.Errorf(flick.EINVALID, "parent_id is not a valid id.")
	}
	comments, next, err := s.Regions.Comments(r.Context(), v.ID, parent, p)
	if err != nil {
		return err
	}
	if c.AccountID != "" && len(comments) > 0 {
		ids := make([]string, len(comments))
		for i, cm := range comments {
			ids[i] = cm.ID
		}
		liked, err := s.Engagement.LikedComments(r.Context(), c.AccountID, ids)
		if err != nil {
			return err
		}
		for _, cm := range comments {
			cm.Liked = liked[cm.ID]
		}
	}
	writeJSON(w, http.StatusOK, listJSON[*flick.Comment]{Items: emptyIfNil(comments), NextCursor: next})
	return nil
}

// deleteComment handles DELETE /api/v1/comments/{id}: its author or the
// video's creator.
func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id", "Comment")
	if err != nil {
		return err
	}
	if err := s.Engagement.DeleteComment(r.Context(), c.AccountID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type commentLikeResponse struct {
	Liked bool  `json:"liked"`
	Likes int64 `json:"likes"`
}

// likeComment handles POST /api/v1/comments/{id}/like.
func (s *Server) likeComment(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setCommentLike(w, r, c, s.Engagement.LikeComment, true)
}

// unlikeComment handles DELETE /api/v1/comments/{id}/like.
func (s *Server) unlikeComment(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setCommentLike(w, r, c, s.Engagement.UnlikeComment, false)
}

func (s *Server) setCommentLike(w http.ResponseWriter, r *http.Request, c *caller,
	set func(ctx context.Context, viewerID, commentID string) (int64, error), liked bool) error {
	id, err := pathID(r, "id", "Comment")
	if err != nil {
		return err
	}
	likes, err := set(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, commentLikeResponse{Liked: liked, Likes: likes})
	return nil
}

type commentRequest struct {
	Text     string `json:"text"`
	ParentID string `json:"parent_id"`
}

// createComment handles POST /api/v1/videos/{id}/comments {text, parent_id?}.
func (s *Server) createComment(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req commentRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	id, err := pathID(r, "id", "Video")
	if err != nil {
		return err
	}
	cm, err := s.Engagement.Comment(r.Context(), c.AccountID, id, req.Text, req.ParentID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, cm)
	return nil
}
