package feed

// The namespaces and version URLs feedpub writes and checks, in one place
// for the renderers and the validator.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
	nsXHTML   = "http://www.w3.org/1999/xhtml"
	// NSSyndication is the RSS 1.0 syndication module (sy:updatePeriod).
	NSSyndication = "http://purl.org/rss/1.0/modules/syndication/"
	// NSHistory is RFC 5005's feed history namespace (fh:archive).
	NSHistory = "http://purl.org/syndication/history/1.0"

	jsonFeedVersion11 = "https://jsonfeed.org/version/1.1"
	jsonFeedVersion10 = "https://jsonfeed.org/version/1"
)
