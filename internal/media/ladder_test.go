package media_test

import (
	"fmt"
	"testing"

	"github.com/flick-video/flick/internal/media"
)

func TestLadder(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want []string // "name WxH"
	}{
		{1080, 1920, []string{"360p 360x640", "540p 540x960", "720p 720x1280", "1080p 1080x1920"}},
		{1920, 1080, []string{"360p 640x360", "540p 960x540", "720p 1280x720", "1080p 1920x1080"}},
		{2160, 3840, []string{"360p 360x640", "540p 540x960", "720p 720x1280", "1080p 1080x1920"}},
		{720, 1280, []string{"360p 360x640", "540p 540x960", "720p 720x1280"}},
		{1000, 1000, []string{"360p 360x360", "540p 540x540", "720p 720x720"}},
		{600, 800, []string{"360p 360x480", "540p 540x720"}},
		{360, 640, []string{"360p 360x640"}},
		// Odd sizes round to even without passing the source.
		{361, 641, []string{"360p 360x640"}},
		{360, 641, []string{"360p 360x640"}},
		{540, 1170, []string{"360p 360x780", "540p 540x1170"}},
		// Smaller than the lowest rung: one rendition at its own (even) size.
		{240, 426, []string{"240p 240x426"}},
		{426, 240, []string{"240p 426x240"}},
		{241, 427, []string{"240p 240x426"}},
		{16, 16, []string{"16p 16x16"}},
		{0, 100, nil},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.w, tc.h), func(t *testing.T) {
			var got []string
			for _, r := range media.Ladder(tc.w, tc.h) {
				got = append(got, fmt.Sprintf("%s %dx%d", r.Name, r.Width, r.Height))
				if r.Width%2 != 0 || r.Height%2 != 0 || r.Width > tc.w || r.Height > tc.h {
					t.Errorf("%s: %dx%d is odd or upscaled", r.Name, r.Width, r.Height)
				}
				if r.VideoMaxrate < 800_000 || r.AudioBitrate < 96_000 || r.AudioBitrate > 128_000 {
					t.Errorf("%s: bitrates %d/%d", r.Name, r.VideoMaxrate, r.AudioBitrate)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Ladder(%d, %d) = %v, want %v", tc.w, tc.h, got, tc.want)
			}
		})
	}
}
