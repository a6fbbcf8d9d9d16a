package flick

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeKeyword(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     string
	}{
		{"Cats", "cats", ""},
		{"  #Cute   Cats ", "cute cats", ""},
		{"ÉTÉ", "été", ""},
		{"c++", "c++", ""},
		{strings.Repeat("é", MaxKeywordRunes), strings.Repeat("é", MaxKeywordRunes), ""},
		{"", "", EINVALID},
		{"   ", "", EINVALID},
		{"#", "", EINVALID},
		{"!!!", "", EINVALID},
		{strings.Repeat("x", MaxKeywordRunes+1), "", EINVALID},
		{"two\nlines", "", EINVALID},
		{"tab\there", "", EINVALID},
		{"bell\a", "", EINVALID},
		{"bad \xff utf8", "", EINVALID},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NormalizeKeyword(tc.in)
			if ErrorCode(err) != tc.code || got != tc.want {
				t.Fatalf("NormalizeKeyword(%q) = %q, %v; want %q, code %q", tc.in, got, err, tc.want, tc.code)
			}
		})
	}
}

func TestViewerSettingsNormalized(t *testing.T) {
	got, err := ViewerSettings{NonPersonalized: true, KeywordFilters: []string{"B", "a", "#b", "A  "}}.Normalized()
	if err != nil || !got.NonPersonalized || !slices.Equal(got.KeywordFilters, []string{"b", "a"}) {
		t.Fatalf("Normalized = %+v, %v; want [b a], order kept, duplicates dropped", got, err)
	}
	if got, err := (ViewerSettings{}).Normalized(); err != nil || got.KeywordFilters == nil {
		t.Fatalf("empty settings: %+v, %v; want an empty, non-nil filter list", got, err)
	}
	many := make([]string, MaxKeywordFilters+1)
	for i := range many {
		many[i] = "same"
	}
	if _, err := (ViewerSettings{KeywordFilters: many}).Normalized(); ErrorCode(err) != EUNPROCESSABLE {
		t.Fatalf("%d filters: %v, want unprocessable", len(many), err)
	}
	if _, err := (ViewerSettings{KeywordFilters: []string{"ok", ""}}).Normalized(); ErrorCode(err) != EINVALID {
		t.Fatalf("an empty filter: %v, want invalid", err)
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Hello, World!", []string{"hello", "world"}},
		{"#cute_cats @bob", []string{"cute_cats", "bob"}},
		{"don't", []string{"don", "t"}},
		{"नमस्ते दुनिया", []string{"नमस्ते", "दुनिया"}},
		{"...", nil},
	} {
		if got := Words(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
