package flick

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// PrintableText reports whether s is valid UTF-8 without control
// characters but line breaks and tabs: a caption, a bio, a comment.
func PrintableText(s string) bool {
	return printable(s, func(r rune) bool { return r == '\n' || r == '\t' || r == '\r' })
}

// PrintableLine reports whether s is valid UTF-8 without any control
// character: one line, such as a name or a search.
func PrintableLine(s string) bool {
	return printable(s, func(rune) bool { return false })
}

func printable(s string, allowed func(rune) bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !allowed(r) {
			return false
		}
	}
	return true
}

// ParseCaption extracts #hashtags and @mentions from a caption, lower-cased,
// de-duplicated, in order of first appearance. A tag is a run of letters,
// digits and '_' after '#' (at most 100 characters); a mention follows the
// handle rules.
func ParseCaption(caption string) (hashtags, mentions []string) {
	seenTag := map[string]bool{}
	seenMention := map[string]bool{}
	runes := []rune(caption)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if r != '#' && r != '@' {
			continue
		}
		if i > 0 && isWordRune(runes[i-1]) {
			continue // part of a word, e.g. an email address
		}
		j := i + 1
		for j < len(runes) && (isWordRune(runes[j]) || r == '@' && runes[j] == '.' && j+1 < len(runes) && isWordRune(runes[j+1])) {
			j++
		}
		word := strings.ToLower(string(runes[i+1 : j]))
		i = j - 1
		if word == "" {
			continue
		}
		switch r {
		case '#':
			if utf8.RuneCountInString(word) <= 100 && !seenTag[word] {
				seenTag[word] = true
				hashtags = append(hashtags, word)
			}
		case '@':
			if ValidateHandle(word) == nil && !seenMention[word] {
				seenMention[word] = true
				mentions = append(mentions, word)
			}
		}
	}
	return hashtags, mentions
}

// isWordRune includes combining marks: scripts such as Devanagari or Thai
// write vowels with them, and a tag must not end at the first one.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// NormalizeTag turns user input such as "#Cats" into the stored form "cats".
func NormalizeTag(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
}
