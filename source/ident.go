package source

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
)

// slugPath slugifies each '/'-separated segment of p.
func slugPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = feed.Slug(s)
	}
	return strings.Join(segs, "/")
}

// truncateSlug cuts slug to at most n bytes at a '-' boundary, or inside
// its first word when that alone is longer than n.
func truncateSlug(slug string, n int) string {
	if len(slug) <= n {
		return slug
	}
	cut := slug[:n]
	if slug[n] != '-' {
		if i := strings.LastIndexByte(cut, '-'); i > 0 {
			cut = cut[:i]
		}
	}
	return strings.TrimRight(cut, "-")
}

// keyFolds maps the quote and dash variants that differ between copies of
// the same headline (typographic in one file, typed in another) to ASCII.
var keyFolds = strings.NewReplacer(
	"‘", "'", "’", "'", "‚", "'", "‛", "'", "′", "'",
	"“", `"`, "”", `"`, "„", `"`, "‟", `"`, "″", `"`,
	"‐", "-", "‑", "-", "‒", "-", "–", "-", "—", "-", "―", "-",
)

// headlineKey is the form of a headline under which copies of it are
// recognised as one: NFKC, lower case, quotes and dashes folded, white
// space collapsed. Folding runs before NFKC too, because NFKC turns a
// double prime into two primes.
func headlineKey(title string) string {
	s := keyFolds.Replace(title)
	s = strings.ToLower(norm.NFKC.String(s))
	s = keyFolds.Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// headlineSlug is the link slug of a headline: a readable part of at most
// 80 characters and a short hash of the whole key, so that headlines
// sharing their first words, or with no Latin letters, still differ.
func headlineSlug(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "headlines/" + truncateSlug(feed.Slug(key), 80) + "-" + hex.EncodeToString(sum[:4])
}

// itemID makes the ID of an item with a local name, such as a path below
// a source's folder: prefix, the escaped source name, '/', the escaped
// name in NFC.
func itemID(prefix, sourceName, local string) string {
	return prefix + weburl.EscapeTag(sourceName) + "/" + weburl.EscapeTagPath(norm.NFC.String(local))
}

// ownItemID makes the ID of an item that names itself: id as it is when it
// is an absolute URI, else the itemID of id as a local name.
func ownItemID(prefix, sourceName, id string) string {
	if weburl.IsAbsolute(id) {
		return id
	}
	return itemID(prefix, sourceName, id)
}

// fillLink fills a link template for a slug: "{slug}" and "{source}", the
// latter path-escaped. An empty template gives "".
func fillLink(template, sourceName, slug string) string {
	if template == "" {
		return ""
	}
	// Both placeholders are replaced in one pass, so that a slug that
	// happens to contain "{source}" stays as it is.
	var b strings.Builder
	for {
		i := strings.IndexByte(template, '{')
		if i < 0 {
			b.WriteString(template)
			return b.String()
		}
		b.WriteString(template[:i])
		template = template[i:]
		switch {
		case strings.HasPrefix(template, "{slug}"):
			b.WriteString(slug)
			template = template[len("{slug}"):]
		case strings.HasPrefix(template, "{source}"):
			b.WriteString(url.PathEscape(sourceName))
			template = template[len("{source}"):]
		default:
			b.WriteByte('{')
			template = template[1:]
		}
	}
}

// usablePerson drops an email that is not an address and a URL that is not
// absolute http(s), keeping the rest of the person: what a feed cannot
// carry is left out rather than failing the item.
func usablePerson(p feed.Person) feed.Person {
	if p.Email != "" && !feed.EmailAddress(p.Email) {
		p.Email = ""
	}
	if p.URL != "" && !weburl.IsHTTP(p.URL) {
		p.URL = ""
	}
	return p
}
