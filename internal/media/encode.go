package media

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Encoder settings, in one place so that the benchmark's plain ffmpeg run
// and the pipeline encode the same way.
const (
	videoCodec   = "libx264"
	videoPreset  = "veryfast"
	videoCRF     = "23"
	videoProfile = "high"
	audioCodec   = "aac"
	posterQ      = "3" // mjpeg quality: 2 is best, 31 worst
)

// Output is one rendition to write.
type Output struct {
	Path string
	Rung Rung
}

// Poster is a still picture taken from the video in the same pass.
type Poster struct {
	Path          string
	Width, Height int
}

// Encoding is one ffmpeg run: the source is decoded once and every frame is
// split to each output's scaler.
type Encoding struct {
	Src        string
	DurationMS int64 // the source's length, for progress and to place the poster
	Outputs    []Output
	Poster     *Poster // nil for none
}

// Args returns ffmpeg's arguments for e. Renditions are H.264 (high profile,
// constant quality capped by the rung's maxrate) with AAC sound when the
// source has any, in MP4 with the index first (faststart) so that playback
// starts before the download ends; metadata such as a phone's location is
// not copied.
func (e Encoding) Args() []string {
	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-y"}
	args = append(args, inputArgs(e.Src)...)

	branches := len(e.Outputs)
	if e.Poster != nil {
		branches++
	}
	var graph bytes.Buffer
	fmt.Fprintf(&graph, "[0:v:0]split=%d", branches)
	for i := range branches {
		fmt.Fprintf(&graph, "[s%d]", i)
	}
	for i, o := range e.Outputs {
		fmt.Fprintf(&graph, ";[s%d]scale=%d:%d,setsar=1,format=yuv420p[v%d]", i, o.Rung.Width, o.Rung.Height, i)
	}
	if p := e.Poster; p != nil {
		fmt.Fprintf(&graph, ";[s%d]", len(e.Outputs))
		// A frame a second in is more telling than the first, which is often
		// black; very short clips use the first. The second trim ends the
		// branch after one frame: otherwise every later frame would still be
		// scaled for an output that has closed.
		if e.DurationMS >= 2000 {
			graph.WriteString("trim=start=1,")
		}
		fmt.Fprintf(&graph, "trim=end_frame=1,scale=%d:%d,setsar=1[poster]", p.Width, p.Height)
	}
	args = append(args, "-filter_complex", graph.String())

	for i, o := range e.Outputs {
		args = append(args,
			"-map", fmt.Sprintf("[v%d]", i), "-map", "0:a:0?",
			"-c:v", videoCodec, "-preset", videoPreset, "-crf", videoCRF, "-profile:v", videoProfile,
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

// Encode runs e, reporting progress in percent (0-100) whenever it changes.
// progress may be nil.
func Encode(ctx context.Context, e Encoding, progress func(pct int)) error {
	if len(e.Outputs) == 0 && e.Poster == nil {
		return fmt.Errorf("encode %s: nothing to make", e.Src)
	}
	pw := &progressWriter{durationUS: e.DurationMS * 1000, report: progress, last: -1}
	if err := run(ctx, "ffmpeg", e.Args(), pw); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return nil
}

// progressWriter parses ffmpeg's "-progress" key=value lines.
type progressWriter struct {
	durationUS int64
	report     func(pct int)
	partial    []byte
	last       int
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(bytes.TrimSpace(w.partial[:i])))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *progressWriter) line(l string) {
	pct := -1
	if l == "progress=end" {
		pct = 100
	} else if v, ok := strings.CutPrefix(l, "out_time_us="); ok && w.durationUS > 0 {
		us, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return // "N/A" before the first frame
		}
		// 100 only when ffmpeg says it is done: the faststart pass that
		// moves the index happens after the last frame.
		pct = int(min(99, max(0, us*100/w.durationUS)))
	}
	// Outputs finish at different times, so the reported time can step back.
	if pct > w.last && w.report != nil {
		w.last = pct
		w.report(pct)
	}
}
