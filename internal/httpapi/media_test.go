package httpapi

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strings"
	"testing"
)

// TestMediaRanges checks Range requests on media against RFC 9110 §14: the
// 10,000-byte rendition of the fixture holds "0123456789" a thousand times.
func TestMediaRanges(t *testing.T) {
	f := newFixture(t)
	v := f.readyVideo(f.signUp("ann"), "ranges")
	url := v.Renditions[0].URL
	etag := f.must(200, "GET", url, nil).Header.Get("ETag")
	var many []string // small ranges, apart and in order
	for i := range maxRanges + 1 {
		many = append(many, fmt.Sprintf("%d-%d", 10*i, 10*i+1))
	}
	for _, tc := range []struct {
		name, method, rng string
		header            []string // more header fields, name then value
		status            int
		contentRange      string // "" for none
		parts             []string
	}{
		{"a range", "GET", "bytes=10-19", nil, 206, "bytes 10-19/10000", []string{"0123456789"}},
		{"to the end", "GET", "bytes=9995-", nil, 206, "bytes 9995-9999/10000", []string{"56789"}},
		{"a suffix", "GET", "bytes=-3", nil, 206, "bytes 9997-9999/10000", []string{"789"}},
		{"a suffix larger than the file", "GET", "bytes=-20000", nil, 206, "bytes 0-9999/10000", nil},
		{"a last position past the end", "GET", "bytes=9998-20000", nil, 206, "bytes 9998-9999/10000", []string{"89"}},
		{"a last position with too many digits", "GET", "bytes=9998-99999999999999999999999", nil, 206, "bytes 9998-9999/10000", []string{"89"}},
		{"the unit in capitals", "GET", "Bytes=10-11", nil, 206, "bytes 10-11/10000", []string{"01"}},
		{"spaces and empty elements", "GET", "bytes= , 10-11 ,", nil, 206, "bytes 10-11/10000", []string{"01"}},
		{"two ranges", "GET", "bytes=0-1,20-22", nil, 206, "", []string{"01", "012"}},
		{"an unsatisfiable range beside a good one", "GET", "bytes=-0,10-11", nil, 206, "bytes 10-11/10000", []string{"01"}},

		// The report: Go's library answered 206 with "bytes 10000-9999/10000".
		{"an empty suffix", "GET", "bytes=-0", nil, 416, "bytes */10000", nil},
		{"past the end", "GET", "bytes=10000-", nil, 416, "bytes */10000", nil},
		{"far past the end", "GET", "bytes=99999999999999999999999-", nil, 416, "bytes */10000", nil},
		{"last before first", "GET", "bytes=5-2", nil, 416, "bytes */10000", nil},
		{"a sign", "GET", "bytes=+5-9", nil, 416, "bytes */10000", nil},
		{"letters", "GET", "bytes=a-b", nil, 416, "bytes */10000", nil},
		{"no range", "GET", "bytes=", nil, 416, "bytes */10000", nil},
		{"only a dash", "GET", "bytes=-", nil, 416, "bytes */10000", nil},
		{"overlapping ranges", "GET", "bytes=0-9,5-14", nil, 416, "bytes */10000", nil},
		{"the same range twice", "GET", "bytes=0-0,0-0", nil, 416, "bytes */10000", nil},
		{"as many ranges as allowed", "GET", "bytes=" + strings.Join(many[:maxRanges], ","), nil, 206, "", slices.Repeat([]string{"01"}, maxRanges)},
		{"too many ranges", "GET", "bytes=" + strings.Join(many, ","), nil, 416, "bytes */10000", nil},

		// Ignored: the whole file.
		{"another unit", "GET", "items=0-5", nil, 200, "", nil},
		{"not a ranges specifier", "GET", "0-5", nil, 200, "", nil},
		{"HEAD", "HEAD", "bytes=10-19", nil, 200, "", nil},
		{"If-Range with another tag", "GET", "bytes=-0", []string{"If-Range", `"other"`}, 200, "", nil},
		{"If-Range with a weak tag", "GET", "bytes=10-19", []string{"If-Range", "W/" + etag}, 200, "", nil},
		{"If-Range with the tag", "GET", "bytes=10-19", []string{"If-Range", etag}, 206, "bytes 10-19/10000", []string{"0123456789"}},
		// Preconditions come before the range (RFC 9110 §13.2.2).
		{"If-None-Match with the tag", "GET", "bytes=-0", []string{"If-None-Match", etag}, 304, "", nil},
		{"If-Match with another tag", "GET", "bytes=-0", []string{"If-Match", `"other"`}, 412, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []reqOption{withHeader("Range", tc.rng)}
			for i := 0; i < len(tc.header); i += 2 {
				opts = append(opts, withHeader(tc.header[i], tc.header[i+1]))
			}
			r := f.request(tc.method, url, nil, opts...)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			if got := r.Header.Get("Content-Range"); got != tc.contentRange {
				t.Errorf("Content-Range %q, want %q", got, tc.contentRange)
			}
			switch {
			case tc.status == 200 && tc.method == "GET" && len(r.body) != 10_000:
				t.Errorf("%d bytes, want the whole file", len(r.body))
			case tc.status == 206 && tc.parts == nil && len(r.body) != 10_000:
				t.Errorf("%d bytes, want the whole file", len(r.body))
			case len(tc.parts) == 1 && string(r.body) != tc.parts[0]:
				t.Errorf("body %q, want %q", r.body, tc.parts[0])
			case len(tc.parts) > 1:
				if got := multiparts(t, r); strings.Join(got, "|") != strings.Join(tc.parts, "|") {
					t.Errorf("parts %q, want %q", got, tc.parts)
				}
			}
		})
	}
}

// multiparts reads the bodies of a multipart/byteranges answer.
func multiparts(t *testing.T, r *response) []string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(strings.NewReader(string(r.body)), params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			return parts
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, string(b))
	}
}
