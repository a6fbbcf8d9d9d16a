package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// DurationMS is the length the file's packets hold, never its header's.
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
// Flick can take (a moving picture of sane size), decodes its first second
// to catch files that only look right, and measures its length by reading
// every packet to the end: a container's header may claim any length, so the
// length is never taken from it. The read stops a second past maxDuration,
// and a longer video is refused. A file that holds less than its header
// declares was cut off (or forged) and is refused too. Every refusal is a
// *flick.Error with a sentence for the user; what a tool said is in the
// error's chain, for the log.
func Probe(ctx context.Context, path string, maxDuration time.Duration) (*Info, error) {
	var out bytes.Buffer
	args := append([]string{"-v", "error", "-print_format", "json", "-show_format", "-show_streams"}, inputArgs(path)...)
	if err := run(ctx, "ffprobe", args, &out); err != nil {
		if te := (*ToolError)(nil); errors.As(err, &te) {
			return nil, fmt.Errorf("%w: %w", errNotVideo, err) // ffprobe found no format it may read
		}
		return nil, err
	}
	var p probeOutput
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		return nil, fmt.Errorf("probe %s: ffprobe output: %w", path, err)
	}
	info, hdr, err := p.info()
	if err != nil {
		return nil, err
	}
	frames, err := decodeCheck(ctx, path)
	if err != nil {
		return nil, err
	}
	if frames < 2 {
		return nil, errNotVideo // a single picture in a video container
	}
	measured, err := measure(ctx, path, hdr.streams, maxDuration+time.Second)
	if err != nil {
		return nil, err
	}
	switch {
	case measured <= 0:
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "The video has no duration.")
	case measured > maxDuration:
		return nil, flick.Errorf(flick.EUNPROCESSABLE, "Videos may be at most %s long.", maxDuration)
	case hdr.declared > 0 && short(measured, hdr.declared):
		return nil, fmt.Errorf("%w (header %v, packets %v)", flick.Errorf(flick.EUNPROCESSABLE,
			"The file is incomplete: it holds %.1f s of the %.1f s its header declares. It may have been cut off while it was copied.",
			measured.Seconds(), hdr.declared.Seconds()), hdr.declared, measured)
	}
	info.DurationMS = measured.Milliseconds()
	return info, nil
}

// short reports whether a video that should last want lasts only got: more
// than half a second or 2 % less. Containers round lengths, and a last frame
// or audio packet may or may not be counted, by a few tens of milliseconds.
func short(got, want time.Duration) bool {
	return got < want-max(500*time.Millisecond, want/50)
}

