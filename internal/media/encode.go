package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// Encoder settings, in one place so that the benchmark's plain ffmpeg run
// and the pipeline encode the same way.
const (
	videoCodec   = "libx264"
	videoPreset  = "veryfast"
	videoCRF     = "23"
	videoProfile = "high"
	audioCodec   = "aac"
	posterQ      = "5" // mjpeg quality: 2 is best, 31 worst; 5 is a fifth lighter than 3 and looks the same at a phone's size
	// maxFPS caps the frame rate of renditions: a phone's slow-motion 240
	// fps plays as well at 60, and a header that claims a wild frame rate
	// cannot make ffmpeg encode millions of duplicated frames.
	maxFPS = "60"
)

// Output is one rendition to write.
type Output struct {
	Path string
	Rung Rung
}

// Poster is a still picture taken from the video in the same pass: the
// first frame at or after AtMS (flick.DefaultCoverMS unless the creator
// chose another).
type Poster struct {
	Path          string
	Width, Height int
	AtMS          int64
}

// Encoding is one ffmpeg run: the source is decoded once and every frame is
// split to each output's scaler.
type Encoding struct {
	Src string
	// DurationMS is the source's length as Probe measured it: ffmpeg reads
	// no further, whatever the source's timestamps say, and the encode
	// fails when its output comes out shorter.
	DurationMS int64
	Outputs    []Output
	Poster     *Poster // nil for none
}

// Args returns ffmpeg's arguments for e. Renditions are H.264 (high profile,
// constant quality capped by the rung's maxrate) with AAC sound when the
// source has any, in MP4 with the index first (faststart) so that playback
// starts before the download ends; metadata such as a phone's location is
// not copied. The source is read for DurationMS at most, and renditions
// have at most 60 frames a second.
func (e Encoding) Args() []string {
	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-y"}
	// A poster alone seeks in the input (from the keyframe before, then
	// decoding up to the time), rather than decode every frame before it.
	seek := int64(0)
	if len(e.Outputs) == 0 && e.Poster != nil {
		seek = e.Poster.AtMS
		args = append(args, "-ss", formatSeconds(time.Duration(seek)*time.Millisecond))
	}
	args = append(args, "-t", formatSeconds(time.Duration(e.DurationMS-seek)*time.Millisecond))
	args = append(args, inputArgs(e.Src)...)

	branches := len(e.Outputs)
	if e.Poster != nil {
		branches++
	}
	var graph bytes.Buffer
	fmt.Fprintf(&graph, "[0:V:0]split=%d", branches)
	for i := range branches {
		fmt.Fprintf(&graph, "[s%d]", i)
	}
	for i, o := range e.Outputs {
		fmt.Fprintf(&graph, ";[s%d]scale=%d:%d,setsar=1,format=yuv420p[v%d]", i, o.Rung.Width, o.Rung.Height, i)
	}
	if p := e.Poster; p != nil {
		fmt.Fprintf(&graph, ";[s%d]", len(e.Outputs))
		// The second trim ends the branch after one frame: otherwise every
		// later frame would still be scaled for an output that has closed.
		if at := p.AtMS - seek; at > 0 {
			fmt.Fprintf(&graph, "trim=start=%s,", formatSeconds(time.Duration(at)*time.Millisecond))
		}
		fmt.Fprintf(&graph, "trim=end_frame=1,scale=%d:%d,setsar=1[poster]", p.Width, p.Height)
	}
	args = append(args, "-filter_complex", graph.String())

	for i, o := range e.Outputs {
		args = append(args,
			"-map", fmt.Sprintf("[v%d]", i), "-map", "0:a:0?",
			"-c:v", videoCodec, "-preset", videoPreset, "-crf", videoCRF, "-profile:v", videoProfile, "-fpsmax", maxFPS,
			"-maxrate", strconv.Itoa(o.Rung.VideoMaxrate), "-bufsize", strconv.Itoa(2*o.Rung.VideoMaxrate),
			"-c:a", audioCodec, "-b:a", strconv.Itoa(o.Rung.AudioBitrate), "-ac", "2",
			"-map_metadata", "-1", "-map_chapters", "-1",
			"-movflags", "+faststart", "-f", "mp4", o.Path)
	}
	if p := e.Poster; p != nil {
		args = append(args, "-map", "[poster]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", posterQ,
			"-map_metadata", "-1", "-f", "image2", "-update", "1", p.Path)
	}
	return append(args, "-progress", "pipe:1", "-nostats")
}

