package feed

import (
	"regexp"
	"testing"
)

// TestPatternsCompile compiles every pattern of the validator, which are
// compiled on first use: a typo in one would otherwise panic only when a
// feed first needs it.
func TestPatternsCompile(t *testing.T) {
	patterns := map[string]func() *regexp.Regexp{
		"tagURI": tagURI, "urnSyntax": urnSyntax, "rfc822Date": rfc822Date,
		"rfc822Loose": rfc822Loose, "w3cdtf": w3cdtf, "declEncoding": declEncoding,
		"mediaType": mediaType, "rssEmail": rssEmail, "rssContact": rssContact,
		"parenthesised": parenthesised, "formName": formName, "languageTag": languageTag,
		"leftoverEntity": leftoverEntity, "htmlTag": htmlTag, "xmlDeclParam": xmlDeclParam,
	}
	for name, p := range patterns {
		if re := p(); re == nil || re != p() {
			t.Errorf("%s: %v, then another", name, re)
		}
	}
	if !w3cdtf().MatchString("2026-12-07T10:00:00Z") || w3cdtf().MatchString("7 Dec 2026") {
		t.Error("w3cdtf matches as it should not")
	}
}
