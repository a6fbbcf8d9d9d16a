package flick

import (
	"slices"
	"strings"
	"testing"
)

func TestPrintableText(t *testing.T) {
	tests := []struct {
		s                string
		single, multiple bool
	}{
		{"", true, true},
		{"Hello, world! ✨ 日本語 مرحبا", true, true},
		{"two\nlines", false, true},
		{"tab\there", false, true},
		{"crlf\r\n", false, true},
		{"nul\x00", false, false},
		{"bell\a", false, false},
		{"escape \x1b[31m", false, false},
		{"delete\x7f", false, false},
		{"c1 \u0085 next line", false, false},
		{"bad utf-8 \xff", false, false},
		{"surrogate \xed\xa0\x80", false, false},
		// Text-direction controls reorder what is shown: "\u202enimda"
		// renders as "admin". Refused everywhere, marks included.
		{"\u202enimda", false, false},
		{"embedding \u202a \u202b \u202c \u202d", false, false},
		{"isolates \u2066 \u2067 \u2068 \u2069", false, false},
		{"marks \u200e \u200f \u061c", false, false},
		// Invisible characters make different strings look the same.
		{"ad\u200bmin", false, false},
		{"ad\u200dmin", false, false},
		{"ad\u200cmin", false, false},
		{"\ufeffadmin", false, false},
		{"soft\u00adhyphen", false, false},
		{"word\u2060joiner", false, false},
		{"hangul filler \u3164", false, false},
		{"tag \U000E0041", false, false},
		{"lonely selector \ufe0f", false, false},
		// What scripts and emoji need stays: joiners inside emoji sequences,
		// between letters of scripts that join, variation selectors after a
		// character, and the tags of a subdivision flag.
		{"coder \U0001F469\u200d\U0001F4BB", true, true},
		{"family \U0001F468\u200d\U0001F469\u200d\U0001F467", true, true},
		{"rainbow \U0001F3F3\ufe0f\u200d\U0001F308", true, true},
		{"skin \U0001F44D\U0001F3FD \U0001F469\U0001F3FD\u200d\U0001F680", true, true},
		{"heart \u2764\ufe0f", true, true},
		{"scotland \U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", true, true},
		{"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", true, true}, // Persian: mi-khaham
		{"\u0915\u094d\u200d\u0937", true, true},                         // Devanagari half form
		{"\u0628\u064e\u200c\u0647", true, true},                         // after an Arabic vowel sign
		{"\u0041\u0301\u200c\u0042", false, false},                       // Latin does not join
		{"joiner at the end \U0001F469\u200d", false, false},
		{"\u200d\U0001F4BB joiner at the start", false, false},
	}
	for _, tc := range tests {
		if got := PrintableLine(tc.s); got != tc.single {
			t.Errorf("PrintableLine(%q) = %v", tc.s, got)
		}
		if got := PrintableText(tc.s); got != tc.multiple {
			t.Errorf("PrintableText(%q) = %v", tc.s, got)
		}
	}
}

func TestParseCaption(t *testing.T) {
	tests := []struct {
		caption            string
		hashtags, mentions []string
	}{
		{"", nil, nil},
		{"no tags here", nil, nil},
		{"#Cats and #dogs, #cats again", []string{"cats", "dogs"}, nil},
		{"#Über #café #日本", []string{"über", "café", "日本"}, nil},
		{"#हिंदी गाना", []string{"हिंदी"}, nil}, // vowel signs are combining marks
		{"#snake_case #with-dash", []string{"snake_case", "with"}, nil},
		{"#tag#notatag", []string{"tag"}, nil},
		{"C# and mail@example.com", nil, nil},
		{"# alone, @ alone, #, @", nil, nil},
		{"hi @Alice and @bob.smith.", nil, []string{"alice", "bob.smith"}},
		{"@a @ab @a.b.c @ab.. @_x", nil, []string{"ab", "a.b.c"}},
		{"(@ann) [#tag]", []string{"tag"}, []string{"ann"}},
		{"@" + strings.Repeat("a", 31), nil, nil},
		{"#" + strings.Repeat("a", 101), nil, nil},
		{"#" + strings.Repeat("a", 100), []string{strings.Repeat("a", 100)}, nil},
	}
	for _, tc := range tests {
		tags, mentions := ParseCaption(tc.caption)
		if !slices.Equal(tags, tc.hashtags) || !slices.Equal(mentions, tc.mentions) {
			t.Errorf("ParseCaption(%q) = %q, %q; want %q, %q", tc.caption, tags, mentions, tc.hashtags, tc.mentions)
		}
	}
}

// Every mention ParseCaption finds is a valid handle, and every valid handle
// written as a mention is found whole.
func TestMentionsRoundTrip(t *testing.T) {
	for _, h := range []string{"ab", "a.b", "a_b", "a__", "x9.y_z", "zz"} {
		if err := ValidateHandle(h); err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		_, mentions := ParseCaption("hi @" + h + ". bye")
		if !slices.Equal(mentions, []string{h}) {
			t.Errorf("mention of %q parsed as %q", h, mentions)
		}
	}
}

func TestNormalizeTag(t *testing.T) {
	for in, want := range map[string]string{"#Cats": "cats", " cats ": "cats", "##x": "#x", "": ""} {
		if got := NormalizeTag(in); got != want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateCaption(t *testing.T) {
	tests := []struct {
		caption string
		code    string
	}{
		{"", ""},
		{"A caption\nwith lines #tag", ""},
		{strings.Repeat("é", MaxCaptionRunes), ""},
		{strings.Repeat("é", MaxCaptionRunes+1), EUNPROCESSABLE},
		{"nul \x00", EINVALID},
		{"bad \xff", EINVALID},
		{"\u202egnp.exe", EINVALID},
		{"made with \U0001F9D1\u200d\U0001F4BB #code", ""},
	}
	for _, tc := range tests {
		if got := ErrorCode(ValidateCaption(tc.caption)); got != tc.code {
			t.Errorf("ValidateCaption(%.20q) = %q, want %q", tc.caption, got, tc.code)
		}
	}
}

func TestValidateCommentText(t *testing.T) {
	tests := []struct {
		in, out string
		code    string
	}{
		{"  hello \n", "hello", ""},
		{"multi\nline", "multi\nline", ""},
		{"'); DROP TABLE comments;--", "'); DROP TABLE comments;--", ""},
		{"", "", EINVALID},
		{" \t\n ", "", EINVALID},
		{"bell\a", "", EINVALID},
		{strings.Repeat("ü", MaxCommentRunes), strings.Repeat("ü", MaxCommentRunes), ""},
		{strings.Repeat("ü", MaxCommentRunes+1), "", EUNPROCESSABLE},
	}
	for _, tc := range tests {
		out, err := ValidateCommentText(tc.in)
		if ErrorCode(err) != tc.code || out != tc.out {
			t.Errorf("ValidateCommentText(%.20q) = %.20q, %v; want %.20q, code %q", tc.in, out, err, tc.out, tc.code)
		}
	}
}
