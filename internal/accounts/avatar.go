package accounts

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/flick-video/flick"
)

// Avatar limits. The pixel limit matters more than the byte limit: a small
// PNG can declare a huge canvas, and decoding allocates 4 bytes a pixel.
const (
	MaxAvatarBytes  = 5 << 20 // the largest image SetAvatar takes
	maxAvatarPixels = 4096 * 4096
	AvatarSize      = 256 // the side of every avatar, in pixels
)

// SetAvatar decodes a JPEG or PNG image (whatever the client said it was),
// centre-crops it to a square and stores it, re-encoded as a 256x256 JPEG,
// in the account's home region: what is stored is always an image Flick
// made, never the upload's bytes (which could hide anything, from scripts
// to GPS metadata).
func (s *Service) SetAvatar(ctx context.Context, accountID string, image []byte) (*flick.Account, error) {
	if len(image) > MaxAvatarBytes {
		return nil, flick.Errorf(flick.ETOOLARGE, "The image is larger than 5 MiB.")
	}
	out, err := makeAvatar(image)
	if err != nil {
		return nil, err
	}
	home, done, err := s.router.Home(ctx, accountID)
	if err != nil {
		return nil, err
	}
	defer done()
	if _, err := home.Blobs.Put(ctx, flick.AvatarKey(accountID), bytes.NewReader(out)); err != nil {
		return nil, err
	}
	has := true
	if _, err := home.Store.UpdateProfile(ctx, accountID, flick.ProfileUpdate{HasAvatar: &has}); err != nil {
		return nil, err
	}
	return s.router.Account(ctx, accountID)
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
	if err := jpeg.Encode(&buf, squareThumbnail(img, AvatarSize), &jpeg.Options{Quality: 85}); err != nil {
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
