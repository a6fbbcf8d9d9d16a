package media

import (
	"fmt"
	"math"
)

// Rung is one rendition of the ladder: its size and its bitrates.
type Rung struct {
	Name          string // "540p": the short side
	Width, Height int
	VideoMaxrate  int // bits per second, the cap of the constant-quality encode
	AudioBitrate  int // bits per second when the source has sound
}

// ladder lists the rungs by short side. Short-form video is mostly vertical,
// so "720p" means 720 pixels wide on a phone-shaped video.
var ladder = []struct {
	short, maxrate, audio int
}{
	{360, 800_000, 96_000},
	{540, 1_400_000, 128_000},
	{720, 2_500_000, 128_000},
	{1080, 4_500_000, 128_000},
}

// Ladder returns the rungs for a source of the given display size, smallest
// first: every standard rung whose short side fits in the source's (never
// upscaled), or one rung at the source's own size when it is smaller than the
// lowest. Sizes keep the aspect ratio and are even, as yuv420p needs.
func Ladder(width, height int) []Rung {
	short := min(width, height)
	if short < 2 {
		return nil
	}
	var rungs []Rung
	for _, l := range ladder {
		if l.short <= short {
			rungs = append(rungs, rung(width, height, l.short, l.maxrate, l.audio))
		}
	}
	if len(rungs) == 0 {
		rungs = append(rungs, rung(width, height, short&^1, ladder[0].maxrate, ladder[0].audio))
	}
	return rungs
}

// rung scales the source so that its short side is short, rounding the long
// side to an even number that does not exceed the source's.
func rung(width, height, short, maxrate, audio int) Rung {
	srcShort, srcLong := min(width, height), max(width, height)
	long := 2 * int(math.Round(float64(srcLong)*float64(short)/float64(srcShort)/2))
	long = max(2, min(long, srcLong&^1))
	r := Rung{Name: fmt.Sprintf("%dp", short), VideoMaxrate: maxrate, AudioBitrate: audio}
	if width <= height {
		r.Width, r.Height = short, long
	} else {
		r.Width, r.Height = long, short
	}
	return r
}
