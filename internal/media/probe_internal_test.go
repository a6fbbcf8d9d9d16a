package media

import (
	"encoding/json"
	"testing"

	"github.com/flick-video/flick"
)

// TestProbeOutputInfo covers what is hard to make with ffmpeg: ffprobe
// answers for odd containers, fed to the validation directly.
func TestProbeOutputInfo(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       Info
		code       string
	}{
		{"plain", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 1080, "height": 1920},
			{"codec_type": "audio", "codec_name": "opus"}], "format": {"format_name": "mov", "duration": "12.5"}}`,
			Info{DurationMS: 12500, Width: 1080, Height: 1920, HasAudio: true, VideoCodec: "h264", AudioCodec: "opus", FormatName: "mov"}, ""},
		{"rotation in side data", `{"streams": [{"codec_type": "video", "codec_name": "hevc", "width": 1920, "height": 1080,
			"side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}], "format": {"duration": "3"}}`,
			Info{DurationMS: 3000, Width: 1080, Height: 1920, VideoCodec: "hevc"}, ""},
		{"rotation tag", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360, "tags": {"rotate": "270"}}],
			"format": {"duration": "1"}}`, Info{DurationMS: 1000, Width: 360, Height: 640, VideoCodec: "h264"}, ""},
		{"upside down", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360, "tags": {"rotate": "180"}}],
			"format": {"duration": "1"}}`, Info{DurationMS: 1000, Width: 640, Height: 360, VideoCodec: "h264"}, ""},
		{"anamorphic", `{"streams": [{"codec_type": "video", "codec_name": "mpeg2video", "width": 1440, "height": 1080, "sample_aspect_ratio": "4:3"}],
			"format": {"duration": "1"}}`, Info{DurationMS: 1000, Width: 1920, Height: 1080, VideoCodec: "mpeg2video"}, ""},
		{"duration from the stream", `{"streams": [{"codec_type": "video", "codec_name": "vp9", "width": 640, "height": 360, "duration": "2.5"}],
			"format": {"duration": "N/A"}}`, Info{DurationMS: 2500, Width: 640, Height: 360, VideoCodec: "vp9"}, ""},
		{"no duration", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}], "format": {"duration": "N/A"}}`,
			Info{}, flick.EUNPROCESSABLE},
		{"zero duration", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}], "format": {"duration": "0.000000"}}`,
			Info{}, flick.EUNPROCESSABLE},
		{"cover art only", `{"streams": [{"codec_type": "audio", "codec_name": "mp3"}, {"codec_type": "video", "codec_name": "mjpeg",
			"width": 500, "height": 500, "disposition": {"attached_pic": 1}}], "format": {"duration": "200"}}`, Info{}, flick.EUNSUPPORTED},
		{"one frame", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360, "nb_frames": "1"}],
			"format": {"duration": "0.04"}}`, Info{}, flick.EUNSUPPORTED},
		{"picture codec", `{"streams": [{"codec_type": "video", "codec_name": "png", "width": 640, "height": 360}],
			"format": {"duration": "0.04"}}`, Info{}, flick.EUNSUPPORTED},
		{"no streams", `{"streams": [], "format": {"duration": "1"}}`, Info{}, flick.EUNSUPPORTED},
		{"anamorphic beyond the limit", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 8000, "height": 100, "sample_aspect_ratio": "2:1"}],
			"format": {"duration": "1"}}`, Info{}, flick.EUNPROCESSABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p probeOutput
			if err := json.Unmarshal([]byte(tc.json), &p); err != nil {
				t.Fatal(err)
			}
			info, err := p.info()
			if got := flick.ErrorCode(err); got != tc.code {
				t.Fatalf("info() error %v, want code %q", err, tc.code)
			}
			if err == nil && *info != tc.want {
				t.Errorf("info() = %+v, want %+v", *info, tc.want)
			}
		})
	}
}