// probeOutput is the part of ffprobe's JSON that Probe reads.
type probeOutput struct {
	Streams []struct {
		Index       int    `json:"index"`
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

// header is what Probe learns from ffprobe's answer besides Info.
type header struct {
	declared time.Duration // the length the header declares; 0 for none
	// streams are the indexes of the streams a transcode reads: the first
	// video stream that is not a cover picture, and the first audio stream.
	streams []int
}

// info checks the video stream ffprobe found and returns what it learned.
// Every number comes from the file, so each is bounded before it is used.
func (p *probeOutput) info() (*Info, header, error) {
	info := &Info{FormatName: p.Format.FormatName}
	var hdr header
	video := -1
	for i, s := range p.Streams {
		switch {
		case s.CodecType == "audio" && !info.HasAudio:
			info.HasAudio, info.AudioCodec = true, s.CodecName
			hdr.streams = append(hdr.streams, s.Index)
		case s.CodecType == "video" && video < 0 && s.Disposition.AttachedPic == 0:
			video = i
			hdr.streams = append(hdr.streams, s.Index)
		}
	}
	if video < 0 {
		return nil, header{}, errNotVideo
	}
	s := p.Streams[video]
	if stillCodecs[s.CodecName] || s.Disposition.StillImage == 1 || s.NbFrames == "1" {
		return nil, header{}, errNotVideo
	}
	info.VideoCodec = s.CodecName
	w, h := float64(s.Width), float64(s.Height)
	if num, den, ok := ratio(s.SAR); ok && num != den {
		w = w * float64(num) / float64(den)
	}
	if rotation(s.Tags.Rotate, s.SideData) {
		w, h = h, w
	}
	// Compared as floats: a pixel aspect ratio may make the width anything.
	w, h = math.Round(w), math.Round(h)
	if !(w >= MinSide && h >= MinSide && w <= MaxSide && h <= MaxSide && w*h <= MaxPixels) {
		return nil, header{}, flick.Errorf(flick.EUNPROCESSABLE, "The video is %.0fx%.0f pixels: it must be at least %d and at most %d pixels on each side and at most %d megapixels.",
			w, h, MinSide, MaxSide, MaxPixels/1_000_000)
	}
	info.Width, info.Height = int(w), int(h)
	hdr.declared = parseSeconds(p.Format.Duration)
	if hdr.declared == 0 {
		hdr.declared = parseSeconds(s.Duration)
	}
	return info, hdr, nil
}

// parseSeconds reads a length in seconds as ffprobe prints it; 0 for none
// ("N/A") and for nonsense.
func parseSeconds(v string) time.Duration {
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0
	}
	return parseDuration(secs)
}

// parseDuration converts seconds read from a file: 0 for anything not
// positive (or not a number), capped at what a time.Duration holds.
func parseDuration(secs float64) time.Duration {
	switch {
	case !(secs > 0):
		return 0
	case secs >= math.MaxInt64/float64(time.Second):
		return math.MaxInt64
	}
	return time.Duration(secs * float64(time.Second))
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
	return math.Mod(math.Abs(math.Round(deg)), 180) == 90
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
func decodeCheck(ctx context.Context, path string) (frames int64, err error) {
	args := []string{"-nostdin", "-v", "error", "-xerror", "-t", "1"}
	args = append(args, inputArgs(path)...)
	args = append(args, "-map", "0:V:0", "-f", "null", "-progress", "pipe:1", "-nostats", "-")
	var out progressWriter
	if err := run(ctx, "ffmpeg", args, &out); err != nil {
		if te := (*ToolError)(nil); errors.As(err, &te) {
			return 0, fmt.Errorf("%w: %w", errUndecodable, err)
		}
		return 0, err
	}
	return out.frames, nil
}

// errUndecodable is the answer for a file ffmpeg fails to read.
var errUndecodable = flick.Errorf(flick.EUNPROCESSABLE, "The video could not be decoded: the file is damaged or uses a format Flick cannot read.")

// measure returns the length of what the file holds in the given streams:
// from the first packet's start to the last one's end, found by reading
// every packet without decoding it, which costs little more than reading
// the file. It reads at most limit.
func measure(ctx context.Context, path string, streams []int, limit time.Duration) (time.Duration, error) {
	args := []string{"-v", "error", "-read_intervals", "%+" + formatSeconds(limit),
		"-show_entries", "packet=stream_index,pts_time,dts_time,duration_time", "-of", "compact=p=0:nk=1"}
	args = append(args, inputArgs(path)...)
	span := &packetSpan{streams: streams}
	if err := run(ctx, "ffprobe", args, span); err != nil {
		if te := (*ToolError)(nil); errors.As(err, &te) {
			return 0, fmt.Errorf("%w: %w", errUndecodable, err)
		}
		return 0, err
	}
	return span.length(), nil
}

// packetSpan reads ffprobe's packet lines ("stream|pts|dts|duration|") as
// they come, keeping only the first start and the last end.
type packetSpan struct {
	streams    []int
	lines      lineSplitter
	start, end float64 // seconds
	seen       bool
}

func (p *packetSpan) Write(b []byte) (int, error) {
	p.lines.split(b, p.line)
	return len(b), nil
}

func (p *packetSpan) line(l string) {
	f := strings.Split(l, "|")
	if len(f) < 4 {
		return
	}
	if idx, err := strconv.Atoi(f[0]); err != nil || !slices.Contains(p.streams, idx) {
		return
	}
	at, err := strconv.ParseFloat(f[1], 64)
	if err != nil { // no presentation time: the decoding time will do
		at, err = strconv.ParseFloat(f[2], 64)
	}
	if err != nil || math.IsNaN(at) || math.IsInf(at, 0) {
		return
	}
	d, err := strconv.ParseFloat(f[3], 64)
	if err != nil || !(d >= 0 && d < math.Inf(1)) {
		d = 0
	}
	if !p.seen {
		p.start, p.end, p.seen = at, at+d, true
	}
	p.start, p.end = min(p.start, at), max(p.end, at+d)
}

// length is the span from the first start to the last end, capped at what a
// time.Duration holds.
func (p *packetSpan) length() time.Duration {
	return parseDuration(p.end - p.start)
}
