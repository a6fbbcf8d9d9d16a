package httpapi

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"net/http"

	"github.com/flick-video/flick"
)

// Avatar limits. The pixel limit matters more than the byte limit: a small
// PNG can declare a huge canvas, and decoding allocates 4 bytes a pixel.
const (
	maxAvatarBytes  = 5 << 20
	maxAvatarPixels = 4096 * 4096
	avatarSize      = 256
)

// putAvatar handles PUT /api/v1/me/avatar: the body is a JPEG or PNG image
// (or a multipart form with the image in the field file). It is decoded,
// centre-cropped to a square and re-encoded as a 256x256 JPEG: what is
// stored is always an image we made, never the upload's bytes (which could
// hide anything, from scripts to GPS metadata).
func (s *Server) putAvatar(w http.ResponseWriter, r *http.Request, c *caller) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxAvatarBytes+64<<10)
	body, err := avatarBody(r)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(body, maxAvatarBytes+1))
	if err != nil {
		return multipartError(err)
	}
	if len(data) > maxAvatarBytes {
		return flick.Errorf(flick.ETOOLARGE, "The image is larger than 5 MiB.")
	}
	out, err := makeAvatar(data)
	if err != nil {
		return err
	}
	if _, err := s.Blobs.Put(r.Context(), flick.AvatarKey(c.AccountID), bytes.NewReader(out)); err != nil {
		return err
	}
	has := true
	a, err := s.Store.UpdateProfile(r.Context(), c.AccountID, flick.ProfileUpdate{HasAvatar: &has})
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

// makeAvatar decodes a JPEG or PNG (whatever the client said it was) and
// returns the avatar JPEG.
func makeAvatar(data []byte) ([]byte, error) {
	var decode func(io.Reader) (image.Image, error)
	var config func(io.Reader) (image.Config, error)
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		decode, config = jpeg.Decode, jpeg.DecodeConfig
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		decode, config = png.Decode, png.DecodeConfig
	default:
		return nil, flick.Errorf(flick.EUNSUPPORTED, "An avatar must be a JPEG or PNG image.")
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "The image could not be read.")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width*cfg.Height > maxAvatarPixels || cfg.Width > 16*4096 || cfg.Height > 16*4096 {
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "The image must be at most %d pixels.", maxAvatarPixels)
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "The image could not be read.")
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, squareThumbnail(img, avatarSize), &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// squareThumbnail centre-crops img to a square and resamples it to size x
// size by averaging the source pixels under each destination pixel (a box
// filter: exact for downscaling, nearest-neighbour when enlarging).
func squareThumbnail(img image.Image, size int) *image.RGBA {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	x0 := b.Min.X + (b.Dx()-side)/2
	y0 := b.Min.Y + (b.Dy()-side)/2
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	for dy := range size {
		sy0 := y0 + dy*side/size
		sy1 := max(y0+(dy+1)*side/size, sy0+1)
		for dx := range size {
			sx0 := x0 + dx*side/size
			sx1 := max(x0+(dx+1)*side/size, sx0+1)
			var r, g, bl, n uint64
			for sy := sy0; sy < sy1; sy++ {
				for sx := sx0; sx < sx1; sx++ {
					// Premultiplied colour over a white background, so
					// transparent PNG areas turn white, not black.
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					bg := uint64(0xffff - ca)
					r, g, bl, n = r+uint64(cr)+bg, g+uint64(cg)+bg, bl+uint64(cb)+bg, n+1
				}
			}
			dst.SetRGBA(dx, dy, color.RGBA{R: uint8(r / n >> 8), G: uint8(g / n >> 8), B: uint8(bl / n >> 8), A: 255})
		}
	}
	return dst
}
