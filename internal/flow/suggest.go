package flow

import (
	"fmt"
	"sort"
	"strings"
)

// closest returns the candidate nearest to word by edit distance, or "" when
// none is close enough to be a likely typo.
func closest(word string, candidates []string) string {
	// A typo of a name is about as long as the name; a long text is no
	// typo, and comparing it with every candidate would be slow.
	if len(word) > maxSuggest {
		return ""
	}
	best, bestDist := "", -1
	lw := strings.ToLower(word)
	limit := max(1, min(3, len(word)/3))
	for _, c := range candidates {
		if c == word || len(c) > maxSuggest || abs(len(c)-len(word)) > 4*limit {
			continue
		}
		d := distance(lw, strings.ToLower(c))
		if bestDist < 0 || d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// maxSuggest is the longest word (in bytes) that gets a did-you-mean hint.
const maxSuggest = 64

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// didYouMean is a hint for a likely typo, or "".
func didYouMean(word string, candidates []string) string {
	if c := closest(word, candidates); c != "" {
		return fmt.Sprintf("did you mean '%s'?", c)
	}
	return ""
}

// distance is the Damerau-Levenshtein distance (with adjacent swaps), so
// "fliter" is one edit from "filter".
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// quoteList writes names as 'a', 'b' and 'c' in sorted order.
func quoteList(names []string) string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}
