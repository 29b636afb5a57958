package main

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxCommentBytes is MySQL's limit on a column comment.
const maxCommentBytes = 1024

var (
	// markdownLink matches [text](url); the text is kept.
	markdownLink = regexp.MustCompile(`\[([^\]]*)\]\([^)\s]*(?:\s+"[^"]*")?\)`)
	// markdownBold matches **text**; the text is kept.
	markdownBold = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// cleanDescription turns a spec description (markdown, possibly several
// lines) into the plain one-line text a SQL column comment can hold:
// links become their text, whitespace runs become one space, and the result
// is cut to maxCommentBytes without splitting a UTF-8 character.
func cleanDescription(desc string) string {
	desc = markdownLink.ReplaceAllString(desc, "$1")
	desc = markdownBold.ReplaceAllString(desc, "$1")
	desc = strings.Join(strings.Fields(desc), " ")
	return truncateUTF8(desc, maxCommentBytes)
}

// truncateUTF8 returns the longest prefix of s that is at most n bytes and
// ends on a character boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRight(s[:n], " ")
}
