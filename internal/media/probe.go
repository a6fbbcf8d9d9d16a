package media

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/flick-video/flick"
)

// Limits on what Probe accepts.
const (
	MinSide   = 16
	MaxSide   = 8192
	MaxPixels = 40_000_000
)

// Info is what Probe learned about a video file.
type Info struct {
	DurationMS int64
	// Width and Height are the display size: rotation and non-square pixels
	// applied, which is what ffmpeg's scaler is given after autorotation.
	Width, Height int
	HasAudio      bool
	VideoCodec    string
	AudioCodec    string // "" without sound
	FormatName    string
}

// errNotVideo is the answer for anything that is not a moving picture.
var errNotVideo = flick.Errorf(flick.EUNSUPPORTED, "The file is not a video.")

// Probe inspects the file at path with ffprobe, checks that it is a video
// Flick can take (a moving picture of sane size and non-zero length), and
// decodes its first second to catch files that only look right. Every
// refusal is a *flick.Error.
func Probe(ctx context.Context, path string) (*Info, error) {
	var out bytes.Buffer
	args := append([]string{"-v", "error", "-print_format", "json", "-show_format", "-show_streams"}, inputArgs(path)...)
	if err := run(ctx, "ffprobe", args, &out); err != nil {
		var te *ToolError
		if errors.As(err, &te) {
			return nil, errNotVideo // ffprobe found no format it may read
		}
		return nil, err
	}
	var p probeOutput
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		return nil, fmt.Errorf("probe %s: ffprobe output: %w", path, err)
	}
	info, err := p.info()
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(info.FormatName, "mov,") {
		if err := checkMP4Boxes(path); err != nil {
			return nil, err
		}
	}
	frames, err := decodeCheck(ctx, path)
	if err != nil {
		return nil, err
	}
	if frames < 2 {
		return nil, errNotVideo // a single picture in a video container
	}
	return info, nil
}