// errShortOutput is the answer when the encode ends well before the length
// Probe measured: the source's packets are there, but too many of them did
// not decode.
var errShortOutput = flick.Errorf(flick.EUNPROCESSABLE, "The video could not be decoded to its end: the file is damaged.")

// Encode runs e, reporting progress in percent (0-100) whenever it changes.
// progress may be nil.
func Encode(ctx context.Context, e Encoding, progress func(pct int)) error {
	if len(e.Outputs) == 0 && e.Poster == nil {
		return fmt.Errorf("encode %s: nothing to make", e.Src)
	}
	if e.DurationMS <= 0 || e.DurationMS > math.MaxInt64/int64(time.Millisecond) {
		return fmt.Errorf("encode %s: a duration of %d ms", e.Src, e.DurationMS)
	}
	if p := e.Poster; p != nil {
		if err := flick.ValidateCoverMS(p.AtMS, e.DurationMS); err != nil {
			return fmt.Errorf("encode %s: %w", e.Src, err)
		}
		// A poster left over from an earlier run must not pass for this one's.
		if err := os.Remove(p.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("encode %s: %w", e.Src, err)
		}
	}
	want := time.Duration(e.DurationMS) * time.Millisecond
	pw := &progressWriter{duration: want, report: progress, last: -1}
	if err := run(ctx, "ffmpeg", e.Args(), pw); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if got := pw.end(); len(e.Outputs) > 0 && short(got, want) {
		return fmt.Errorf("encode %s: %w (output %v, source %v)", e.Src, errShortOutput, got, want)
	}
	if p := e.Poster; p != nil {
		// ffmpeg writes no picture, and says nothing, when no frame starts
		// at or after the time: one in the last frame's span.
		if st, err := os.Stat(p.Path); err != nil || st.Size() == 0 {
			return fmt.Errorf("encode %s: %w", e.Src, ErrNoFrame)
		}
	}
	return nil
}

// ErrNoFrame is the answer when no frame of the video starts at or after
// a poster's time.
var ErrNoFrame = flick.Errorf(flick.EUNPROCESSABLE, "There is no frame at that time: choose an earlier one.")

// formatSeconds formats d as ffmpeg's options take a time.
func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// progressWriter parses ffmpeg's "-progress" key=value lines: the frames of
// the first video output, and the end of the output that reaches furthest.
// With a duration and a report function, it also reports percentages.
type progressWriter struct {
	duration time.Duration
	report   func(pct int)
	lines    lineSplitter
	last     int

	frames int64
	endUS  int64
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.lines.split(p, w.line)
	return len(p), nil
}

// lineSplitter cuts what a tool writes into lines, keeping a partial line
// for the next write.
type lineSplitter struct {
	partial []byte
}

func (s *lineSplitter) split(p []byte, line func(string)) {
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			return
		}
		line(string(bytes.TrimSpace(s.partial[:i])))
		s.partial = s.partial[i+1:]
	}
}

// end is how far the output got: the end of its last frame or packet.
func (w *progressWriter) end() time.Duration {
	if w.endUS > math.MaxInt64/int64(time.Microsecond) {
		return math.MaxInt64
	}
	return time.Duration(w.endUS) * time.Microsecond
}

func (w *progressWriter) line(l string) {
	key, v, _ := strings.Cut(l, "=")
	n, err := strconv.ParseInt(v, 10, 64)
	pct := -1
	switch {
	case l == "progress=end":
		pct = 100
	case err != nil:
		return // "N/A" before the first frame, and the keys that are not numbers
	case key == "frame":
		w.frames = n
	case key == "out_time_us":
		// Outputs finish at different times, so the reported time can step back.
		w.endUS = max(w.endUS, n)
		if w.duration > 0 {
			// 100 only when ffmpeg says it is done: the faststart pass that
			// moves the index happens after the last frame.
			pct = int(min(99, min(w.end(), w.duration)*100/w.duration))
		}
	}
	if pct > w.last && w.report != nil {
		w.last = pct
		w.report(pct)
	}
}
