package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/accounts"
)

// putAvatar handles PUT /api/v1/me/avatar: the body is a JPEG or PNG image
// (or a multipart form with the image in the field file), which the
// Accounts service turns into the avatar.
func (s *Server) putAvatar(w http.ResponseWriter, r *http.Request, c *caller) error {
	r.Body = http.MaxBytesReader(w, r.Body, accounts.MaxAvatarBytes+64<<10)
	body, err := avatarBody(r)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(body, accounts.MaxAvatarBytes+1))
	if err != nil {
		return multipartError(err)
	}
	a, err := s.Accounts.SetAvatar(r.Context(), c.AccountID, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ownAccount(a))
	return nil
}

// avatarBody returns the image bytes of the request: the body itself, or the
// part named file of a multipart form.
func avatarBody(r *http.Request) (io.Reader, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "image/jpeg", "image/png":
		return r.Body, nil
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, flick.Errorf(flick.EINVALID, "Malformed multipart body.")
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, flick.Errorf(flick.EINVALID, "The form field file is missing.")
			} else if err != nil {
				return nil, multipartError(err)
			}
			if part.FormName() == "file" {
				return part, nil
			}
		}
	}
	return nil, flick.Errorf(flick.EUNSUPPORTED, "An avatar must be a JPEG or PNG image.")
}
