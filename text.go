package flick

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The text rule, one for every piece of text people type that others see
// (names, bios, captions, comments, keyword filters, searches, reasons):
// valid UTF-8; no control characters (PrintableText allows line breaks and
// tabs); no text-direction controls at all (overrides, embeddings, isolates
// and marks: "\u202enimda" renders as "admin"); and no invisible characters
// (Unicode's default-ignorable code points: zero-width spaces and joiners,
// soft hyphens, word joiners, fillers, tags, variation selectors) except
// where a script or an emoji needs them: a zero-width joiner inside an emoji
// sequence (👩‍💻), a zero-width joiner or non-joiner between two letters of a
// script that joins or forms conjuncts (Persian, Arabic, the Indic scripts,
// ...), a variation selector right after a visible character (❤️), and the
// tags of a subdivision flag. Names follow the same rule as texts: the
// exceptions cannot make Latin letters look like other Latin letters, and
// people write names in every script, with emoji. Refused rather than
// stripped, as invalid UTF-8 is: what is stored is what was typed.

// PrintableText reports whether s follows the text rule, line breaks and
// tabs allowed: a caption, a bio, a comment.
func PrintableText(s string) bool {
	return printable(s, func(r rune) bool { return r == '\n' || r == '\t' || r == '\r' })
}

// PrintableLine reports whether s follows the text rule on one line: a
// name, a keyword filter, a search.
func PrintableLine(s string) bool {
	return printable(s, func(rune) bool { return false })
}

func printable(s string, allowed func(rune) bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case unicode.IsControl(r):
			if !allowed(r) {
				return false
			}
		case unicode.Is(unicode.Bidi_Control, r):
			return false
		case invisible(r):
			if !neededInvisible(runes, i) {
				return false
			}
		}
	}
	return true
}

// invisible reports whether r is a default-ignorable code point: drawn as
// nothing. Prepended concatenation marks (the Arabic number sign) are format
// characters that are drawn, so they are not.
func invisible(r rune) bool {
	return (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r)) && !unicode.Is(unicode.Prepended_Concatenation_Mark, r)
}

const (
	zeroWidthJoiner    = '\u200d'
	zeroWidthNonJoiner = '\u200c'
	blackFlag          = '\U0001F3F4' // the base of a subdivision flag
	cancelTag          = '\U000E007F' // ends a flag's tags
)

// neededInvisible reports whether the invisible runes[i] does a job there.
func neededInvisible(runes []rune, i int) bool {
	r := runes[i]
	var prev, next rune = -1, -1
	if i > 0 {
		prev = runes[i-1]
	}
	if i+1 < len(runes) {
		next = runes[i+1]
	}
	switch {
	case r == zeroWidthJoiner:
		return emojiEnd(prev) && emoji(next) || joinsAfter(prev) && joins(next)
	case r == zeroWidthNonJoiner:
		return joinsAfter(prev) && joins(next)
	case unicode.Is(unicode.Variation_Selector, r):
		return prev >= 0 && !unicode.IsSpace(prev) && !unicode.IsControl(prev) && !invisible(prev)
	case r >= '\U000E0020' && r <= cancelTag:
		// A subdivision flag: the black flag, tag letters, the cancel tag.
		j := i
		for j > 0 && runes[j-1] >= '\U000E0020' && runes[j-1] < cancelTag {
			j--
		}
		k := i
		for k < len(runes) && runes[k] >= '\U000E0020' && runes[k] < cancelTag {
			k++
		}
		return j > 0 && runes[j-1] == blackFlag && k > j && k < len(runes) && runes[k] == cancelTag
	}
	return false
}

// emoji reports whether r is a pictograph that an emoji sequence joins.
func emoji(r rune) bool { return r >= 0 && unicode.Is(unicode.So, r) }

// emojiEnd reports whether r can end an emoji before a joiner: the emoji
// itself, its presentation selector or its skin tone.
func emojiEnd(r rune) bool {
	return emoji(r) || r == '\ufe0f' || r >= '\U0001F3FB' && r <= '\U0001F3FF'
}

// joiningScripts are the scripts whose letters join or form conjuncts, where
// zero-width joiners and non-joiners choose the shape.
var joiningScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mongolian, unicode.Devanagari, unicode.Bengali,
	unicode.Gurmukhi, unicode.Gujarati, unicode.Oriya, unicode.Tamil, unicode.Telugu, unicode.Kannada,
	unicode.Malayalam, unicode.Sinhala, unicode.Khmer, unicode.Myanmar, unicode.Tibetan,
}

// joinsAfter reports whether a joiner may follow r: a letter or mark of a
// joining script, or a mark shared by scripts (Arabic vowel signs).
func joinsAfter(r rune) bool {
	return joins(r) || r >= 0 && unicode.IsMark(r) && unicode.Is(unicode.Inherited, r)
}

// joins reports whether r is a letter or mark of a joining script.
func joins(r rune) bool {
	return r >= 0 && (unicode.IsLetter(r) || unicode.IsMark(r)) && unicode.In(r, joiningScripts...)
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
