package testenv

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // posters
	_ "image/png"  // reference frames
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FrameAt decodes, with ffmpeg, the frame of the video at path shown at ms,
// scaled to w×h: the reference a poster made from that time is compared
// with.
func FrameAt(t testing.TB, path string, ms, w, h int) image.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), fmt.Sprintf("frame-%d.png", ms))
	cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-ss", fmt.Sprintf("%.3f", float64(ms)/1000), "-i", path,
		"-frames:v", "1", "-vf", fmt.Sprintf("scale=%d:%d", w, h), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg frame at %d ms: %v\n%s", ms, err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decode frame at %d ms: %v", ms, err)
	}
	return img
}

// LumaDistance is the mean absolute difference of the luma of two images of
// one size, in 8-bit steps: about 1 between a frame and its JPEG, tens
// between two different frames of a moving test pattern.
func LumaDistance(t testing.TB, a, b image.Image) float64 {
	t.Helper()
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		t.Fatalf("images of %v and %v", ab.Size(), bb.Size())
	}
	var sum float64
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			ya := color.GrayModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.Gray).Y
			yb := color.GrayModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.Gray).Y
			sum += math.Abs(float64(ya) - float64(yb))
		}
	}
	return sum / float64(ab.Dx()*ab.Dy())
}