// probeOutput is the part of ffprobe's JSON that Probe reads.
type probeOutput struct {
	Streams []struct {
		CodecType   string `json:"codec_type"`
		CodecName   string `json:"codec_name"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		SAR         string `json:"sample_aspect_ratio"`
		NbFrames    string `json:"nb_frames"`
		Duration    string `json:"duration"`
		Disposition struct {
			AttachedPic int `json:"attached_pic"`
			StillImage  int `json:"still_image"`
		} `json:"disposition"`
		Tags struct {
			Rotate string `json:"rotate"`
		} `json:"tags"`
		SideData []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// stillCodecs are codecs that hold pictures rather than video.
var stillCodecs = map[string]bool{"png": true, "bmp": true, "gif": true, "webp": true, "tiff": true, "jpegls": true}

func (p *probeOutput) info() (*Info, error) {
	info := &Info{FormatName: p.Format.FormatName}
	video := -1
	for i, s := range p.Streams {
		switch {
		case s.CodecType == "audio" && !info.HasAudio:
			info.HasAudio, info.AudioCodec = true, s.CodecName
		case s.CodecType == "video" && video < 0 && s.Disposition.AttachedPic == 0:
			video = i
		}
	}
	if video < 0 {
		return nil, errNotVideo
	}
	s := p.Streams[video]
	if stillCodecs[s.CodecName] || s.Disposition.StillImage == 1 || s.NbFrames == "1" {
		return nil, errNotVideo
	}
	info.VideoCodec = s.CodecName
	w, h := float64(s.Width), float64(s.Height)
	if num, den, ok := ratio(s.SAR); ok && num != den {
		w = w * float64(num) / float64(den)
	}
	if rotation(s.Tags.Rotate, s.SideData) {
		w, h = h, w
	}
	info.Width, info.Height = int(math.Round(w)), int(math.Round(h))
	if info.Width < MinSide || info.Height < MinSide || info.Width > MaxSide || info.Height > MaxSide || info.Width*info.Height > MaxPixels {
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "The video is %dx%d pixels: it must be at least %d and at most %d pixels on each side and at most %d megapixels.",
			info.Width, info.Height, MinSide, MaxSide, MaxPixels/1_000_000)
	}
	seconds, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil || seconds <= 0 {
		seconds, err = strconv.ParseFloat(s.Duration, 64)
	}
	if err != nil || seconds <= 0 || math.IsInf(seconds, 0) || math.IsNaN(seconds) {
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "The video has no duration.")
	}
	info.DurationMS = int64(seconds * 1000)
	if info.DurationMS <= 0 {
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "The video has no duration.")
	}
	return info, nil
}

// rotation reports whether the stream is shown turned by a quarter, which
// swaps its display width and height.
func rotation(tag string, sideData []struct {
	Rotation *float64 `json:"rotation"`
}) bool {
	deg := 0.0
	if r, err := strconv.ParseFloat(tag, 64); err == nil {
		deg = r
	}
	for _, sd := range sideData {
		if sd.Rotation != nil {
			deg = *sd.Rotation
		}
	}
	return int(math.Abs(math.Round(deg)))%180 == 90
}

// ratio parses "num:den" with both positive.
func ratio(s string) (num, den int, ok bool) {
	a, b, found := strings.Cut(s, ":")
	n, err1 := strconv.Atoi(a)
	d, err2 := strconv.Atoi(b)
	if !found || err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return 0, 0, false
	}
	return n, d, true
}

// decodeCheck decodes the first second of the video and returns how many
// frames came out. A decoder error there means the file is damaged or
// crafted, and it is refused now rather than failing later in the transcode.
func decodeCheck(ctx context.Context, path string) (frames int, err error) {
	args := []string{"-nostdin", "-v", "error", "-xerror", "-t", "1"}
	args = append(args, inputArgs(path)...)
	args = append(args, "-map", "0:v:0", "-f", "null", "-progress", "pipe:1", "-nostats", "-")
	var out bytes.Buffer
	if err := run(ctx, "ffmpeg", args, &out); err != nil {
		var te *ToolError
		if errors.As(err, &te) {
			reason := strings.TrimSuffix(Reason(err), ".")
			if reason == "" {
				reason = "the decoder failed"
			}
			return 0, flick.Errorf(flick.EUNPROCESSABLE, "The video could not be decoded: %s.", reason)
		}
		return 0, err
	}
	return lastFrameCount(&out), nil
}

// lastFrameCount reads the last "frame=N" of ffmpeg's -progress output.
func lastFrameCount(r io.Reader) int {
	n := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "frame="); ok {
			if f, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				n = f
			}
		}
	}
	return n
}

// checkMP4Boxes walks the top-level boxes of an MP4 and refuses one whose
// media or index box runs past the end of the file: an upload cut off after
// its index (as with faststart files) otherwise probes as a whole video and
// decodes fine until the cut.
func checkMP4Boxes(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("check boxes: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("check boxes: %w", err)
	}
	size := st.Size()
	var hdr [16]byte
	for off := int64(0); size-off >= 8; {
		if _, err := f.ReadAt(hdr[:8], off); err != nil {
			return fmt.Errorf("check boxes: %w", err)
		}
		n := int64(binary.BigEndian.Uint32(hdr[:4]))
		kind := string(hdr[4:8])
		switch n {
		case 0: // the box runs to the end of the file
			return nil
		case 1: // a 64-bit size follows the type
			if _, err := f.ReadAt(hdr[8:16], off+8); err != nil {
				return flick.Errorf(flick.EUNPROCESSABLE, "The file is truncated.")
			}
			n = int64(binary.BigEndian.Uint64(hdr[8:16]))
		}
		if n < 8 || off+n > size || off+n < off {
			// Junk after the last box is common and harmless; a cut
			// through the media or the index is not.
			if kind == "mdat" || kind == "moov" || kind == "moof" {
				return flick.Errorf(flick.EUNPROCESSABLE, "The file is truncated.")
			}
			return nil
		}
		off += n
	}
	return nil
}
