package media

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// TestProbeOutputInfo covers what is hard to make with ffmpeg: ffprobe
// answers for odd containers, fed to the validation directly.
func TestProbeOutputInfo(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       Info
		declared   time.Duration
		code       string
	}{
		{"plain", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 1080, "height": 1920},
			{"codec_type": "audio", "codec_name": "opus"}], "format": {"format_name": "mov", "duration": "12.5"}}`,
			Info{Width: 1080, Height: 1920, HasAudio: true, VideoCodec: "h264", AudioCodec: "opus", FormatName: "mov"}, 12500 * time.Millisecond, ""},
		{"rotation in side data", `{"streams": [{"codec_type": "video", "codec_name": "hevc", "width": 1920, "height": 1080,
			"side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}], "format": {"duration": "3"}}`,
			Info{Width: 1080, Height: 1920, VideoCodec: "hevc"}, 3000 * time.Millisecond, ""},
		{"rotation tag", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360, "tags": {"rotate": "270"}}],
			"format": {"duration": "1"}}`, Info{Width: 360, Height: 640, VideoCodec: "h264"}, 1000 * time.Millisecond, ""},
		{"upside down", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360, "tags": {"rotate": "180"}}],
			"format": {"duration": "1"}}`, Info{Width: 640, Height: 360, VideoCodec: "h264"}, 1000 * time.Millisecond, ""},
		{"anamorphic", `{"streams": [{"codec_type": "video", "codec_name": "mpeg2video", "width": 1440, "height": 1080, "sample_aspect_ratio": "4:3"}],
			"format": {"duration": "1"}}`, Info{Width: 1920, Height: 1080, VideoCodec: "mpeg2video"}, 1000 * time.Millisecond, ""},
		{"duration from the stream", `{"streams": [{"codec_type": "video", "codec_name": "vp9", "width": 640, "height": 360, "duration": "2.5"}],
			"format": {"duration": "N/A"}}`, Info{Width: 640, Height: 360, VideoCodec: "vp9"}, 2500 * time.Millisecond, ""},
		// Declared lengths are only compared with what the file holds, so a
		// missing or absurd one is not refused here.
		{"no duration", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}], "format": {"duration": "N/A"}}`,
			Info{Width: 640, Height: 360, VideoCodec: "h264"}, 0, ""},
		{"zero duration", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}], "format": {"duration": "0.000000"}}`,
			Info{Width: 640, Height: 360, VideoCodec: "h264"}, 0, ""},
		{"negative duration", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}], "format": {"duration": "-5"}}`,
			Info{Width: 640, Height: 360, VideoCodec: "h264"}, 0, ""},
		{"duration past what int64 nanoseconds hold", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}],
			"format": {"duration": "10000000000000"}}`, Info{Width: 640, Height: 360, VideoCodec: "h264"}, math.MaxInt64, ""},
		{"duration past float64", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}],
			"format": {"duration": "1e999"}}`, Info{Width: 640, Height: 360, VideoCodec: "h264"}, math.MaxInt64, ""},
		{"duration NaN", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360}],
			"format": {"duration": "nan"}}`, Info{Width: 640, Height: 360, VideoCodec: "h264"}, 0, ""},
		{"absurd pixel aspect ratio", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360,
			"sample_aspect_ratio": "9223372036854775807:1"}], "format": {"duration": "1"}}`, Info{}, 0, flick.EUNPROCESSABLE},
		{"absurd rotation", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360, "tags": {"rotate": "1e300"}}],
			"format": {"duration": "1"}}`, Info{Width: 640, Height: 360, VideoCodec: "h264"}, time.Second, ""},
		{"rotation by a multiple of a turn and a quarter", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360,
			"side_data_list": [{"rotation": 450}]}], "format": {"duration": "1"}}`, Info{Width: 360, Height: 640, VideoCodec: "h264"}, time.Second, ""},
		{"cover art only", `{"streams": [{"codec_type": "audio", "codec_name": "mp3"}, {"codec_type": "video", "codec_name": "mjpeg",
			"width": 500, "height": 500, "disposition": {"attached_pic": 1}}], "format": {"duration": "200"}}`, Info{}, 0, flick.EUNSUPPORTED},
		{"one frame", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 640, "height": 360, "nb_frames": "1"}],
			"format": {"duration": "0.04"}}`, Info{}, 0, flick.EUNSUPPORTED},
		{"picture codec", `{"streams": [{"codec_type": "video", "codec_name": "png", "width": 640, "height": 360}],
			"format": {"duration": "0.04"}}`, Info{}, 0, flick.EUNSUPPORTED},
		{"no streams", `{"streams": [], "format": {"duration": "1"}}`, Info{}, 0, flick.EUNSUPPORTED},
		{"anamorphic beyond the limit", `{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 8000, "height": 100, "sample_aspect_ratio": "2:1"}],
			"format": {"duration": "1"}}`, Info{}, 0, flick.EUNPROCESSABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p probeOutput
			if err := json.Unmarshal([]byte(tc.json), &p); err != nil {
				t.Fatal(err)
			}
			info, hdr, err := p.info()
			if got := flick.ErrorCode(err); got != tc.code {
				t.Fatalf("info() error %v, want code %q", err, tc.code)
			}
			if err == nil && (*info != tc.want || hdr.declared != tc.declared) {
				t.Errorf("info() = %+v, %v; want %+v, %v", *info, hdr.declared, tc.want, tc.declared)
			}
		})
	}
}
